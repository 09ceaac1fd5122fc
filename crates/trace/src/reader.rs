//! Streaming reader of one Trace Event document (or one chunk of it).
//!
//! Accepts both layouts of the format: `{"traceEvents":[…], …}` and a bare
//! array `[…]`, whose closing `]` may be missing. Events are handed to an
//! [`EventSink`] as they are parsed, so memory stays flat however large the
//! input. A reader can start in the middle of the event array (a parallel
//! chunk) and stop at the first event that starts at or after a given offset.

use std::io::Read;

use crate::event::{self, Event};
use crate::json::{self, Scan};

/// Receives events in input order.
pub trait EventSink {
    /// `raw` is the event's JSON text; `offset` where it starts in the input.
    fn event(&mut self, ev: &Event<'_>, raw: &[u8], offset: u64);
}

/// Which layout the document uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Object,
    Array,
}

/// How reading ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Stopped before an event starting at this offset (the chunk's end).
    StopAt(u64),
    /// The event array closed (`]`) and the rest of the document was read.
    Finished,
    /// The input ended where a bare array may end without its `]`.
    OpenArray,
}

/// What a completed read found.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub end: End,
    /// Offset just past the last complete event.
    pub last_event_end: u64,
    /// `beginningOfTime` (µs since the epoch) when the document has it.
    pub beginning_of_time: Option<i64>,
    pub layout: Option<Layout>,
}

/// Why a document could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    Empty,
    /// Not JSON at all (first byte, offset).
    NotJson(u8, u64),
    /// Invalid JSON at this offset.
    Syntax(&'static str, u64),
    /// The input ended inside the document.
    Truncated {
        at: u64,
        outcome: Outcome,
    },
    /// A single value larger than we are willing to buffer.
    TooLarge(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    /// In the top-level object, before `traceEvents` (`first`: no key read yet).
    Keys {
        first: bool,
        seen_events: bool,
    },
    /// In the event array, expecting an event or `]`.
    Value,
    /// In the event array, after an event: expecting `,` or `]`.
    Comma,
    /// A piece read from inside the array, after its `]`: the end of an
    /// array document, or the rest of an object's keys (`,` or `}`).
    AfterArray,
    Done,
}

const BLOCK: usize = 2 << 20;
const MAX_BUFFER: usize = 1 << 30;

/// Where the bytes being parsed are: a buffer refilled from the source, or
/// the whole rest of a mapped file (never refilled).
enum Buf<'m> {
    Owned(Vec<u8>),
    Mapped(&'m [u8]),
}

/// Reads events from `src`, whose first byte is at absolute offset `base`.
pub struct Reader<'m, R> {
    src: R,
    buf: Buf<'m>,
    /// Next unparsed byte in `buf`.
    pos: usize,
    /// Bytes of `buf` filled.
    len: usize,
    /// Absolute offset of `buf[0]`.
    base: u64,
    eof: bool,
    state: State,
    outcome: Outcome,
}

impl<'m> Reader<'m, std::io::Empty> {
    /// A reader of bytes already in memory (a mapped file from `base` to its
    /// end): parsed in place, without copying them into a buffer.
    pub fn mapped(data: &'m [u8], base: u64) -> Self {
        let state = if base == 0 { State::Start } else { State::Value };
        let mut r = Self::new(std::io::empty(), base, state);
        r.buf = Buf::Mapped(data);
        r.len = data.len();
        r.eof = true;
        r
    }
}

impl<R: Read> Reader<'_, R> {
    /// A reader for a whole document.
    pub fn document(src: R) -> Self {
        Self::new(src, 0, State::Start)
    }

    /// A reader starting at an event inside the event array, at offset `base`.
    pub fn chunk(src: R, base: u64) -> Self {
        Self::new(src, base, State::Value)
    }

    fn new(src: R, base: u64, state: State) -> Self {
        Reader {
            src,
            buf: Buf::Owned(vec![0; BLOCK]),
            pos: 0,
            len: 0,
            base,
            eof: false,
            state,
            outcome: Outcome { end: End::Finished, last_event_end: base, beginning_of_time: None, layout: None },
        }
    }

    fn offset(&self, i: usize) -> u64 {
        self.base + i as u64
    }

    /// The bytes read so far and not dropped.
    fn data(&self) -> &[u8] {
        match &self.buf {
            Buf::Owned(v) => &v[..self.len],
            Buf::Mapped(m) => m,
        }
    }

    /// Keeps `buf[pos..len]`, reads more after it. False at end of input.
    fn refill(&mut self) -> Result<bool, ReadError> {
        if self.eof {
            return Ok(false);
        }
        let Buf::Owned(buf) = &mut self.buf else {
            return Ok(false);
        };
        if self.pos > 0 {
            buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.base += self.pos as u64;
            self.pos = 0;
        }
        if self.len == buf.len() {
            if buf.len() >= MAX_BUFFER {
                return Err(ReadError::TooLarge(self.base));
            }
            let grown = buf.len() * 2;
            buf.resize(grown, 0);
        }
        loop {
            match self.src.read(&mut buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.len += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
    }

    /// Reads until the document ends or, with `stop`, until an event would
    /// start at or after that offset.
    pub fn run(mut self, stop: Option<u64>, sink: &mut impl EventSink) -> Result<Outcome, ReadError> {
        if let (Some(s), Buf::Owned(buf)) = (stop, &mut self.buf) {
            // A small piece needs no full-size buffer (events past `stop` are not read).
            let want = usize::try_from(s.saturating_sub(self.base)).unwrap_or(BLOCK).saturating_add(1 << 16);
            buf.truncate(want.clamp(1 << 12, BLOCK));
        }
        loop {
            match self.step(stop, sink) {
                Ok(Some(end)) => {
                    self.outcome.end = end;
                    if end == End::Finished {
                        // read to the end: nothing but whitespace may follow
                        // the document (also when a piece of a large file
                        // holds its end), and a compressed input's checksum
                        // (gzip's CRC, zstd's) is checked there
                        self.trailing()?;
                    }
                    return Ok(self.outcome);
                }
                Ok(None) => {}
                Err(Scan::Incomplete) => {
                    if !self.refill()? {
                        return self.at_eof();
                    }
                }
                Err(Scan::Invalid(i, what)) => return Err(self.invalid(i, what)),
            }
        }
    }

    /// Reads what follows the document: whitespace only.
    fn trailing(&mut self) -> Result<(), ReadError> {
        loop {
            let rest = &self.data()[self.pos..];
            let ws = json::skip_ws(rest, 0);
            if ws < rest.len() {
                return Err(ReadError::Syntax("data after the end of the JSON document", self.offset(self.pos + ws)));
            }
            self.pos = self.len;
            if !self.refill()? {
                return Ok(());
            }
        }
    }

    fn invalid(&self, i: usize, what: &'static str) -> ReadError {
        let at = self.offset(i);
        match self.state {
            State::Start => ReadError::NotJson(self.data().get(i).copied().unwrap_or(0), at),
            _ => ReadError::Syntax(what, at),
        }
    }

    fn at_eof(&self) -> Result<Outcome, ReadError> {
        let rest = &self.data()[self.pos..];
        let only_ws = json::skip_ws(rest, 0) == rest.len();
        match self.state {
            State::Start if self.len == 0 && self.base == 0 => Err(ReadError::Empty),
            State::Start => Err(ReadError::Empty),
            State::Done | State::AfterArray => Ok(self.outcome),
            State::Value | State::Comma if only_ws && self.outcome.layout != Some(Layout::Object) => {
                Ok(Outcome { end: End::OpenArray, ..self.outcome })
            }
            _ => Err(ReadError::Truncated { at: self.offset(self.len), outcome: self.outcome }),
        }
    }

    /// Parses one item. `Ok(Some(end))` when reading is over.
    fn step(&mut self, stop: Option<u64>, sink: &mut impl EventSink) -> Result<Option<End>, Scan> {
        let buf: &[u8] = match &self.buf {
            Buf::Owned(v) => &v[..self.len],
            Buf::Mapped(m) => m,
        };
        let i = json::skip_ws(buf, self.pos);
        let Some(&b) = buf.get(i) else {
            self.pos = i;
            return Err(Scan::Incomplete);
        };
        match self.state {
            State::Start => {
                self.state = match b {
                    b'{' => {
                        self.outcome.layout = Some(Layout::Object);
                        State::Keys { first: true, seen_events: false }
                    }
                    b'[' => {
                        self.outcome.layout = Some(Layout::Array);
                        State::Value
                    }
                    _ => return Err(Scan::Invalid(i, "not JSON")),
                };
                self.pos = i + 1;
            }
            State::Keys { first, seen_events } => match b {
                b'}' => {
                    if !seen_events {
                        return Err(Scan::Invalid(i, "no traceEvents array"));
                    }
                    self.state = State::Done;
                    self.pos = i + 1;
                    return Ok(Some(End::Finished));
                }
                b',' if !first => {
                    self.pos = i + 1;
                    self.state = State::Keys { first: true, seen_events };
                }
                b'"' => {
                    let (key, after) = json::string(buf, i)?;
                    let colon = json::skip_ws(buf, after);
                    match buf.get(colon) {
                        Some(b':') => {}
                        Some(_) => return Err(Scan::Invalid(colon, "expected ':' after an object key")),
                        None => return Err(Scan::Incomplete),
                    }
                    let v = json::skip_ws(buf, colon + 1);
                    let Some(&vb) = buf.get(v) else {
                        return Err(Scan::Incomplete);
                    };
                    if key.raw == b"traceEvents" && !seen_events {
                        if vb != b'[' {
                            return Err(Scan::Invalid(v, "traceEvents is not an array"));
                        }
                        self.pos = v + 1;
                        self.state = State::Value;
                        return Ok(None);
                    }
                    let end = json::skip_value(buf, v)?;
                    if key.raw == b"beginningOfTime" {
                        self.outcome.beginning_of_time =
                            std::str::from_utf8(&buf[v..end]).ok().and_then(|t| t.trim().parse().ok());
                    }
                    self.pos = end;
                    self.state = State::Keys { first: false, seen_events };
                }
                _ => return Err(Scan::Invalid(i, "expected an object key")),
            },
            State::Value | State::Comma if b == b']' => {
                self.pos = i + 1;
                match self.outcome.layout {
                    Some(Layout::Object) => {
                        self.state = State::Keys { first: false, seen_events: true };
                        return Ok(None);
                    }
                    Some(Layout::Array) => {
                        self.state = State::Done;
                        return Ok(Some(End::Finished));
                    }
                    None => {
                        self.state = State::AfterArray;
                        return Ok(None);
                    }
                }
            }
            State::AfterArray => match b {
                b'}' => {
                    self.state = State::Done;
                    self.pos = i + 1;
                    return Ok(Some(End::Finished));
                }
                b',' => {
                    self.pos = i + 1;
                    self.state = State::Keys { first: true, seen_events: true };
                }
                _ => return Err(Scan::Invalid(i, "data after the end of the JSON document")),
            },
            State::Value => {
                if b != b'{' {
                    return Err(Scan::Invalid(i, "array element is not an event object"));
                }
                let at = self.offset(i);
                if stop.is_some_and(|s| at >= s) {
                    self.pos = i;
                    return Ok(Some(End::StopAt(at)));
                }
                let mut ev = Event::empty();
                let end = event::parse_into(buf, i, &mut ev)?;
                sink.event(&ev, &buf[i..end], at);
                self.outcome.last_event_end = self.offset(end);
                self.pos = end;
                self.state = State::Comma;
            }
            State::Comma => {
                if b != b',' {
                    return Err(Scan::Invalid(i, "expected ',' or ']' after an event"));
                }
                self.pos = i + 1;
                self.state = State::Value;
            }
            State::Done => {
                // Trailing bytes after the document: ignore them.
                self.pos = self.len;
                return Ok(Some(End::Finished));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Names(Vec<String>);
    impl EventSink for Names {
        fn event(&mut self, ev: &Event<'_>, _raw: &[u8], _offset: u64) {
            self.0.push(ev.name.map(|n| n.text().into_owned()).unwrap_or_default());
        }
    }

    fn read(input: &[u8]) -> Result<(Outcome, Vec<String>), ReadError> {
        let mut sink = Names::default();
        let out = Reader::document(input).run(None, &mut sink)?;
        Ok((out, sink.0))
    }

    #[test]
    fn object_layout_with_keys_around_events() {
        let doc =
            br#"{"displayTimeUnit":"ns","traceEvents":[{"name":"a"},{"name":"b"}],"beginningOfTime":1749510885820760}"#;
        let (out, names) = read(doc).expect("reads");
        assert_eq!(names, ["a", "b"]);
        assert_eq!(out.beginning_of_time, Some(1_749_510_885_820_760));
        assert_eq!(out.end, End::Finished);
        assert_eq!(out.layout, Some(Layout::Object));
    }

    #[test]
    fn bare_array_with_and_without_closing_bracket() {
        let (out, names) = read(b"[{\"name\":\"a\"},\n{\"name\":\"b\"}]").expect("reads");
        assert_eq!((out.end, names.len()), (End::Finished, 2));
        let (out, names) = read(b"[{\"name\":\"a\"},\n{\"name\":\"b\"},\n").expect("reads");
        assert_eq!((out.end, names.len()), (End::OpenArray, 2));
        let (out, _) = read(b"[{\"name\":\"a\"}").expect("reads");
        assert_eq!(out.end, End::OpenArray);
    }

    #[test]
    fn truncated_object_reports_where() {
        let doc = br#"{"traceEvents":[{"name":"a"},{"name":"b"},{"name":"c","ts":1"#;
        match read(doc) {
            Err(ReadError::Truncated { at, outcome }) => {
                assert_eq!(at, doc.len() as u64);
                assert_eq!(outcome.last_event_end, 41);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn not_a_trace() {
        assert!(matches!(read(b""), Err(ReadError::Empty)));
        assert!(matches!(read(b"  \n"), Err(ReadError::Empty)));
        assert!(matches!(read(b"\x7fELF\x02"), Err(ReadError::NotJson(0x7f, 0))));
        assert!(matches!(read(br#"{"a":1}"#), Err(ReadError::Syntax("no traceEvents array", 6))));
        assert!(matches!(read(br#"[1,2]"#), Err(ReadError::Syntax("array element is not an event object", 1))));
        assert!(matches!(read(br#"{"traceEvents":{}}"#), Err(ReadError::Syntax("traceEvents is not an array", 15))));
    }

    #[test]
    fn stops_at_offset_and_resumes_as_chunk() {
        let doc = br#"[{"name":"a"},{"name":"b"},{"name":"c"}]"#;
        let mut first = Names::default();
        let out = Reader::document(&doc[..]).run(Some(15), &mut first).expect("reads");
        assert_eq!(out.end, End::StopAt(27));
        assert_eq!(first.0, ["a", "b"]);
        let mut second = Names::default();
        let out = Reader::chunk(&doc[27..], 27).run(None, &mut second).expect("reads");
        assert_eq!(second.0, ["c"]);
        assert_eq!(out.end, End::Finished);
    }

    #[test]
    fn mapped_bytes_read_as_a_stream_does() {
        let doc =
            br#"{"traceEvents":[{"name":"a"},{"name":"b","args":{"detail":"x"}},{"name":"c"}],"beginningOfTime":12}"#;
        let mut streamed = Names::default();
        let mut mapped = Names::default();
        let a = Reader::document(&doc[..]).run(Some(30), &mut streamed).expect("reads");
        let b = Reader::mapped(doc, 0).run(Some(30), &mut mapped).expect("reads");
        assert_eq!((a.end, a.last_event_end, &streamed.0), (b.end, b.last_event_end, &mapped.0));
        let End::StopAt(at) = b.end else { panic!("{b:?}") };
        let rest = Reader::mapped(&doc[at as usize..], at).run(None, &mut mapped).expect("reads");
        assert_eq!((rest.end, rest.beginning_of_time), (End::Finished, Some(12)));
        assert_eq!(mapped.0, ["a", "b", "c"]);
        // a piece that holds the document's end sees what follows it
        let two = [&doc[..], b" [1]"].concat();
        let e = Reader::mapped(&two[at as usize..], at).run(Some(at + 1), &mut Names::default());
        assert!(matches!(e, Err(ReadError::Syntax("data after the end of the JSON document", _))), "{e:?}");
    }

    #[test]
    fn tiny_buffers_give_the_same_events() {
        // A reader that hands out one byte at a time exercises every refill path.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let Some((&b, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                out[0] = b;
                self.0 = rest;
                Ok(1)
            }
        }
        let doc = br#"{"traceEvents":[{"name":"a","args":{"detail":"x\"y"}},{"name":"b"}],"beginningOfTime":12}"#;
        let mut sink = Names::default();
        let out = Reader::document(OneByte(doc)).run(None, &mut sink).expect("reads");
        assert_eq!(sink.0, ["a", "b"]);
        assert_eq!(out.beginning_of_time, Some(12));
    }
}
