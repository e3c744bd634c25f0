//! The shipped scenarios (scenarios/*.ron at build time), compiled into the binary by build.rs.

use crate::core::library::EmbeddedFile;

/// Every shipped scenario file, sorted by file name.
pub static SCENARIOS: &[EmbeddedFile] =
    include!(concat!(env!("OUT_DIR"), "/embedded_scenarios.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_file_is_embedded() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut names: Vec<String> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".ron"))
            .collect();
        names.sort();
        let embedded: Vec<&str> = SCENARIOS.iter().map(|f| f.name).collect();
        assert_eq!(embedded, names);
        for f in SCENARIOS {
            assert_eq!(std::fs::read(dir.join(f.name))?, f.bytes, "{}", f.name);
        }
        Ok(())
    }
}
