//! DHAT's JSON file format (`dhatFileVersion` 2), as valgrind's DHAT and the
//! dhat crate write it: a header, `pps` (program points: the figures of the
//! allocations made from one stack) and `ftbl` (the frame table the stacks
//! index). Read with serde from the whole text, borrowing the strings; the
//! per-byte access counts (`acc`) are skipped unread.

use std::borrow::Cow;

use serde::Deserialize;

use fastware_report::Error;

use crate::HeapError;

#[derive(Debug, Deserialize)]
pub struct DhatFile<'a> {
    #[serde(rename = "dhatFileVersion")]
    pub version: u64,
    /// `heap`, `copy` or `ad-hoc` (valgrind); `rust-heap`, `rust-ad-hoc` (the dhat crate).
    #[serde(borrow)]
    pub mode: Cow<'a, str>,
    /// "Allocated", "Copied", "Occurred".
    #[serde(borrow)]
    pub verb: Cow<'a, str>,
    /// Block lifetimes (`tl`, `mb`, `gb`, `eb`) are present.
    pub bklt: bool,
    /// Block accesses (`rb`, `wb`) are present.
    pub bkacc: bool,
    /// Byte units for ad-hoc mode: unit, units, blocks ("events").
    #[serde(default, borrow)]
    pub bu: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub bsu: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub bksu: Option<Cow<'a, str>>,
    /// The time unit: "instrs" (valgrind) or "µs" (dhat crate).
    #[serde(borrow)]
    pub tu: Cow<'a, str>,
    /// The time unit for large figures: "Minstr", "s".
    #[serde(rename = "Mtu", borrow)]
    pub mtu: Cow<'a, str>,
    /// The lifetime under which a block counts as short-lived.
    #[serde(default)]
    pub tuth: Option<u64>,
    #[serde(borrow)]
    pub cmd: Cow<'a, str>,
    pub pid: u64,
    /// The time at the end (t-end).
    pub te: u64,
    /// The time of the global peak (t-gmax).
    #[serde(default)]
    pub tg: Option<u64>,
    pub pps: Vec<ProgramPoint>,
    #[serde(borrow)]
    pub ftbl: Vec<Cow<'a, str>>,
}

/// One program point: the allocations made from one stack.
#[derive(Debug, Deserialize)]
pub struct ProgramPoint {
    /// Total bytes and blocks.
    pub tb: u64,
    pub tbk: u64,
    /// The sum of the blocks' lifetimes.
    #[serde(default)]
    pub tl: Option<u64>,
    /// The most bytes and blocks alive at once from this point.
    #[serde(default)]
    pub mb: Option<u64>,
    #[serde(default)]
    pub mbk: Option<u64>,
    /// Alive at the global peak (t-gmax).
    #[serde(default)]
    pub gb: Option<u64>,
    #[serde(default)]
    pub gbk: Option<u64>,
    /// Alive at the end (t-end).
    #[serde(default)]
    pub eb: Option<u64>,
    #[serde(default)]
    pub ebk: Option<u64>,
    /// Bytes read and written.
    #[serde(default)]
    pub rb: Option<u64>,
    #[serde(default)]
    pub wb: Option<u64>,
    /// Frames, innermost (the allocation function) first, as `ftbl` indices.
    pub fs: Vec<u32>,
}

/// Tells a DHAT file by its first bytes.
pub fn looks_like(text: &[u8]) -> bool {
    let head = &text[..text.len().min(200)];
    head.windows(17).any(|w| w == b"\"dhatFileVersion\"")
}

/// Parses the text of `path`; errors are for the user, with the byte.
pub fn parse<'a>(text: &'a str, path: &str) -> Result<DhatFile<'a>, Error> {
    let f: DhatFile = serde_json::from_str(text)
        .map_err(|e| fastware_report::json::parse_error(path, text, &e, "not a DHAT file fastware can read"))?;
    let fail = |e: HeapError| Error::from(e).at(path);
    if f.version != 2 {
        return Err(fail(HeapError::Version { version: f.version }));
    }
    if !matches!(&*f.mode, "heap" | "copy" | "ad-hoc" | "rust-heap" | "rust-ad-hoc") {
        return Err(fail(HeapError::Mode { mode: f.mode.to_string() }));
    }
    let n = f.ftbl.len() as u64;
    if let Some(bad) = f.pps.iter().flat_map(|p| p.fs.iter()).find(|&&i| u64::from(i) >= n) {
        return Err(fail(HeapError::FrameOutOfRange { frame: u64::from(*bad), frames: n }));
    }
    Ok(f)
}
