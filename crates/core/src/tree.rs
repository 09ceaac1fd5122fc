//! A directory tree copied as `cp -a` copies it: each file keeps its
//! modification time, so that cargo finds a copied build as fresh as the
//! original (a revision's target directory started from another's; the
//! tests' warm copies of fixture builds).

use std::io;
use std::path::Path;

/// Copies the tree `from` into `to` (made if missing), each file with its
/// modification time and permissions, symbolic links as links, leaving out
/// the entries of `from` itself named in `leave_out`.
pub fn copy_keeping_times(from: &Path, to: &Path, leave_out: &[&str]) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        if leave_out.iter().any(|n| e.file_name() == **n) {
            continue;
        }
        let (p, q) = (e.path(), to.join(e.file_name()));
        let meta = std::fs::symlink_metadata(&p)?;
        if meta.is_dir() {
            copy_keeping_times(&p, &q, &[])?;
        } else if meta.file_type().is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(&p)?, &q)?;
        } else {
            std::fs::copy(&p, &q)?;
            // the owner may set a file's times without writing to it
            std::fs::File::open(&q)?.set_modified(meta.modified()?)?;
        }
    }
    Ok(())
}
