//! Running the courtesy binary on a data folder, as a user at a terminal does.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// Runs `courtesy ARGS --data-dir DATA` with `env` set and without the environment's
/// `COURTESY_LRS_CONFIG` and `COURTESY_DATA_DIR`; returns the exit code (-1 when a signal
/// ended it), stdout and stderr.
pub fn courtesy_in(args: &[&str], data: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_courtesy"))
        .envs(env.iter().copied())
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("COURTESY_LRS_CONFIG")
        .env_remove("COURTESY_DATA_DIR")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The manager password the tests that read the room's records give.
pub const MANAGER_PASSWORD: &str = "manager-pass-1";

/// [`courtesy_in`] with `COURTESY_MANAGER_PASSWORD` set to [`MANAGER_PASSWORD`].
pub fn courtesy_as_manager(args: &[&str], data: &Path) -> (i32, String, String) {
    courtesy_in(
        args,
        data,
        &[("COURTESY_MANAGER_PASSWORD", MANAGER_PASSWORD)],
    )
}
