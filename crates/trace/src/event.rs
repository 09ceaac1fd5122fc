//! One Trace Event Format event, read without copying from the input buffer.

use crate::json::{self, JsonStr, Scan, ScanResult};

/// The fields of a trace event fastware uses. Times are nanoseconds
/// (the format's microseconds × 1000, exactly).
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// The phase: `X` complete, `B`/`E` begin/end, `M` metadata, … (0 when absent).
    pub ph: u8,
    pub name: Option<JsonStr<'a>>,
    pub ts: Option<i64>,
    pub dur: Option<i64>,
    pub pid: u64,
    pub tid: u64,
    /// `args.detail`: the mangled symbol of `OptFunction`, the pass detail of
    /// `RunPass`, the codegen unit of `OptModule` …
    pub detail: Option<JsonStr<'a>>,
    /// `args.name`: the thread or process name of `M` events.
    pub args_name: Option<JsonStr<'a>>,
    /// `args.count`: how many events LLVM's `Total …` events add up.
    pub args_count: Option<i64>,
}

impl<'a> Event<'a> {
    pub(crate) fn empty() -> Event<'a> {
        Event {
            ph: 0,
            name: None,
            ts: None,
            dur: None,
            pid: 0,
            tid: 0,
            detail: None,
            args_name: None,
            args_count: None,
        }
    }

    /// The event name's raw bytes (empty when absent).
    pub fn name_raw(&self) -> &'a [u8] {
        self.name.map_or(&[][..], |n| n.raw)
    }
}

/// Parses the event object starting at `buf[pos]` (which must be `{`).
/// Returns the event and the index just past its closing `}`.
#[cfg(test)]
pub fn parse(buf: &[u8], pos: usize) -> ScanResult<(Event<'_>, usize)> {
    let mut ev = Event::empty();
    parse_into(buf, pos, &mut ev).map(|end| (ev, end))
}

/// [`parse`] into `ev` (whatever it held), returning the end: an event is
/// 152 bytes, and returning one by value copied it with `memcpy` for each
/// of the millions a trace holds (4% of `trace`'s time).
#[inline]
pub fn parse_into<'a>(buf: &'a [u8], pos: usize, ev: &mut Event<'a>) -> ScanResult<usize> {
    match llvm_layout(buf, pos, ev) {
        Some(end) => Ok(end),
        None => parse_any(buf, pos, ev),
    }
}

/// An event written the way LLVM writes nearly all of its events, byte for
/// byte: `{"pid":N,"tid":N,"ts":N,"ph":"X","dur":N,"name":"…","args":{"detail":"…"}}`
/// with plain integers and strings without escapes. `None` for anything
/// else (other members, another order, spaces, escapes, the end of the
/// buffer), which [`parse_any`] then reads: this gives the same event, only
/// without looking up each key (the hot path of `trace`: a third of its
/// time went to the general reader).
#[inline]
fn llvm_layout<'a>(buf: &'a [u8], pos: usize, ev: &mut Event<'a>) -> Option<usize> {
    let mut c = Cursor { buf, i: pos };
    c.lit(b"{\"pid\":")?;
    let pid = c.int()?;
    c.lit(b",\"tid\":")?;
    let tid = c.int()?;
    c.lit(b",\"ts\":")?;
    let ts = c.int()?.checked_mul(1000)?;
    c.lit(b",\"ph\":\"X\",\"dur\":")?;
    let dur = c.int()?.checked_mul(1000)?;
    c.lit(b",\"name\":\"")?;
    let name = c.plain_string()?;
    c.lit(b",\"args\":{\"detail\":\"")?;
    let detail = c.plain_string()?;
    c.lit(b"}}")?;
    *ev = Event {
        ph: b'X',
        name: Some(JsonStr { raw: name, escaped: false }),
        ts: Some(ts),
        dur: Some(dur),
        pid: pid as u64,
        tid: tid as u64,
        detail: Some(JsonStr { raw: detail, escaped: false }),
        args_name: None,
        args_count: None,
    };
    Some(c.i)
}

struct Cursor<'a> {
    buf: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn lit(&mut self, text: &[u8]) -> Option<()> {
        let end = self.i + text.len();
        (self.buf.get(self.i..end)? == text).then(|| self.i = end)
    }

    /// Digits without a sign or a leading zero (as JSON writes them), up to
    /// 18 of them (no overflow), followed by something that is not part of
    /// a number.
    #[inline]
    fn int(&mut self) -> Option<i64> {
        let start = self.i;
        let mut v: i64 = 0;
        while let Some(&d) = self.buf.get(self.i) {
            if !d.is_ascii_digit() {
                break;
            }
            if self.i - start == 18 {
                return None;
            }
            v = v * 10 + i64::from(d - b'0');
            self.i += 1;
        }
        let len = self.i - start;
        let next = *self.buf.get(self.i)?;
        let plain = len >= 1 && (len == 1 || self.buf[start] != b'0');
        (plain && !matches!(next, b'.' | b'e' | b'E' | b'-' | b'+')).then_some(v)
    }

    /// The rest of a string whose opening quote was read, when it has no
    /// escape; leaves the cursor after the closing quote.
    #[inline]
    fn plain_string(&mut self) -> Option<&'a [u8]> {
        let (s, end) = json::string(self.buf, self.i - 1).ok()?;
        if s.escaped {
            return None;
        }
        self.i = end;
        Some(s.raw)
    }
}

/// [`parse`] for any event object.
fn parse_any<'a>(buf: &'a [u8], pos: usize, ev: &mut Event<'a>) -> ScanResult<usize> {
    *ev = Event::empty();
    let mut i = json::skip_ws(buf, pos + 1);
    if buf.get(i) == Some(&b'}') {
        return Ok(i + 1);
    }
    loop {
        let (key, after_key) = key(buf, i)?;
        i = after_key;
        match key {
            b"ph" => {
                let (s, end) = expect_string(buf, i)?;
                ev.ph = s.raw.first().copied().unwrap_or(0);
                i = end;
            }
            b"name" => {
                let (s, end) = expect_string(buf, i)?;
                ev.name = Some(s);
                i = end;
            }
            b"ts" | b"dur" => {
                let (value, end) = time(buf, i)?;
                match value {
                    None if key == b"ts" => return Err(Scan::Invalid(i, "`ts` is not a number of microseconds")),
                    None => return Err(Scan::Invalid(i, "`dur` is not a number of microseconds")),
                    Some(d) if d < 0 && key == b"dur" => return Err(Scan::Invalid(i, "negative `dur`")),
                    _ => {}
                }
                if key == b"ts" {
                    ev.ts = value;
                } else {
                    ev.dur = value;
                }
                i = end;
            }
            b"pid" | b"tid" => {
                let (id, end) = id(buf, i)?;
                if key == b"pid" {
                    ev.pid = id;
                } else {
                    ev.tid = id;
                }
                i = end;
            }
            b"args" if buf.get(i) == Some(&b'{') => i = args(buf, i, ev)?,
            _ => i = json::skip_value(buf, i)?,
        }
        match next_member(buf, i)? {
            Some(next) => i = next,
            None => {
                // what each phase cannot do without: a time, and a complete event its length
                match (ev.ph, ev.ts, ev.dur) {
                    (b'X', _, None) => return Err(Scan::Invalid(pos, "a complete (`X`) event without `dur`")),
                    (b'X' | b'B' | b'E', None, _) => return Err(Scan::Invalid(pos, "an event without `ts`")),
                    _ => {}
                }
                return Ok(json::skip_ws(buf, i) + 1);
            }
        }
    }
}

/// Reads `"key"` and the `:` after it; returns the key and the index of the value.
#[inline]
fn key(buf: &[u8], i: usize) -> ScanResult<(&[u8], usize)> {
    match buf.get(i) {
        Some(b'"') => {}
        Some(_) => return Err(Scan::Invalid(i, "expected an object key")),
        None => return Err(Scan::Incomplete),
    }
    let (k, end) = json::string(buf, i)?;
    let colon = json::skip_ws(buf, end);
    match buf.get(colon) {
        Some(b':') => Ok((k.raw, json::skip_ws(buf, colon + 1))),
        Some(_) => Err(Scan::Invalid(colon, "expected ':' after an object key")),
        None => Err(Scan::Incomplete),
    }
}

/// After a member: `Some(index of next key)` after a `,`, `None` at `}`.
#[inline]
fn next_member(buf: &[u8], i: usize) -> ScanResult<Option<usize>> {
    let i = json::skip_ws(buf, i);
    match buf.get(i) {
        Some(b',') => {
            let next = json::skip_ws(buf, i + 1);
            if next >= buf.len() {
                return Err(Scan::Incomplete);
            }
            Ok(Some(next))
        }
        Some(b'}') => Ok(None),
        Some(_) => Err(Scan::Invalid(i, "expected ',' or '}' in an object")),
        None => Err(Scan::Incomplete),
    }
}

/// A string value, or any other value skipped (giving an empty string).
fn expect_string(buf: &[u8], i: usize) -> ScanResult<(JsonStr<'_>, usize)> {
    match buf.get(i) {
        Some(b'"') => json::string(buf, i),
        Some(_) => {
            let end = json::skip_value(buf, i)?;
            Ok((JsonStr { raw: &[], escaped: false }, end))
        }
        None => Err(Scan::Incomplete),
    }
}

/// A time in microseconds; non-numbers are skipped and read as absent.
fn time(buf: &[u8], i: usize) -> ScanResult<(Option<i64>, usize)> {
    match buf.get(i) {
        Some(b'-' | b'0'..=b'9') => {
            let (text, end) = json::number(buf, i)?;
            match json::micros_to_nanos(text) {
                Some(v) => Ok((Some(v), end)),
                None => Err(Scan::Invalid(i, "invalid number")),
            }
        }
        Some(_) => Ok((None, json::skip_value(buf, i)?)),
        None => Err(Scan::Incomplete),
    }
}

/// A process or thread id: a number, or a string (hashed).
fn id(buf: &[u8], i: usize) -> ScanResult<(u64, usize)> {
    match buf.get(i) {
        Some(b'-' | b'0'..=b'9') => {
            let (text, end) = json::number(buf, i)?;
            Ok((json::integer(text).map_or_else(|| hash_id(text), |v| v as u64), end))
        }
        Some(b'"') => {
            let (s, end) = json::string(buf, i)?;
            Ok((hash_id(s.raw), end))
        }
        Some(_) => Ok((0, json::skip_value(buf, i)?)),
        None => Err(Scan::Incomplete),
    }
}

fn hash_id(bytes: &[u8]) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = foldhash::fast::FixedState::with_seed(0x5eed).build_hasher();
    h.write(bytes);
    h.finish() | (1 << 63)
}

/// The `args` object: picks `detail`, `name` and `count`.
fn args<'a>(buf: &'a [u8], pos: usize, ev: &mut Event<'a>) -> ScanResult<usize> {
    let mut i = json::skip_ws(buf, pos + 1);
    if buf.get(i) == Some(&b'}') {
        return Ok(i + 1);
    }
    if i >= buf.len() {
        return Err(Scan::Incomplete);
    }
    loop {
        let (key, after_key) = key(buf, i)?;
        i = after_key;
        match (key, buf.get(i)) {
            (b"detail", Some(b'"')) => {
                let (s, end) = json::string(buf, i)?;
                ev.detail = Some(s);
                i = end;
            }
            (b"name", Some(b'"')) => {
                let (s, end) = json::string(buf, i)?;
                ev.args_name = Some(s);
                i = end;
            }
            (b"count", Some(b'0'..=b'9')) => {
                let (text, end) = json::number(buf, i)?;
                ev.args_count = json::integer(text);
                i = end;
            }
            _ => i = json::skip_value(buf, i)?,
        }
        match next_member(buf, i)? {
            Some(next) => i = next,
            None => return Ok(json::skip_ws(buf, i) + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path's integers against `str::parse`: every length up to
    /// 19 digits, every byte that may follow, and the buffer's end.
    #[test]
    fn the_fast_paths_integers_are_what_std_reads() {
        let mut numbers: Vec<String> = (1..=19).map(|n| "1234567890123456789"[..n].to_string()).collect();
        numbers.extend((1..=19).map(|n| "9".repeat(n)));
        numbers.extend(["0", "00", "01", "0123456789", "10", "100000000", "12345670"].map(String::from));
        for n in &numbers {
            for after in [",", "}", "]", " ", ".5", "e3", "E3", "-", "+", "a", "", ",\"pid\":1234567"] {
                for pad in 0..3 {
                    let text = format!("{}{n}{after}", "x".repeat(pad));
                    let mut c = Cursor { buf: text.as_bytes(), i: pad };
                    let got = c.int().map(|v| (v, c.i));
                    // JSON's integer: no leading zero, at most 18 digits here, and
                    // something that ends it (not a fraction or an exponent)
                    let plain = n.len() <= 18 && (n.len() == 1 || !n.starts_with('0'));
                    let ends = after.chars().next().is_some_and(|c| !matches!(c, '.' | 'e' | 'E' | '-' | '+'));
                    let want = (plain && ends).then(|| (n.parse::<i64>().expect("digits"), pad + n.len()));
                    assert_eq!(got, want, "{text:?}");
                }
            }
        }
    }

    #[test]
    fn llvm_event() {
        let buf = br#"{"pid":25,"tid":30,"ts":8291351,"ph":"X","dur":6827,"name":"RunPass","args":{"detail":"Expand large div/rem"}},"#;
        let (ev, end) = parse(buf, 0).expect("parses");
        assert_eq!(end, buf.len() - 1);
        assert_eq!(ev.ph, b'X');
        assert_eq!(ev.pid, 25);
        assert_eq!(ev.tid, 30);
        assert_eq!(ev.ts, Some(8_291_351_000));
        assert_eq!(ev.dur, Some(6_827_000));
        assert_eq!(ev.name_raw(), b"RunPass");
        assert_eq!(ev.detail.map(|d| d.raw), Some(&b"Expand large div/rem"[..]));
    }

    #[test]
    fn llvm_layout_reads_what_the_general_reader_reads() {
        let fast = br#"{"pid":8050,"tid":8061,"ts":871484,"ph":"X","dur":4,"name":"InstCombinePass","args":{"detail":"_RNvCs1_3app4main"}},"#;
        let other = [
            // a fraction, an escape, a leading zero, a space, another member: the general reader's
            &br#"{"pid":1,"tid":2,"ts":3.5,"ph":"X","dur":4,"name":"a","args":{"detail":"b"}}"#[..],
            br#"{"pid":1,"tid":2,"ts":3,"ph":"X","dur":4,"name":"a\"q","args":{"detail":"b"}}"#,
            br#"{"pid":1,"tid":02,"ts":3,"ph":"X","dur":4,"name":"a","args":{"detail":"b"}}"#,
            br#"{"pid":1,"tid":2,"ts":3,"ph":"X","dur":4,"name":"a","args":{"detail":"b"} }"#,
            br#"{"pid":1,"tid":2,"ts":3,"ph":"X","dur":4,"name":"a","args":{"detail":"b","count":2}}"#,
            br#"{"pid":1,"tid":2,"ts":99999999999999999999,"ph":"X","dur":4,"name":"a","args":{"detail":"b"}}"#,
        ];
        let layout = |buf| llvm_layout(buf, 0, &mut Event::empty());
        assert!(layout(fast).is_some());
        assert!(parse(fast, 0).is_ok());
        for buf in std::iter::once(&fast[..]).chain(other) {
            if buf != fast {
                assert!(layout(buf).is_none(), "{}", String::from_utf8_lossy(buf));
            }
            let key = |e: &Event<'_>| {
                let text = |s: Option<JsonStr<'_>>| s.map(|s| s.bytes().into_owned());
                (e.ph, text(e.name), e.ts, e.dur, e.pid, e.tid, text(e.detail), e.args_count)
            };
            let fast = parse(buf, 0).map(|(e, end)| (key(&e), end));
            let mut e = Event::empty();
            let general = parse_any(buf, 0, &mut e).map(|end| (key(&e), end));
            assert_eq!(fast, general);
        }
        // cut anywhere, it is incomplete, as the general reader says
        for cut in 1..fast.len() - 1 {
            assert_eq!(parse(&fast[..cut], 0).map(|r| r.1), Err(Scan::Incomplete), "cut at {cut}");
        }
    }

    #[test]
    fn totals_and_metadata() {
        let buf = br#"{"pid":1,"tid":2097,"ph":"X","ts":0,"dur":1,"name":"Total CoroCleanupPass","args":{"count":2,"avg ms":0}} "#;
        let (ev, _) = parse(buf, 0).expect("parses");
        assert_eq!(ev.args_count, Some(2));
        let buf = br#"{"cat":"","pid":1,"tid":1948,"ts":0,"ph":"M","name":"thread_name","args":{"name":"opt cgu.1"}} "#;
        let (ev, _) = parse(buf, 0).expect("parses");
        assert_eq!(ev.ph, b'M');
        assert_eq!(ev.args_name.map(|n| n.raw), Some(&b"opt cgu.1"[..]));
    }

    #[test]
    fn every_prefix_is_incomplete_not_an_error() {
        let buf = br#"{"pid":25,"tid":"main","ts":1.5,"ph":"X","dur":6827,"name":"a\"b","args":{"detail":"x","nested":{"k":[1,2]}}}"#;
        for cut in 1..buf.len() {
            assert_eq!(parse(&buf[..cut], 0).map(|r| r.1), Err(Scan::Incomplete), "cut at {cut}");
        }
        let (ev, end) = parse(buf, 0).expect("parses");
        assert_eq!(end, buf.len());
        assert_eq!(ev.ts, Some(1_500));
        assert!(ev.tid >> 63 == 1);
    }

    #[test]
    fn invalid_syntax() {
        assert!(matches!(parse(br#"{"ph" "X"}"#, 0), Err(Scan::Invalid(..))));
        assert!(matches!(parse(br#"{"ph":"X" "name":"a"}"#, 0), Err(Scan::Invalid(..))));
        assert!(matches!(parse(br#"{ph:"X"}"#, 0), Err(Scan::Invalid(..))));
    }
}
