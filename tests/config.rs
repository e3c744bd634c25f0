//! `courtesy config`: every effective value with where it came from (flag > environment >
//! file > default), and a broken station file's located error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A home with its own config and data folders; the station file at the default place.
struct Home {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Home {
    fn new() -> Home {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().to_path_buf();
        std::fs::create_dir_all(root.join("work")).expect("mkdir");
        Home { _tmp: tmp, root }
    }

    /// Where `dirs::config_dir()` points for the child (Linux: XDG_CONFIG_HOME).
    fn default_file(&self) -> PathBuf {
        self.root.join("config/courtesy/station.ron")
    }

    fn write_default(&self, text: &str) -> PathBuf {
        let p = self.default_file();
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        p
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_courtesy"));
        cmd.args(args)
            .current_dir(self.root.join("work"))
            .env("HOME", &self.root)
            .env("XDG_CONFIG_HOME", self.root.join("config"))
            .env("XDG_DATA_HOME", self.root.join("data"));
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("COURTESY_") {
                cmd.env_remove(k);
            }
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("courtesy runs")
    }

    fn json(&self, args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
        let mut all = vec!["config", "--json"];
        all.extend_from_slice(args);
        let o = self.run(&all, env);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice(&o.stdout).expect("JSON")
    }
}

const FILE: &str = "(
    station: \"from-file\",
    data_dir: \"/file/data\",
    lrs_config: \"lrs-from-file.ron\",
    locale: \"en\",
    timers: \"relaxed\",
    manager_idle_lock_minutes: 12,
)
";

#[test]
fn flag_beats_environment_beats_file_beats_default() {
    let home = Home::new();

    // Default: no file at all.
    let v = home.json(&[], &[]);
    assert_eq!(v["config_file_read"], false);
    assert_eq!(v["station"]["from"]["kind"], "default");
    assert!(!v["station"]["value"].as_str().unwrap_or("").is_empty());
    assert_eq!(v["data_dir"]["from"]["kind"], "default");
    assert_eq!(
        v["data_dir"]["value"],
        home.root.join("data/courtesy").display().to_string()
    );
    assert_eq!(v["locale"]["value"], "zh-CN");
    assert_eq!(v["timers"]["value"], "normal");
    assert_eq!(v["manager_idle_lock_minutes"]["value"], 5);

    // File, at the default place: values with their lines.
    let file = home.write_default(FILE);
    let v = home.json(&[], &[]);
    assert_eq!(v["config_file_read"], true);
    assert_eq!(v["station"]["value"], "from-file");
    assert_eq!(v["station"]["from"]["kind"], "file");
    assert_eq!(v["station"]["from"]["path"], file.display().to_string());
    assert_eq!(v["station"]["from"]["line"], 2);
    assert_eq!(v["data_dir"]["value"], "/file/data");
    assert_eq!(v["data_dir"]["from"]["line"], 3);
    // Relative paths in the file are relative to its folder.
    assert_eq!(
        v["lrs_config"]["value"],
        file.with_file_name("lrs-from-file.ron")
            .display()
            .to_string()
    );
    assert_eq!(v["locale"]["value"], "en");
    assert_eq!(v["timers"]["value"], "relaxed");
    assert_eq!(v["manager_idle_lock_minutes"]["value"], 12);
    assert_eq!(v["manager_idle_lock_minutes"]["from"]["line"], 7);

    // Environment over file.
    let env = [
        ("COURTESY_STATION", "from-env"),
        ("COURTESY_DATA_DIR", "/env/data"),
        ("COURTESY_LRS_CONFIG", "/env/lrs.ron"),
    ];
    let v = home.json(&[], &env);
    assert_eq!(v["station"]["value"], "from-env");
    assert_eq!(v["station"]["from"]["var"], "COURTESY_STATION");
    assert_eq!(v["data_dir"]["value"], "/env/data");
    assert_eq!(v["data_dir"]["from"]["kind"], "env");
    assert_eq!(v["lrs_config"]["value"], "/env/lrs.ron");
    assert_eq!(
        v["timers"]["from"]["kind"], "file",
        "no env var: still the file"
    );

    // Flag over environment.
    let v = home.json(
        &[
            "--station",
            "from-flag",
            "--data-dir",
            "/flag/data",
            "--timers",
            "off",
            "--locale",
            "zh-CN",
        ],
        &env,
    );
    assert_eq!(v["station"]["value"], "from-flag");
    assert_eq!(v["station"]["from"]["flag"], "--station");
    assert_eq!(v["data_dir"]["value"], "/flag/data");
    assert_eq!(v["data_dir"]["from"]["kind"], "flag");
    assert_eq!(v["timers"]["value"], "off");
    assert_eq!(v["locale"]["value"], "zh-CN");
    assert_eq!(v["lrs_config"]["from"]["kind"], "env", "no flag: still env");

    // The text form names every source.
    let o = home.run(&["config", "--station", "from-flag"], &env);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("[flag --station]"), "{text}");
    assert!(text.contains("[env COURTESY_DATA_DIR]"), "{text}");
    assert!(
        text.contains(&format!("[file {}:5]", file.display())),
        "{text}"
    );
}

#[test]
fn the_config_file_itself_comes_from_flag_env_or_default() {
    let home = Home::new();
    home.write_default("(station: \"default-place\")\n");
    let env_file = home.root.join("env.ron");
    std::fs::write(&env_file, "(station: \"env-file\")\n").expect("write");
    let flag_file = home.root.join("flag.ron");
    std::fs::write(&flag_file, "(station: \"flag-file\")\n").expect("write");
    let env_s = env_file.display().to_string();
    let flag_s = flag_file.display().to_string();

    let v = home.json(&[], &[]);
    assert_eq!(v["station"]["value"], "default-place");
    let v = home.json(&[], &[("COURTESY_CONFIG", &env_s)]);
    assert_eq!(v["station"]["value"], "env-file");
    assert_eq!(v["config_file"]["from"]["kind"], "env");
    let v = home.json(&["--config", &flag_s], &[("COURTESY_CONFIG", &env_s)]);
    assert_eq!(v["station"]["value"], "flag-file");
    assert_eq!(v["config_file"]["from"]["kind"], "flag");

    // A file named explicitly must exist.
    let o = home.run(&["config", "--config", "/no/such/station.ron"], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/no/such/station.ron") && err.contains("does not exist"),
        "{err}"
    );
}

#[test]
fn the_file_data_folder_is_used_by_other_commands() {
    let home = Home::new();
    let data = home.root.join("station-data");
    home.write_default(&format!("(data_dir: {:?})\n", data.display().to_string()));
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scoring-case.ron");
    let fixture = fixture.display().to_string();
    let args = ["run", &fixture, "--choose", "b,x", "--trainee", "t1"];
    let o = home.run(&args, &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        data.join("records.sqlite3").is_file(),
        "the file's data_dir"
    );
    // The environment still wins over the file.
    let env_data = home.root.join("env-data");
    let env_s = env_data.display().to_string();
    let o = home.run(&args, &[("COURTESY_DATA_DIR", &env_s)]);
    assert_eq!(o.status.code(), Some(0));
    assert!(env_data.join("records.sqlite3").is_file());
}

#[test]
fn a_broken_file_gets_a_located_error() {
    let home = Home::new();
    let cases: [(&str, &str, &str); 4] = [
        // Missing comma after the first field: reported where the next one starts.
        (
            "(\n    station: \"seat-1\"\n    locale: \"en\",\n)\n",
            ":3:5",
            "comma",
        ),
        (
            "(\n    station: \"seat-1\",\n    timers: \"sometimes\",\n)\n",
            ":3:13",
            "not a timer policy",
        ),
        ("(\n    locale: \"fr\",\n)\n", ":2:13", "not supported"),
        (
            "(\n    station: \"seat-1\",\n    colour: \"red\",\n)\n",
            ":3:5",
            "colour",
        ),
    ];
    for (text, at, what) in cases {
        let file = home.write_default(text);
        let o = home.run(&["config"], &[]);
        assert_eq!(o.status.code(), Some(2), "{text}");
        let err = String::from_utf8_lossy(&o.stderr);
        let located = format!("{}{at}", file.display());
        assert!(err.contains(&located), "want {located} in:\n{err}");
        assert!(err.contains(what), "want {what:?} in:\n{err}");
        assert!(err.contains('^'), "the caret under the value:\n{err}");
        assert!(!err.contains("error: error:"), "{err}");
        // Every other command refuses to run on it too, with the same message.
        let o = home.run(&["list"], &[]);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains(&located));
    }
}
