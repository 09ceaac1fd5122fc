//! Shared by the fuzz targets: the input as a file, since fastware's
//! readers take paths (they sniff, seek and map files as a user's run does).

use std::path::PathBuf;

/// Writes `data` to this process's scratch file named `name` and returns its path.
pub fn as_file(name: &str, data: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fastware-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let p = dir.join(name);
    std::fs::write(&p, data).expect("scratch file");
    p
}
