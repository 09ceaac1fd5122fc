//! Where traces come from: files, directories (a whole build's
//! `*.llvm_timings.json`), standard input, gzip or zstd compressed.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use fastware_report::Error;

use crate::TraceError;

/// File name endings a directory scan picks up.
pub const TRACE_SUFFIXES: &[&str] = &[".llvm_timings.json", ".llvm_timings.json.gz", ".llvm_timings.json.zst"];

/// How an input is encoded, told by its first bytes (not its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// One trace to read.
#[derive(Debug, Clone)]
pub struct TraceInput {
    /// `None` for standard input.
    pub path: Option<PathBuf>,
    /// The crate the trace belongs to, from a rustc file name
    /// (`serde_json-1a2b3c4d5e6f7a8b.llvm_timings.json` → `serde_json`).
    pub crate_name: Option<String>,
    pub compression: Compression,
    /// Size in bytes on disk (0 for standard input).
    pub size: u64,
    /// A FIFO, `/dev/fd/N` or another file that can be read only once: its
    /// compression is told from the same reader, when it is opened.
    pub stream: bool,
}

impl TraceInput {
    /// The name used in messages.
    pub fn display(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "-".to_string(),
        }
    }

    /// True when the input can be read in parallel pieces.
    pub fn splittable(&self) -> bool {
        self.path.is_some() && !self.stream && self.compression == Compression::None
    }

    /// A reader of the decompressed content from the start.
    pub fn open(&self) -> Result<Box<dyn Read + Send>, Error> {
        match &self.path {
            Some(p) if self.stream => {
                let f = fastware_report::input::open(p)?;
                Ok(sniffed(f, &self.display())?.0)
            }
            Some(p) => {
                let raw = Box::new(fastware_report::input::open(p)?);
                decompress(raw, self.compression, &self.display())
            }
            None => Ok(open_stdin()?.0),
        }
    }

    /// A reader of the raw file from `offset` (uncompressed files only).
    pub fn open_at(&self, offset: u64) -> Result<File, Error> {
        let path = self.path.as_ref().ok_or_else(|| Error::from(TraceError::StdinReread).at("-"))?;
        let mut f = fastware_report::input::open(path)?;
        f.seek(SeekFrom::Start(offset)).map_err(|e| Error::io(&self.display(), &e))?;
        Ok(f)
    }
}

fn decompress(raw: Box<dyn Read + Send>, c: Compression, name: &str) -> Result<Box<dyn Read + Send>, Error> {
    Ok(match c {
        Compression::None => raw,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(1 << 20, raw))),
        Compression::Zstd => Box::new(ZstdChecked::new(io::BufReader::with_capacity(1 << 20, raw)).map_err(|e| {
            Error::from(TraceError::Compressed { format: "zstd", why: e.to_string() }).at(name).at_byte(Some(0))
        })?),
    })
}

/// A zstd stream whose frame checksum (when the frame has one) is compared
/// with the data's at the end of each frame (ruzstd computes it but leaves
/// the check to its caller); frames that follow are read as `zstd -dc`
/// reads them, skippable frames skipped, and anything else after the data
/// refused.
struct ZstdChecked<R: io::BufRead> {
    inner: Option<ruzstd::decoding::StreamingDecoder<R, ruzstd::decoding::FrameDecoder>>,
}

impl<R: io::BufRead> ZstdChecked<R> {
    fn new(source: R) -> Result<Self, ruzstd::decoding::errors::FrameDecoderError> {
        Ok(ZstdChecked { inner: Some(ruzstd::decoding::StreamingDecoder::new(source)?) })
    }

    /// At the end of a frame: checks its checksum, then goes on to the next
    /// frame. False at the end of the data.
    fn next_frame(&mut self) -> io::Result<bool> {
        let bad = |m: String| io::Error::new(io::ErrorKind::InvalidData, m);
        let Some(mut inner) = self.inner.take() else { return Ok(false) };
        let d = &inner.decoder;
        if let (Some(stored), Some(computed)) = (d.get_checksum_from_data(), d.get_calculated_checksum()) {
            if stored != computed {
                return Err(bad(format!("damaged zstd data: checksum {stored:08x} stored, {computed:08x} computed")));
            }
        }
        loop {
            let src = inner.get_mut();
            let head = src.fill_buf()?;
            match head {
                [] => return Ok(false),
                [0x28, 0xb5, 0x2f, 0xfd, ..] => {
                    let (src, dec) = inner.into_parts();
                    let next = ruzstd::decoding::StreamingDecoder::new_with_decoder(src, dec)
                        .map_err(|e| bad(format!("corrupt zstd data in a later frame: {e}")))?;
                    self.inner = Some(next);
                    return Ok(true);
                }
                // a skippable frame: magic 0x184D2A5?, then its length
                [m, 0x2a, 0x4d, 0x18, ..] if m & 0xf0 == 0x50 => {
                    let mut header = [0u8; 8];
                    src.read_exact(&mut header)?;
                    let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as u64;
                    let skipped = io::copy(&mut src.take(len), &mut io::sink())?;
                    if skipped < len {
                        return Err(bad("a skippable zstd frame cut short".into()));
                    }
                }
                _ => {
                    return Err(bad(
                        "bytes after the end of the zstd data that are not zstd: damaged or appended to".into()
                    ))
                }
            }
        }
    }
}

impl<R: io::BufRead> Read for ZstdChecked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(inner) = self.inner.as_mut() else { return Ok(0) };
            let n = inner.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            if !self.next_frame()? {
                return Ok(0);
            }
        }
    }
}

/// Tells the compression from the first bytes.
pub fn sniff(head: &[u8]) -> Compression {
    match head {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        _ => Compression::None,
    }
}

/// The crate name in a rustc output file name: `<crate>-<16 hex>.llvm_timings.json…`.
pub fn crate_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = TRACE_SUFFIXES.iter().rev().find_map(|s| name.strip_suffix(s))?;
    let stem = match stem.rsplit_once('-') {
        Some((krate, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => krate,
        _ => stem,
    };
    (!stem.is_empty()).then(|| stem.to_string())
}

/// Expands the command line's paths: files as given, directories to every
/// trace file under them (sorted), `-` to standard input.
pub fn resolve(paths: &[PathBuf]) -> Result<Vec<TraceInput>, Error> {
    let mut out = Vec::new();
    let mut stdin_seen = false;
    for p in paths {
        if p.as_os_str() == "-" {
            if stdin_seen {
                return Err(Error::from(TraceError::StdinTwice).at("-"));
            }
            stdin_seen = true;
            out.push(TraceInput {
                path: None,
                crate_name: None,
                compression: Compression::None,
                size: 0,
                stream: true,
            });
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| Error::io(&p.display().to_string(), &e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).map_err(|e| Error::io(&p.display().to_string(), &e))?;
            if found.is_empty() {
                return Err(Error::from(TraceError::NoTraces).at(&p.display().to_string()));
            }
            found.sort();
            for f in found {
                out.push(file_input(f)?);
            }
        } else {
            out.push(file_input(p.clone())?);
        }
    }
    if out.is_empty() {
        return Err(Error::from(TraceError::NoInput).at("-"));
    }
    Ok(out)
}

fn file_input(path: PathBuf) -> Result<TraceInput, Error> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(&path).map_err(|e| Error::io(&name, &e))?;
    if !meta.is_file() {
        // read once, when its turn comes: opening it now would consume it
        return Ok(TraceInput {
            crate_name: crate_from_file_name(&path),
            compression: Compression::None,
            size: 0,
            path: Some(path),
            stream: true,
        });
    }
    let mut f = fastware_report::input::open(&path)?;
    let size = meta.len();
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(&name, &e)),
        }
    }
    Ok(TraceInput {
        crate_name: crate_from_file_name(&path),
        compression: sniff(&head[..n]),
        size,
        path: Some(path),
        stream: false,
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let path = entry.path();
        let named =
            path.file_name().and_then(|n| n.to_str()).is_some_and(|n| TRACE_SUFFIXES.iter().any(|s| n.ends_with(s)));
        if ty.is_dir() {
            walk(&path, out)?;
        } else if named && !ty.is_file() && !(ty.is_symlink() && path.is_file()) {
            // a FIFO or device in a build directory would block the scan
            eprintln!("note: skipped {}: not a regular file", path.display());
        } else if named {
            out.push(path);
        }
    }
    Ok(())
}

/// Standard input, decompressed if it starts with a gzip or zstd header.
pub fn open_stdin() -> Result<(Box<dyn Read + Send>, Compression), Error> {
    sniffed(io::stdin(), "-")
}

/// A stream read once: its first bytes tell the compression, and are read
/// again from memory.
fn sniffed(mut src: impl Read + Send + 'static, name: &str) -> Result<(Box<dyn Read + Send>, Compression), Error> {
    let mut head = Vec::with_capacity(4);
    (&mut src).take(4).read_to_end(&mut head).map_err(|e| Error::io(name, &e))?;
    let c = sniff(&head);
    let raw: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(src));
    Ok((decompress(raw, c, name)?, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_from_rustc_file_names() {
        let c = |s: &str| crate_from_file_name(Path::new(s));
        assert_eq!(
            c("target/release/deps/serde_json-1a2b3c4d5e6f7a8b.llvm_timings.json").as_deref(),
            Some("serde_json")
        );
        assert_eq!(c("web_http_server.llvm_timings.json.zst").as_deref(), Some("web_http_server"));
        assert_eq!(c("a-b-0123456789abcdef.llvm_timings.json.gz").as_deref(), Some("a-b"));
        assert_eq!(c("trace.json"), None);
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Compression::Zstd);
        assert_eq!(sniff(b"{\"tr"), Compression::None);
        assert_eq!(sniff(b""), Compression::None);
    }
}
