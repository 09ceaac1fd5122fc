//! Opening a rustc self-profile (`<crate>-<pid>.mm_profdata`).
//!
//! The file is checked before measureme's decoder sees it (the decoder
//! asserts and indexes without bounds checks, so a damaged file would make
//! it panic): the `MMPD` header and format version, every page header, the
//! three streams' own headers and sizes. The streams are then read straight
//! from the file into the buffers of fastware's [`Decoder`], which checks the
//! string table whole (a reference loop would overflow measureme's
//! recursive string expansion) and is shared by threads; this way the data
//! is held once, not read whole and then copied stream by stream.

use std::cell::Cell;
use std::io::{Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;

use fastware_report::Error;

use crate::SelfProfError;

use crate::decoder::{Damage, Decoder, Events};

/// The format version fastware reads (measureme 12, rustc 1.9x).
pub const FORMAT_VERSION: u32 = decodeme::CURRENT_FILE_FORMAT_VERSION;
const HEADER: usize = 8;
const RAW_EVENT_SIZE: usize = std::mem::size_of::<measureme::RawEvent>();
const INDEX_ENTRY_SIZE: usize = 16;

/// An opened, validated profile.
pub struct Profile {
    pub path: PathBuf,
    /// From the file name: `serde_json-12345.mm_profdata` → `serde_json`.
    pub crate_name: String,
    /// Bytes on disk.
    pub size: u64,
    pub process_id: u32,
    /// The rustc command line.
    pub cmd: String,
    /// When the session started, ns since the Unix epoch.
    pub start_ns: u128,
    pub(crate) start: std::time::SystemTime,
    /// (file offset, length) of the pages of each stream, by page tag.
    pages: [Vec<(u64, usize)>; 3],
    pub(crate) decoder: Decoder,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile").field("path", &self.path).field("crate_name", &self.crate_name).finish()
    }
}

impl Profile {
    pub fn num_events(&self) -> usize {
        self.decoder.num_events()
    }

    pub fn display(&self) -> String {
        self.path.display().to_string()
    }
}

/// The crate name in a rustc profile file name (`<crate>-<pid>.mm_profdata`).
pub fn crate_from_file_name(path: &Path) -> String {
    let stem = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    let stem = stem.strip_suffix(".mm_profdata").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((krate, pid)) if !krate.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) => krate.to_string(),
        _ => stem.to_string(),
    }
}

fn err(path: &Path, offset: Option<u64>, e: SelfProfError) -> Error {
    Error::from(e).at(&path.display().to_string()).at_byte(offset)
}

/// A file, or a stream read into memory.
trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Opens and validates a profile.
pub fn open(path: &Path) -> Result<Profile, Error> {
    let name = path.display().to_string();
    let file = fastware_report::input::open(path)?;
    let meta = file.metadata().map_err(|e| Error::io(&name, &e))?;
    // a FIFO or `/dev/fd/N` (`<(zstd -dc p.zst)`) is read once, into memory:
    // the pages are found by seeking; a file's event stream is read as it is
    // decoded (`decoder::Events`)
    let in_place = if cfg!(unix) && meta.is_file() { file.try_clone().ok() } else { None };
    let mut f: Box<dyn ReadSeek> = if meta.is_file() {
        Box::new(file)
    } else {
        let mut bytes = Vec::new();
        (&file).read_to_end(&mut bytes).map_err(|e| Error::io(&name, &e))?;
        Box::new(std::io::Cursor::new(bytes))
    };
    let size = f.seek(SeekFrom::End(0)).map_err(|e| Error::io(&name, &e))?;
    f.seek(SeekFrom::Start(0)).map_err(|e| Error::io(&name, &e))?;
    if size == 0 {
        return Err(err(path, None, SelfProfError::Empty));
    }
    let mut header = [0u8; HEADER];
    let n = read_up_to(&mut f, &mut header).map_err(|e| Error::io(&name, &e))?;
    if !b"MMPD".starts_with(&header[..n.min(4)]) {
        return Err(err(path, Some(0), SelfProfError::NotSelfProfile));
    }
    if n < HEADER {
        return Err(err(path, Some(n as u64), SelfProfError::TruncatedHeader));
    }
    let version = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if version != FORMAT_VERSION {
        return Err(err(path, Some(4), SelfProfError::Version { version, reads: FORMAT_VERSION }));
    }
    // Walk the pages: [tag u8][len u32 LE][len bytes] …
    let mut pages: [Vec<(u64, usize)>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut pos = HEADER as u64;
    while pos < size {
        let mut ph = [0u8; 5];
        f.seek(SeekFrom::Start(pos)).map_err(|e| Error::io(&name, &e))?;
        let got = read_up_to(&mut f, &mut ph).map_err(|e| Error::io(&name, &e))?;
        if got < 5 {
            return Err(truncated(path, pos, size));
        }
        let tag = ph[0];
        let len = u32::from_le_bytes([ph[1], ph[2], ph[3], ph[4]]) as usize;
        if tag > 2 || len == 0 {
            return Err(err(path, Some(pos), corrupt(format!("invalid page header (tag {tag}, {len} bytes)"))));
        }
        if pos + 5 + len as u64 > size {
            return Err(truncated(path, pos, size));
        }
        pages[tag as usize].push((pos + 5, len));
        pos += 5 + len as u64;
    }
    // the event stream is read as it is decoded from a file, whole from a pipe
    let events_len: usize = pages[0].iter().map(|p| p.1).sum();
    let events = match in_place {
        Some(file) => Events::File { file, pages: pages[0].clone(), len: events_len },
        None => Events::Memory(read_stream(&mut f, &pages[0]).map_err(|e| Error::io(&name, &e))?),
    };
    let mut head = [0u8; HEADER];
    let head: &[u8] = if events_len >= HEADER {
        events.read_at(0, &mut head).map_err(|e| Error::io(&name, &e))?;
        &head
    } else {
        &[]
    };
    let [strings, index] = [1, 2].map(|t| read_stream(&mut f, &pages[t]));
    let (strings, index) = (strings.map_err(|e| Error::io(&name, &e))?, index.map_err(|e| Error::io(&name, &e))?);
    for (stream, magic, what) in
        [(head, b"MMES", "event"), (&strings[..], b"MMSD", "string data"), (&index[..], b"MMSI", "string index")]
    {
        if stream.len() < HEADER || &stream[..4] != magic {
            return Err(err(path, None, SelfProfError::NoStream { stream: what }));
        }
        let v = u32::from_le_bytes([stream[4], stream[5], stream[6], stream[7]]);
        if v != FORMAT_VERSION {
            return Err(err(path, None, SelfProfError::StreamVersion { stream: what, version: v }));
        }
    }
    if !(events_len - HEADER).is_multiple_of(RAW_EVENT_SIZE) {
        return Err(truncated(path, size, size));
    }
    if !(index.len() - HEADER).is_multiple_of(INDEX_ENTRY_SIZE) {
        return Err(err(path, None, corrupt("string index of uneven size")));
    }
    if strings.len() > HEADER && strings.last() != Some(&0xFF) {
        return Err(err(path, None, corrupt("string data does not end with a terminator")));
    }
    let decoder = guarded(|| Decoder::new(strings, &index, events))
        .map_err(|p| err(path, None, corrupt(p)))?
        .map_err(|d| damaged(path, &pages, &d))?;
    let meta = decoder.metadata.clone();
    let start_ns = meta.start_time.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    Ok(Profile {
        path: path.to_path_buf(),
        crate_name: crate_from_file_name(path),
        size,
        process_id: meta.process_id,
        cmd: meta.cmd,
        start_ns,
        start: meta.start_time,
        decoder,
        pages,
    })
}

/// Damage found by the decoder, as an error at its byte in the file.
pub(crate) fn damaged(path: &Path, pages: &[Vec<(u64, usize)>; 3], d: &Damage) -> Error {
    let offset = d.at.stream_offset().and_then(|(tag, mut at)| {
        for &(pos, len) in &pages[tag] {
            if at < len as u64 {
                return Some(pos + at);
            }
            at -= len as u64;
        }
        None
    });
    err(path, offset, corrupt(d))
}

impl Profile {
    /// Damage found while decoding, as an error naming the file and byte.
    pub(crate) fn damaged(&self, d: Damage) -> Error {
        damaged(&self.path, &self.pages, &d)
    }
}

/// Damage found in the file, said as the decoder or the check said it.
pub(crate) fn corrupt(why: impl std::fmt::Display) -> SelfProfError {
    SelfProfError::Corrupt { why: why.to_string() }
}

fn truncated(path: &Path, at: u64, size: u64) -> Error {
    err(path, Some(at), SelfProfError::TruncatedPage { size })
}

fn read_up_to(f: &mut dyn ReadSeek, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn read_stream(f: &mut dyn ReadSeek, pages: &[(u64, usize)]) -> std::io::Result<Vec<u8>> {
    let mut out = vec![0u8; pages.iter().map(|p| p.1).sum()];
    let mut at = 0;
    for &(pos, len) in pages {
        f.seek(SeekFrom::Start(pos))?;
        f.read_exact(&mut out[at..at + len])?;
        at += len;
    }
    Ok(out)
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into an error message. Used around measureme's
/// decoder, which panics on some kinds of damaged data that the checks in
/// [`open`] cannot see (a bad string reference in the middle of the file).
/// The panic message is not printed: the caller reports the damage.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    r.map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "damaged data".to_string())
    })
}
