//! Decoding a profile's events, safely, from measureme's three streams.
//!
//! measureme's own decoder (`decodeme`) trusts the file: a string that
//! refers to itself (one flipped bit in a string reference) makes its
//! recursive string expansion overflow the stack, a string id pointing into
//! the middle of a string reads garbage or indexes out of bounds, and an
//! event id it cannot parse is printed to stderr. So the string table is
//! hand-written here, on the same format, with the same fast path (a
//! string of one literal is borrowed, not copied): strings are expanded
//! without recursion, every id must name the start of a string (a bitmap
//! of string starts is made in one pass when the profile is opened), a
//! reference back into a string being expanded, or nesting deeper than
//! [`MAX_DEPTH`], is damage, and so is an event id that does not parse.
//! Damage is an error naming the byte, never a panic or a print.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use decodeme::event_payload::EventPayload;
use measureme::stringtable::{METADATA_STRING_ID, STRING_REF_ENCODED_SIZE, STRING_REF_TAG, TERMINATOR};
use measureme::RawEvent;

const HEADER: usize = 8;
const RAW_EVENT_SIZE: usize = std::mem::size_of::<RawEvent>();
/// `StringId::INVALID`; ids above it address the string data directly.
const INVALID_STRING_ID: u64 = METADATA_STRING_ID + 1;
const FIRST_REGULAR_STRING_ID: u64 = INVALID_STRING_ID + 1;
/// measureme's separator between an event's label and its arguments.
const SEPARATOR: u8 = 0x1E;
/// What decodeme shows for a virtual id the index does not map.
const UNKNOWN_STRING: &str = "<unknown>";

/// The deepest nesting of string references accepted. rustc nests them
/// about as deep as a path has segments; this is far beyond any real profile.
pub const MAX_DEPTH: usize = 512;

/// Where damage was found, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub at: Place,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Byte offset in the string data stream (with its header).
    StringData(u64),
    /// Entry number in the string index.
    StringIndex(u64),
    /// Event number.
    Event(u64),
    /// The profile's metadata string.
    Metadata,
}

impl Place {
    /// The place as (stream, byte offset in that stream, with its header):
    /// 0 events, 1 string data, 2 string index, as the file's page tags.
    pub fn stream_offset(self) -> Option<(usize, u64)> {
        match self {
            Place::Event(i) => Some((0, HEADER as u64 + i * RAW_EVENT_SIZE as u64)),
            Place::StringData(o) => Some((1, o)),
            Place::StringIndex(i) => Some((2, HEADER as u64 + i * 16)),
            Place::Metadata => None,
        }
    }
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn damage(at: Place, message: impl Into<String>) -> Damage {
    Damage { at, message: message.into() }
}

/// One bit per byte of string data: set where a string starts.
#[derive(Debug, Clone)]
struct Starts(Vec<u64>);

impl Starts {
    fn contains(&self, at: u64) -> bool {
        let at = at as usize;
        self.0.get(at / 64).is_some_and(|w| w & (1 << (at % 64)) != 0)
    }
}

/// The string index: virtual id → (address, index entry number). rustc's
/// virtual ids (query invocations) run from 0 nearly without gaps: those
/// below twice the number of entries are looked up in a table by id (a
/// hash lookup per event was a quarter of the decoding time), the rest
/// (the metadata's id, sparse ids) in a map.
struct VirtualIds {
    /// By id: the address, `u64::MAX` for none.
    dense: Vec<u64>,
    /// By id: the index entry number (for errors).
    entries: Vec<u32>,
    sparse: HashMap<u64, (u64, u64), foldhash::fast::FixedState>,
}

impl VirtualIds {
    fn new(index: &[u8]) -> VirtualIds {
        let raw = index.get(HEADER..).unwrap_or_default().chunks_exact(16);
        let n = raw.len();
        let limit = 2 * n as u64 + 1024;
        let mut ids = VirtualIds {
            dense: Vec::new(),
            entries: Vec::new(),
            sparse: HashMap::with_hasher(foldhash::fast::FixedState::default()),
        };
        for (i, e) in raw.enumerate() {
            let id = u64::from_le_bytes(e[0..8].try_into().expect("8 bytes"));
            let addr = u64::from_le_bytes(e[8..16].try_into().expect("8 bytes"));
            match u32::try_from(i) {
                Ok(entry) if id < limit && addr != u64::MAX => {
                    let at = id as usize;
                    if at >= ids.dense.len() {
                        ids.dense.resize(at + 1, u64::MAX);
                        ids.entries.resize(at + 1, 0);
                    }
                    (ids.dense[at], ids.entries[at]) = (addr, entry);
                }
                _ => {
                    ids.sparse.insert(id, (addr, i as u64));
                }
            }
        }
        ids
    }

    #[inline]
    fn get(&self, id: u64) -> Option<(u64, u64)> {
        match self.dense.get(id as usize) {
            Some(&addr) if addr != u64::MAX => Some((addr, u64::from(self.entries[id as usize]))),
            Some(_) => None,
            None => self.sparse.get(&id).copied(),
        }
    }
}

/// The string table: string data (with its header), the index of virtual
/// ids, and where strings start.
struct Strings {
    data: Vec<u8>,
    index: VirtualIds,
    starts: Starts,
}

impl Strings {
    /// Walks the data once to find where strings start (each ends with the
    /// terminator; a reference is a tag and 8 bytes) and reads the index.
    fn new(data: Vec<u8>, index: &[u8]) -> Result<Strings, Damage> {
        let mut starts = Starts(vec![0; data.len().div_ceil(64)]);
        let mut pos = HEADER;
        let mut start = pos;
        while pos < data.len() {
            match data[pos] {
                TERMINATOR => {
                    starts.0[start / 64] |= 1 << (start % 64);
                    pos += 1;
                    start = pos;
                }
                STRING_REF_TAG => pos += STRING_REF_ENCODED_SIZE,
                _ => pos += memchr::memchr2(TERMINATOR, STRING_REF_TAG, &data[pos..]).unwrap_or(data.len() - pos),
            }
        }
        if start < data.len() || pos > data.len() {
            return Err(damage(Place::StringData(start as u64), "the last string has no terminator"));
        }
        Ok(Strings { data, index: VirtualIds::new(index), starts })
    }

    /// The address of string `id`; `None` for an unmapped virtual id or the
    /// invalid id (shown as unknown, as decodeme does).
    fn address(&self, id: u64, referrer: Place) -> Result<Option<usize>, Damage> {
        let (addr, at) = if id <= METADATA_STRING_ID {
            match self.index.get(id) {
                Some((addr, entry)) => (addr, Place::StringIndex(entry)),
                None => return Ok(None),
            }
        } else if id == INVALID_STRING_ID {
            return Ok(None);
        } else {
            (id - FIRST_REGULAR_STRING_ID, referrer)
        };
        if !self.starts.contains(addr) {
            return Err(damage(at, format!("a string id that points at byte {addr}, not at a string")));
        }
        Ok(Some(addr as usize))
    }

    /// The text of string `id`, referred to from `referrer`.
    fn get(&self, id: u64, referrer: Place) -> Result<Cow<'_, str>, Damage> {
        let Some(mut pos) = self.address(id, referrer)? else { return Ok(Cow::Borrowed(UNKNOWN_STRING)) };
        // fast path: one literal, or one reference to follow
        let mut followed = 0;
        loop {
            let end = pos + memchr::memchr(TERMINATOR, &self.data[pos..]).expect("every string ends");
            let text = &self.data[pos..end];
            if text.first() == Some(&STRING_REF_TAG) && text.len() == STRING_REF_ENCODED_SIZE {
                followed += 1;
                if followed > MAX_DEPTH {
                    return Err(damage(Place::StringData(pos as u64), "a string that refers to itself"));
                }
                let Some(next) = self.address(ref_id(text), Place::StringData(pos as u64))? else {
                    return Ok(Cow::Borrowed(UNKNOWN_STRING));
                };
                pos = next;
                continue;
            }
            if !text.contains(&STRING_REF_TAG) {
                return Ok(String::from_utf8_lossy(text));
            }
            break;
        }
        // composite: expanded with an explicit stack of (position, string start)
        let mut out = String::new();
        let mut stack: Vec<(usize, usize)> = vec![(pos, pos)];
        while let Some(&(at, _)) = stack.last() {
            match self.data[at] {
                TERMINATOR => {
                    stack.pop();
                }
                STRING_REF_TAG => {
                    let here = Place::StringData(at as u64);
                    stack.last_mut().expect("top").0 += STRING_REF_ENCODED_SIZE;
                    match self.address(ref_id(&self.data[at..at + STRING_REF_ENCODED_SIZE]), here)? {
                        None => out.push_str(UNKNOWN_STRING),
                        // a reference to a string being expanded is a loop
                        Some(child) if stack.len() >= MAX_DEPTH || stack.iter().any(|&(_, s)| s == child) => {
                            return Err(damage(here, "a string that refers to itself"));
                        }
                        Some(child) => stack.push((child, child)),
                    }
                }
                _ => {
                    let len = memchr::memchr2(TERMINATOR, STRING_REF_TAG, &self.data[at..]).expect("every string ends");
                    out.push_str(&String::from_utf8_lossy(&self.data[at..at + len]));
                    stack.last_mut().expect("top").0 += len;
                }
            }
        }
        Ok(Cow::Owned(out))
    }
}

/// The id in an encoded reference (tag and 8 bytes, little-endian).
fn ref_id(encoded: &[u8]) -> u64 {
    u64::from_le_bytes(encoded[1..STRING_REF_ENCODED_SIZE].try_into().expect("8 bytes"))
}

/// The profile's metadata, as decodeme's `Metadata`.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub start_time: SystemTime,
    pub process_id: u32,
    pub cmd: String,
}

/// One event as the file has it, its strings expanded.
#[derive(Debug)]
pub struct RawDecoded<'a> {
    pub event_kind: Cow<'a, str>,
    pub label: Cow<'a, str>,
    pub args: Vec<Cow<'a, str>>,
    pub thread_id: u32,
    pub payload: EventPayload,
}

/// Where a profile's event stream is (with its header): in memory (a
/// stream read whole, as from a pipe), or in the file, at its pages
/// (position in the file, length), read a window of events at a time as
/// they are decoded. The event stream is most of a profile: read from a
/// file, it is never held whole.
pub enum Events {
    Memory(Vec<u8>),
    File { file: std::fs::File, pages: Vec<(u64, usize)>, len: usize },
}

impl Events {
    fn len(&self) -> usize {
        match self {
            Events::Memory(v) => v.len(),
            Events::File { len, .. } => *len,
        }
    }

    /// Fills `buf` with the stream's bytes from `at` on, across its pages.
    #[cfg(unix)]
    pub(crate) fn read_at(&self, mut at: usize, mut buf: &mut [u8]) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        match self {
            Events::Memory(v) => {
                let src = v.get(at..at + buf.len()).ok_or(std::io::ErrorKind::UnexpectedEof)?;
                buf.copy_from_slice(src);
                Ok(())
            }
            Events::File { file, pages, .. } => {
                for &(pos, len) in pages {
                    if buf.is_empty() {
                        break;
                    }
                    if at >= len {
                        at -= len;
                        continue;
                    }
                    let n = (len - at).min(buf.len());
                    let (now, rest) = buf.split_at_mut(n);
                    file.read_exact_at(now, pos + at as u64)?;
                    buf = rest;
                    at = 0;
                }
                if buf.is_empty() {
                    Ok(())
                } else {
                    Err(std::io::ErrorKind::UnexpectedEof.into())
                }
            }
        }
    }
}

#[cfg(not(unix))]
impl Events {
    pub(crate) fn read_at(&self, at: usize, buf: &mut [u8]) -> std::io::Result<()> {
        match self {
            Events::Memory(v) => {
                buf.copy_from_slice(v.get(at..at + buf.len()).ok_or(std::io::ErrorKind::UnexpectedEof)?);
                Ok(())
            }
            // made on unix only (`file::open`)
            Events::File { .. } => Err(std::io::ErrorKind::Unsupported.into()),
        }
    }
}

/// Events read from a file at a time, per thread: 16,384 (384 KiB).
const WINDOW_EVENTS: usize = 16_384;

/// A thread's window of events of one decoder (`owner`), from event `first` on.
struct Window {
    owner: u64,
    first: usize,
    bytes: Vec<u8>,
}

thread_local! {
    static WINDOW: std::cell::RefCell<Window> =
        const { std::cell::RefCell::new(Window { owner: 0, first: 0, bytes: Vec::new() }) };
}

/// Tells decoders apart in the threads' windows.
static DECODERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The events and strings of a profile.
pub struct Decoder {
    events: Events,
    id: u64,
    strings: Strings,
    pub metadata: Metadata,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder").field("events", &self.num_events()).finish()
    }
}

impl Decoder {
    /// Reads the streams (each with its header, checked by `file::open`;
    /// the event stream a whole number of events) and the metadata.
    pub fn new(strings: Vec<u8>, index: &[u8], events: Events) -> Result<Decoder, Damage> {
        let strings = Strings::new(strings, index)?;
        let text = strings.get(METADATA_STRING_ID, Place::Metadata)?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| damage(Place::Metadata, format!("unreadable metadata: {e}")))?;
        let nanos = v["start_time"].as_u64().ok_or_else(|| damage(Place::Metadata, "no start time"))?;
        let metadata = Metadata {
            start_time: UNIX_EPOCH + Duration::from_nanos(nanos),
            process_id: v["process_id"]
                .as_u64()
                .and_then(|p| u32::try_from(p).ok())
                .ok_or_else(|| damage(Place::Metadata, "no process id"))?,
            cmd: v["cmd"].as_str().ok_or_else(|| damage(Place::Metadata, "no command line"))?.to_string(),
        };
        let id = DECODERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Decoder { events, id, strings, metadata })
    }

    pub fn num_events(&self) -> usize {
        (self.events.len() - HEADER) / RAW_EVENT_SIZE
    }

    /// Event `index`'s raw record: from memory, or from this thread's
    /// window of the file, read when `index` is outside it.
    fn raw(&self, index: usize) -> Result<RawEvent, Damage> {
        let size = RAW_EVENT_SIZE;
        if let Events::Memory(v) = &self.events {
            let at = HEADER + index * size;
            return Ok(RawEvent::deserialize(&v[at..at + size]));
        }
        WINDOW.with(|w| {
            let mut w = w.borrow_mut();
            let held = w.bytes.len() / size;
            if w.owner != self.id || index < w.first || index >= w.first + held {
                let first = index - index % WINDOW_EVENTS;
                let count = WINDOW_EVENTS.min(self.num_events() - first);
                w.bytes.resize(count * size, 0);
                self.events.read_at(HEADER + first * size, &mut w.bytes).map_err(|e| {
                    w.owner = 0;
                    damage(Place::Event(index as u64), format!("cannot read the event from the file: {e}"))
                })?;
                (w.owner, w.first) = (self.id, first);
            }
            let at = (index - w.first) * size;
            Ok(RawEvent::deserialize(&w.bytes[at..at + size]))
        })
    }

    /// Decodes event `index` (below [`Decoder::num_events`]).
    pub fn decode(&self, index: usize) -> Result<RawDecoded<'_>, Damage> {
        let raw = self.raw(index)?;
        let place = Place::Event(index as u64);
        let payload = EventPayload::from_raw_event(&raw, self.metadata.start_time);
        let text = self.strings.get(raw.event_id.to_string_id().as_u64(), place)?;
        let (label, args) = parse_event_id(text).map_err(|m| damage(place, m))?;
        Ok(RawDecoded {
            event_kind: self.strings.get(raw.event_kind.as_u64(), place)?,
            label,
            args,
            thread_id: raw.thread_id,
            payload,
        })
    }
}

/// An event id: a label, then arguments, each after a separator byte; none
/// empty, none with ASCII control characters other than whitespace (the
/// rules of decodeme's parser, which prints its complaint instead of
/// returning it).
fn parse_event_id(text: Cow<'_, str>) -> Result<(Cow<'_, str>, Vec<Cow<'_, str>>), String> {
    fn check(part: &str) -> Result<(), String> {
        if part.is_empty() {
            return Err("an event id with an empty label or argument".into());
        }
        if part.bytes().any(|b| b.is_ascii_control() && !b.is_ascii_whitespace()) {
            return Err("an event id with a control character".into());
        }
        Ok(())
    }
    if !text.as_bytes().contains(&SEPARATOR) {
        check(&text)?;
        return Ok((text, Vec::new()));
    }
    let sep = char::from(SEPARATOR);
    let mut parts = Vec::new();
    match text {
        Cow::Borrowed(s) => {
            for p in s.split(sep) {
                check(p)?;
                parts.push(Cow::Borrowed(p));
            }
        }
        Cow::Owned(s) => {
            for p in s.split(sep) {
                check(p)?;
                parts.push(Cow::Owned(p.to_string()));
            }
        }
    }
    let label = parts.remove(0);
    Ok((label, parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids near 0 by table, far ones (the metadata's) by map, unmapped none.
    #[test]
    fn virtual_ids_dense_and_sparse() {
        let mut index = b"MMSI\x08\0\0\0".to_vec();
        for (id, addr) in [(0u64, 8u64), (2, 20), (METADATA_STRING_ID, 40), (1 << 40, 60)] {
            index.extend(id.to_le_bytes());
            index.extend(addr.to_le_bytes());
        }
        let ids = VirtualIds::new(&index);
        assert_eq!(ids.get(0), Some((8, 0)));
        assert_eq!(ids.get(1), None);
        assert_eq!(ids.get(2), Some((20, 1)));
        assert_eq!(ids.get(METADATA_STRING_ID), Some((40, 2)));
        assert_eq!(ids.get(1 << 40), Some((60, 3)));
        assert_eq!(ids.get(7), None);
        assert!(ids.dense.len() <= 3, "{}", ids.dense.len());
    }

    /// A stream's bytes read from its pages in the file, across page ends.
    #[cfg(unix)]
    #[test]
    fn events_read_across_pages() {
        let dir = std::env::temp_dir().join(format!("fastware-events-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("pages");
        // stream bytes 0..10 at file offset 3, 10..16 at offset 20
        let mut bytes = vec![0xEEu8; 30];
        bytes[3..13].copy_from_slice(&(0u8..10).collect::<Vec<_>>());
        bytes[20..26].copy_from_slice(&(10u8..16).collect::<Vec<_>>());
        std::fs::write(&path, &bytes).expect("write");
        let events =
            Events::File { file: std::fs::File::open(&path).expect("open"), pages: vec![(3, 10), (20, 6)], len: 16 };
        let mut buf = [0u8; 8];
        events.read_at(6, &mut buf).expect("read");
        assert_eq!(buf, [6, 7, 8, 9, 10, 11, 12, 13]);
        let mut past = [0u8; 4];
        assert!(events.read_at(14, &mut past).is_err(), "past the stream's end");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn event_ids() {
        let (l, a) = parse_event_id(Cow::Borrowed("typeck\x1efoo::bar\x1ebaz")).expect("parses");
        assert_eq!(l, "typeck");
        assert_eq!(a, vec!["foo::bar", "baz"]);
        assert!(parse_event_id(Cow::Borrowed("typeck\x1e")).is_err());
        assert!(parse_event_id(Cow::Borrowed("")).is_err());
        assert!(parse_event_id(Cow::Borrowed("a\x1b")).is_err());
        assert_eq!(parse_event_id(Cow::Borrowed("a\tb")).expect("whitespace is fine").0, "a\tb");
    }
}
