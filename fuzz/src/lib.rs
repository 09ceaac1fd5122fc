//! Shared by the fuzz targets: the input as a file, since fastware's
//! readers take paths (they sniff, seek and map files as a user's run does).

use std::path::PathBuf;

/// Writes `data` to this process's scratch file named `name` (a relative
/// path; its directories are made) and returns its path.
pub fn as_file(name: &str, data: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fastware-fuzz-{}", std::process::id()));
    let p = dir.join(name);
    let _ = std::fs::create_dir_all(p.parent().unwrap_or(&dir));
    std::fs::write(&p, data).expect("scratch file");
    p
}
