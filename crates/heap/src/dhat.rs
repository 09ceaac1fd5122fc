//! DHAT's JSON file format (`dhatFileVersion` 2), as valgrind's DHAT and the
//! dhat crate write it: a header, `pps` (program points: the figures of the
//! allocations made from one stack) and `ftbl` (the frame table the stacks
//! index). Read as a stream, a few MB at a time: the top-level object's
//! fields walked here, each program point and each frame-table entry
//! parsed by serde as it comes and the bytes behind it dropped, so that a
//! 150 MB file is never held whole (its program points become the model's
//! as they are read). The per-byte access counts (`acc`) are skipped unread.

use std::io::Read;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use fastware_report::Error;

use crate::model::{Figure, Point, Stacks};
use crate::HeapError;

/// Everything in the file but its program points and frame table.
#[derive(Debug, Deserialize)]
pub struct Header {
    #[serde(rename = "dhatFileVersion")]
    pub version: u64,
    /// `heap`, `copy` or `ad-hoc` (valgrind); `rust-heap`, `rust-ad-hoc` (the dhat crate).
    pub mode: String,
    /// "Allocated", "Copied", "Occurred".
    pub verb: String,
    /// Block lifetimes (`tl`, `mb`, `gb`, `eb`) are present.
    pub bklt: bool,
    /// Block accesses (`rb`, `wb`) are present.
    pub bkacc: bool,
    /// Byte units for ad-hoc mode: unit, units, blocks ("events").
    #[serde(default)]
    pub bu: Option<String>,
    #[serde(default)]
    pub bsu: Option<String>,
    #[serde(default)]
    pub bksu: Option<String>,
    /// The time unit: "instrs" (valgrind) or "µs" (dhat crate).
    pub tu: String,
    /// The time unit for large figures: "Minstr", "s".
    #[serde(rename = "Mtu")]
    pub mtu: String,
    /// The lifetime under which a block counts as short-lived.
    #[serde(default)]
    pub tuth: Option<u64>,
    pub cmd: String,
    pub pid: u64,
    /// The time at the end (t-end).
    pub te: u64,
    /// The time of the global peak (t-gmax).
    #[serde(default)]
    pub tg: Option<u64>,
}

/// A DHAT file read: its program points already the model's (without
/// their first frame of the user's code, which needs the frame table).
#[derive(Debug)]
pub struct DhatFile {
    pub header: Header,
    pub points: Vec<Point>,
    /// The points' frames.
    pub stacks: Stacks,
    pub ftbl: Vec<String>,
}

/// One program point: the allocations made from one stack.
#[derive(Debug, Deserialize)]
struct ProgramPoint {
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
    /// Frames, innermost (the allocation function) first, as `ftbl`
    /// indices: how many, appended to this thread's [`FRAMES`].
    #[serde(rename = "fs", deserialize_with = "to_frames")]
    frames: u32,
}

std::thread_local! {
    /// The frames of the program points parsed on this thread, end to end,
    /// until [`parsed`] takes them: the stacks are laid in one array
    /// ([`Stacks`]) without an allocation per point, and a group of points
    /// is parsed on one thread from start to end (no rayon call inside).
    static FRAMES: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn to_frames<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    struct Frames;
    impl<'de> serde::de::Visitor<'de> for Frames {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of frame-table indices")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<u32, A::Error> {
            FRAMES.with(|all| {
                let mut all = all.borrow_mut();
                let mut n = 0u32;
                while let Some(f) = seq.next_element::<u32>()? {
                    all.push(f);
                    n += 1;
                }
                Ok(n)
            })
        }
    }
    d.deserialize_seq(Frames)
}

/// Program points parsed on one thread: the points, their frames end to
/// end and each one's number of frames.
#[derive(Default)]
struct Parsed {
    points: Vec<Point>,
    frames: Vec<u32>,
    lens: Vec<u32>,
}

/// Parses the program points `each` gives (`Ok(None)` at the end), their
/// frames taken from this thread's [`FRAMES`].
fn parsed<E>(mut each: impl FnMut() -> Result<Option<ProgramPoint>, E>) -> Result<Parsed, E> {
    FRAMES.with(|all| all.borrow_mut().clear());
    let mut out = Parsed::default();
    let got = (|| {
        while let Some(p) = each()? {
            out.lens.push(p.frames);
            out.points.push(p.into());
        }
        Ok(())
    })();
    out.frames = FRAMES.with(|all| {
        let mut all = all.borrow_mut();
        let taken = all.to_vec();
        all.clear();
        taken
    });
    got.map(|()| out)
}

impl Parsed {
    fn into(self, points: &mut Vec<Point>, stacks: &mut Stacks) {
        points.extend(self.points);
        stacks.extend(&self.frames, &self.lens);
    }
}

/// Tells a DHAT file by its first bytes.
pub fn looks_like(text: &[u8]) -> bool {
    let head = &text[..text.len().min(200)];
    head.windows(17).any(|w| w == b"\"dhatFileVersion\"")
}

/// How much is read at a time.
const CHUNK: usize = 4 << 20;

/// Why a read stopped: a bad file (for the user, at a byte) or an I/O error.
enum Stop {
    Bad(Error),
    Io(std::io::Error),
}

/// The file as a buffer that is refilled as it is consumed.
struct Stream<'p, R> {
    r: R,
    buf: Vec<u8>,
    pos: usize,
    /// The reader is at its end.
    done: bool,
    /// The file offset of `buf[0]`.
    base: u64,
    /// `buf[..checked]` is valid UTF-8 (a character cut at the end waits for the next read).
    checked: usize,
    path: &'p str,
    /// How much to read at a time ([`CHUNK`]; less in tests).
    chunk: usize,
}

impl<R: Read> Stream<'_, R> {
    /// Reads on, dropping what was consumed; false at the end.
    fn more(&mut self) -> Result<bool, Stop> {
        if self.done {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.base += self.pos as u64;
            self.checked -= self.pos;
            self.pos = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + self.chunk, 0);
        let mut n = 0;
        while n < self.chunk {
            match self.r.read(&mut self.buf[old + n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Stop::Io(e)),
            }
        }
        self.buf.truncate(old + n);
        self.done = n < self.chunk;
        self.check_text()?;
        Ok(n > 0)
    }

    /// Checks the bytes read since the last check are UTF-8 (a character
    /// cut by the end of a read waits for the next).
    fn check_text(&mut self) -> Result<(), Stop> {
        match std::str::from_utf8(&self.buf[self.checked..]) {
            Ok(_) => self.checked = self.buf.len(),
            Err(e) if e.error_len().is_none() && !self.done => self.checked += e.valid_up_to(),
            Err(e) => {
                let at = self.base + (self.checked + e.valid_up_to()) as u64;
                return Err(Stop::Bad(Error::from(HeapError::NotText).at(self.path).at_byte(Some(at))));
            }
        }
        Ok(())
    }

    /// The file's length, once read to its end.
    fn end(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    fn truncated(&self, message: &str) -> Stop {
        let e = HeapError::Truncated { why: message.to_string() };
        Stop::Bad(Error::from(e).at(self.path).at_byte(Some(self.end())))
    }

    /// Bad JSON at byte `at` of the file.
    fn bad(&self, at: Option<u64>, why: String) -> Stop {
        Stop::Bad(Error::from(HeapError::Json { why }).at(self.path).at_byte(at))
    }

    /// The next byte that is not white space, not consumed.
    fn peek(&mut self) -> Result<u8, Stop> {
        loop {
            while self.pos < self.checked {
                let b = self.buf[self.pos];
                if !b.is_ascii_whitespace() {
                    return Ok(b);
                }
                self.pos += 1;
            }
            if !self.more()? {
                return Err(self.truncated("EOF while parsing an object"));
            }
        }
    }

    /// Consumes `want`, the next byte that is not white space.
    fn expect(&mut self, want: &[u8]) -> Result<u8, Stop> {
        let b = self.peek()?;
        if !want.contains(&b) {
            let wanted: Vec<String> = want.iter().map(|w| format!("`{}`", *w as char)).collect();
            return Err(self.bad(Some(self.base + self.pos as u64), format!("expected {}", wanted.join(" or "))));
        }
        self.pos += 1;
        Ok(b)
    }

    /// One JSON value, parsed by serde where it starts.
    fn value<T: DeserializeOwned>(&mut self) -> Result<T, Stop> {
        self.peek()?;
        loop {
            // a number cut by the buffer's end would parse as a shorter one:
            // values are parsed with room after them, or at the file's end
            if self.checked - self.pos < 4096 && !self.done {
                self.more()?;
                continue;
            }
            let slice = &self.buf[self.pos..self.checked];
            let mut it = serde_json::Deserializer::from_slice(slice).into_iter::<T>();
            match it.next() {
                Some(Ok(v)) => {
                    self.pos += it.byte_offset();
                    return Ok(v);
                }
                Some(Err(e)) if e.is_eof() && !self.done => {
                    self.more()?;
                }
                Some(Err(e)) => {
                    let message = fastware_report::json::message_of(&e);
                    if e.is_eof() {
                        return Err(self.truncated(&message));
                    }
                    let at = fastware_report::json::byte_of(slice, e.line(), e.column());
                    let at = at.map(|b| self.base + (self.pos as u64) + b);
                    return Err(self.bad(at, message));
                }
                None => return Err(self.truncated("EOF while parsing a value")),
            }
        }
    }

    /// The end (one past its `}`) of the object starting at `start`, when
    /// it is whole in the buffer; strings are skipped as strings.
    fn object_end(&self, start: usize) -> Option<usize> {
        let b = &self.buf[..self.checked];
        let (mut depth, mut k, mut in_string) = (0usize, start, false);
        while k < b.len() {
            let c = b[k];
            if in_string {
                match c {
                    b'\\' => k += 1,
                    b'"' => in_string = false,
                    _ => {}
                }
            } else {
                match c {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(k + 1);
                        }
                    }
                    _ => {}
                }
            }
            k += 1;
        }
        None
    }

    /// The `pps` array, its program points parsed on every core: the whole
    /// ones in the buffer found by their braces (program points hold no
    /// strings but their keys), parsed by serde in parallel, in order. The
    /// parse is most of a DHAT file's read (hand-written splitting: serde
    /// reads one value at a time).
    fn program_points(&mut self, points: &mut Vec<Point>, stacks: &mut Stacks) -> Result<(), Stop> {
        use rayon::prelude::*;
        self.expect(b"[")?;
        if self.peek()? == b']' {
            self.pos += 1;
            return Ok(());
        }
        loop {
            // the whole elements from here, each followed by `,` or the `]`
            let mut spans: Vec<(usize, usize)> = Vec::new();
            let mut at = self.pos;
            let mut closed = false;
            loop {
                let b = &self.buf[..self.checked];
                while at < b.len() && b[at].is_ascii_whitespace() {
                    at += 1;
                }
                if at >= b.len() {
                    break;
                }
                if b[at] != b'{' {
                    // not an object where one belongs: serde says what it is
                    break;
                }
                let Some(end) = self.object_end(at) else { break };
                let mut next = end;
                while next < b.len() && b[next].is_ascii_whitespace() {
                    next += 1;
                }
                if next >= b.len() {
                    break;
                }
                spans.push((at, end));
                match b[next] {
                    b',' => at = next + 1,
                    b']' => {
                        at = next + 1;
                        closed = true;
                        break;
                    }
                    _ => {
                        at = next;
                        break;
                    }
                }
            }
            if spans.is_empty() {
                // nothing whole here: one element the slow way (it reads on,
                // or says what is wrong where), then on
                let mut once = true;
                parsed(|| if std::mem::take(&mut once) { self.value().map(Some) } else { Ok(None) })?
                    .into(points, stacks);
                if self.expect(b",]")? == b']' {
                    return Ok(());
                }
                continue;
            }
            let buf = &self.buf;
            let groups: Vec<Result<Parsed, (usize, serde_json::Error)>> = spans
                .par_chunks(256)
                .map(|group| {
                    let mut each = group.iter();
                    parsed(|| match each.next() {
                        Some(&(a, b)) => serde_json::from_slice(&buf[a..b]).map(Some).map_err(|e| (a, e)),
                        None => Ok(None),
                    })
                })
                .collect();
            points.reserve(spans.len());
            for r in groups {
                match r {
                    Ok(g) => g.into(points, stacks),
                    Err((a, e)) => {
                        let at = fastware_report::json::byte_of(&buf[a..], e.line(), e.column());
                        let message = fastware_report::json::message_of(&e);
                        return Err(self.bad(at.map(|b| self.base + (a as u64) + b), message));
                    }
                }
            }
            self.pos = at;
            if closed {
                return Ok(());
            }
            if self.checked - self.pos < self.chunk / 2 && !self.done {
                self.more()?;
            }
        }
    }

    /// The elements of an array, each given to `each` as it is read.
    fn array(&mut self, mut each: impl FnMut(&mut Self) -> Result<(), Stop>) -> Result<(), Stop> {
        self.expect(b"[")?;
        if self.peek()? == b']' {
            self.pos += 1;
            return Ok(());
        }
        loop {
            each(self)?;
            if self.expect(b",]")? == b']' {
                return Ok(());
            }
        }
    }
}

/// Reads a DHAT file from `r` (`path` names it in errors); `head` is what
/// was read of it already.
pub fn read(head: Vec<u8>, r: impl Read, path: &str) -> Result<DhatFile, Error> {
    read_by(head, r, path, CHUNK)
}

fn read_by(head: Vec<u8>, r: impl Read, path: &str, chunk: usize) -> Result<DhatFile, Error> {
    let mut s = Stream { r, buf: head, pos: 0, done: false, base: 0, checked: 0, path, chunk };
    s.check_text().and_then(|()| walk(&mut s)).map_err(|stop| match stop {
        Stop::Bad(e) => e,
        Stop::Io(e) => Error::io(path, &e),
    })
}

fn walk<R: Read>(s: &mut Stream<'_, R>) -> Result<DhatFile, Stop> {
    let mut header = serde_json::Map::new();
    let mut points: Vec<Point> = Vec::new();
    let mut stacks = Stacks::default();
    let mut ftbl: Vec<String> = Vec::new();
    s.expect(b"{")?;
    if s.peek()? != b'}' {
        loop {
            let key: String = s.value()?;
            s.expect(b":")?;
            match key.as_str() {
                "pps" => s.program_points(&mut points, &mut stacks)?,
                "ftbl" => s.array(|s| {
                    ftbl.push(s.value()?);
                    Ok(())
                })?,
                _ => {
                    header.insert(key, s.value()?);
                }
            }
            if s.expect(b",}")? == b'}' {
                break;
            }
        }
    } else {
        s.pos += 1;
    }
    let path = s.path;
    let header: Header = serde_json::from_value(serde_json::Value::Object(header))
        .map_err(|e| Stop::Bad(Error::from(HeapError::Json { why: e.to_string() }).at(path)))?;
    let fail = |e: HeapError| Stop::Bad(Error::from(e).at(path));
    if header.version != 2 {
        return Err(fail(HeapError::Version { version: header.version }));
    }
    if !matches!(&*header.mode, "heap" | "copy" | "ad-hoc" | "rust-heap" | "rust-ad-hoc") {
        return Err(fail(HeapError::Mode { mode: header.mode.clone() }));
    }
    let n = ftbl.len() as u64;
    if let Some(bad) = stacks.max().filter(|&i| u64::from(i) >= n) {
        return Err(fail(HeapError::FrameOutOfRange { frame: u64::from(bad), frames: n }));
    }
    Ok(DhatFile { header, points, stacks, ftbl })
}

impl From<ProgramPoint> for Point {
    fn from(p: ProgramPoint) -> Point {
        Point {
            bytes: p.tb,
            blocks: p.tbk,
            lifetimes: Figure::new(p.tl),
            max_bytes: Figure::new(p.mb),
            max_blocks: Figure::new(p.mbk),
            peak_bytes: Figure::new(p.gb),
            peak_blocks: Figure::new(p.gbk),
            end_bytes: Figure::new(p.eb),
            end_blocks: Figure::new(p.ebk),
            reads: Figure::new(p.rb),
            writes: Figure::new(p.wb),
            user: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// The committed valgrind file, its `Mtu` made `µinstr` (two bytes in
    /// UTF-8), read a few bytes at a time so that values, numbers and the
    /// `µ` are cut by the reads everywhere: the same program points and
    /// frames as a serde_json DOM walk of the whole text.
    #[test]
    fn values_cut_by_the_reads_are_read_whole() {
        let path = fastware_testkit::fixture("heap").join("allocs.dhat.json");
        let text = std::fs::read_to_string(path).expect("fixture").replacen("\"Minstr\"", "\"µinstr\"", 1);
        let dom: Value = serde_json::from_str(&text).expect("json");
        let pps = dom["pps"].as_array().expect("pps");
        let ftbl: Vec<&str> = dom["ftbl"].as_array().expect("ftbl").iter().map(|f| f.as_str().expect("str")).collect();
        for chunk in [1, 2, 3, 7, 64, 1000, 5000] {
            let (head, rest) = text.as_bytes().split_at(chunk.min(text.len()));
            let f = super::read_by(head.to_vec(), rest, "allocs.dhat.json", chunk).expect("read");
            assert_eq!(f.header.mtu, "µinstr", "chunk {chunk}");
            assert_eq!(f.header.te, dom["te"].as_u64().expect("te"));
            assert_eq!(f.ftbl, ftbl, "chunk {chunk}");
            assert_eq!(f.points.len(), pps.len(), "chunk {chunk}");
            assert_eq!(f.stacks.len(), pps.len(), "chunk {chunk}");
            for ((p, frames), raw) in f.points.iter().zip(f.stacks.iter()).zip(pps) {
                assert_eq!(Some(p.bytes), raw["tb"].as_u64());
                assert_eq!(p.lifetimes.get(), raw["tl"].as_u64());
                assert_eq!(p.writes.get(), raw["wb"].as_u64());
                let fs: Vec<u32> =
                    raw["fs"].as_array().expect("fs").iter().map(|i| i.as_u64().expect("index") as u32).collect();
                assert_eq!(frames.to_vec(), fs, "chunk {chunk}");
            }
            // cut anywhere, it is told truncated at its end
            let cut = &text.as_bytes()[..text.len() * 2 / 3];
            let e = super::read_by(cut[..chunk.min(cut.len())].to_vec(), &cut[chunk.min(cut.len())..], "x", chunk)
                .expect_err("cut");
            assert!(e.message.contains("(truncated)"), "{}", e.message);
            assert_eq!(e.offset, Some(cut.len() as u64), "chunk {chunk}");
        }
    }
}
