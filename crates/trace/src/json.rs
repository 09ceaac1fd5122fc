//! Minimal JSON scanning over a byte buffer: strings, numbers, skipping values.
//!
//! Hand-written because it is the hot path: a trace is millions of small
//! objects of which fastware needs six fields, and a general JSON parser
//! (serde_json builds every value) runs at a fraction of the speed the
//! 1 GB/s target needs. Every function works on a slice that may end in the
//! middle of a value and then says [`Scan::Incomplete`], so the caller can
//! read more input and retry.

use std::borrow::Cow;

/// Why scanning stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// The buffer ended inside the value: read more and try again.
    Incomplete,
    /// Not valid JSON here; the offset is relative to the slice given.
    Invalid(usize, &'static str),
}

pub type ScanResult<T> = Result<T, Scan>;

/// Index of the first non-whitespace byte at or after `pos`.
#[inline]
pub fn skip_ws(buf: &[u8], mut pos: usize) -> usize {
    while pos < buf.len() && matches!(buf[pos], b' ' | b'\n' | b'\r' | b'\t') {
        pos += 1;
    }
    pos
}

/// A JSON string as it appears in the input (between the quotes).
#[derive(Debug, Clone, Copy)]
pub struct JsonStr<'a> {
    pub raw: &'a [u8],
    /// True when the raw text holds `\` escapes.
    pub escaped: bool,
}

impl<'a> JsonStr<'a> {
    /// The string's bytes with escapes resolved (borrowed when there are none).
    pub fn bytes(&self) -> Cow<'a, [u8]> {
        if self.escaped {
            Cow::Owned(unescape(self.raw))
        } else {
            Cow::Borrowed(self.raw)
        }
    }

    /// The string as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'a, str> {
        match self.bytes() {
            Cow::Borrowed(b) => String::from_utf8_lossy(b),
            Cow::Owned(b) => Cow::Owned(String::from_utf8_lossy(&b).into_owned()),
        }
    }

    pub fn eq_bytes(&self, other: &[u8]) -> bool {
        if self.escaped {
            self.bytes().as_ref() == other
        } else {
            self.raw == other
        }
    }
}

/// Scans a string starting at the opening quote `buf[pos]`. Returns the
/// string and the index just past the closing quote.
#[inline]
pub fn string(buf: &[u8], pos: usize) -> ScanResult<(JsonStr<'_>, usize)> {
    debug_assert_eq!(buf.get(pos), Some(&b'"'));
    let start = pos + 1;
    // keys, phases and pass names are a few bytes: the first 16 are looked
    // at 8 at a time in a register (memchr's vector search costs more than
    // that to start), the rest with memchr
    let mut i = start;
    while i < start + 16 {
        let Some(word) = buf.get(i..i + 8) else { break };
        let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let found = bytes_equal(w, b'"') | bytes_equal(w, b'\\');
        if found != 0 {
            let at = i + (found.trailing_zeros() / 8) as usize;
            if buf[at] == b'"' {
                return Ok((JsonStr { raw: &buf[start..at], escaped: false }, at + 1));
            }
            i = at;
            break;
        }
        i += 8;
    }
    let mut escaped = false;
    loop {
        match memchr::memchr2(b'"', b'\\', &buf[i..]) {
            None => return Err(Scan::Incomplete),
            Some(off) => {
                let at = i + off;
                if buf[at] == b'"' {
                    return Ok((JsonStr { raw: &buf[start..at], escaped }, at + 1));
                }
                escaped = true;
                // skip the backslash and the escaped byte
                if at + 1 >= buf.len() {
                    return Err(Scan::Incomplete);
                }
                i = at + 2;
            }
        }
    }
}

/// The bytes of `w` equal to `b`, as the high bit of each: the lowest one
/// is exact (a borrow can only flag a byte above a real match), which is
/// all the callers read.
#[inline]
fn bytes_equal(w: u64, b: u8) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let x = w ^ (LO * u64::from(b));
    x.wrapping_sub(LO) & !x & HI
}

/// Resolves JSON escapes. Invalid escapes are kept as written.
pub fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' || i + 1 >= raw.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = raw[i + 1];
        i += 2;
        match e {
            b'"' | b'\\' | b'/' => out.push(e),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'u' => {
                let Some(cp) = hex4(raw, i) else {
                    out.extend_from_slice(b"\\u");
                    continue;
                };
                i += 4;
                let mut c = cp;
                if (0xD800..0xDC00).contains(&cp) && raw.get(i) == Some(&b'\\') && raw.get(i + 1) == Some(&b'u') {
                    if let Some(lo) = hex4(raw, i + 2).filter(|lo| (0xDC00..0xE000).contains(lo)) {
                        c = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    }
                }
                let ch = char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut tmp = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    out
}

fn hex4(raw: &[u8], at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

/// A JSON integer (`-?[0-9]+`) as `str::parse::<i64>` reads it, without
/// its UTF-8 check and generic paths (a trace's pid and tid, two per
/// event: the hot path); `None` for a fraction, an exponent or an overflow.
pub fn integer(text: &[u8]) -> Option<i64> {
    let (neg, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let d = i64::from(d - b'0');
        v = v.checked_mul(10)?;
        v = if neg { v.checked_sub(d)? } else { v.checked_add(d)? };
    }
    Some(v)
}

/// Scans a number at `buf[pos]`. Returns its text and the index after it.
/// A number that runs to the end of the buffer is incomplete (more digits may follow).
#[inline]
pub fn number(buf: &[u8], pos: usize) -> ScanResult<(&[u8], usize)> {
    let mut i = pos;
    while i < buf.len() && matches!(buf[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
        i += 1;
    }
    if i == buf.len() {
        return Err(Scan::Incomplete);
    }
    if i == pos {
        return Err(Scan::Invalid(pos, "expected a number"));
    }
    Ok((&buf[pos..i], i))
}

/// Converts a JSON number of microseconds into integer nanoseconds.
///
/// Trace timestamps are microseconds, usually integers (LLVM) but allowed to
/// be fractional. Nanoseconds as integers keep every sum exact and
/// independent of the order events are added in.
pub fn micros_to_nanos(text: &[u8]) -> Option<i64> {
    let (neg, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        _ => (false, text),
    };
    let mut int: i64 = 0;
    let mut i = 0;
    while i < digits.len() && digits[i].is_ascii_digit() {
        int = int.checked_mul(10)?.checked_add(i64::from(digits[i] - b'0'))?;
        i += 1;
    }
    if i == 0 {
        return None;
    }
    let mut nanos = int.checked_mul(1000)?;
    if i < digits.len() && digits[i] == b'.' {
        i += 1;
        let frac_start = i;
        const SCALE: [i64; 3] = [100, 10, 1];
        while i < digits.len() && digits[i].is_ascii_digit() {
            let d = i64::from(digits[i] - b'0');
            match i - frac_start {
                k @ 0..=2 => nanos += d * SCALE[k],
                3 if d >= 5 => nanos += 1, // round half up on the first dropped digit
                _ => {}
            }
            i += 1;
        }
        if i == frac_start {
            return None;
        }
    }
    if i < digits.len() {
        // exponent form: rare, go through f64
        let f: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
        let v = (f * 1000.0).round();
        return (v.is_finite() && v.abs() < 9.0e18).then_some(v as i64);
    }
    Some(if neg { -nanos } else { nanos })
}

/// Skips one JSON value of any kind starting at `buf[pos]` (after whitespace).
/// Returns the index just past it.
pub fn skip_value(buf: &[u8], pos: usize) -> ScanResult<usize> {
    let pos = skip_ws(buf, pos);
    let Some(&b) = buf.get(pos) else {
        return Err(Scan::Incomplete);
    };
    match b {
        b'"' => string(buf, pos).map(|(_, end)| end),
        b'{' | b'[' => skip_container(buf, pos),
        b't' => literal(buf, pos, b"true"),
        b'f' => literal(buf, pos, b"false"),
        b'n' => literal(buf, pos, b"null"),
        b'-' | b'0'..=b'9' => number(buf, pos).map(|(_, end)| end),
        _ => Err(Scan::Invalid(pos, "expected a JSON value")),
    }
}

fn literal(buf: &[u8], pos: usize, lit: &[u8]) -> ScanResult<usize> {
    let have = &buf[pos..buf.len().min(pos + lit.len())];
    if !lit.starts_with(have) {
        return Err(Scan::Invalid(pos, "expected a JSON value"));
    }
    if have.len() < lit.len() {
        return Err(Scan::Incomplete);
    }
    Ok(pos + lit.len())
}

/// Skips a whole object or array, strings included, without validating its
/// inner syntax beyond bracket balance.
fn skip_container(buf: &[u8], pos: usize) -> ScanResult<usize> {
    let mut depth = 0usize;
    let mut i = pos;
    while i < buf.len() {
        match buf[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            }
            b'"' => {
                let (_, end) = string(buf, i)?;
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Err(Scan::Incomplete)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings whose end is looked for 8 bytes at a time, against a byte
    /// by byte search: a quote or a backslash at every place of the first
    /// words, and strings cut short.
    #[test]
    fn a_string_ends_where_a_plain_search_says() {
        for len in 0..40 {
            for special in [None, Some(b'\\')] {
                for at in 0..len.max(1) {
                    let mut body = vec![b'a'; len];
                    if let (Some(b), true) = (special, at < len) {
                        body[at] = b;
                        if at + 1 < len {
                            body[at + 1] = b'n';
                        }
                    }
                    let mut text = vec![b'"'];
                    text.extend_from_slice(&body);
                    text.extend_from_slice(b"\",\"x\":\"yy\"");
                    // the first quote not escaped: the end
                    let mut i = 1;
                    let (mut end, mut escaped) = (None, false);
                    while i < text.len() {
                        match text[i] {
                            b'"' => {
                                end = Some(i);
                                break;
                            }
                            b'\\' => {
                                escaped = true;
                                i += 2;
                            }
                            _ => i += 1,
                        }
                    }
                    let end = end.expect("an end");
                    let got = string(&text, 0).map(|(s, next)| (s.raw.to_vec(), s.escaped, next));
                    assert_eq!(
                        got,
                        Ok((text[1..end].to_vec(), escaped, end + 1)),
                        "{:?}",
                        String::from_utf8_lossy(&text)
                    );
                    for cut in 1..=end {
                        assert_eq!(string(&text[..cut], 0).map(|r| r.1), Err(Scan::Incomplete), "cut at {cut}");
                    }
                }
            }
        }
    }

    /// Integers read as `str::parse::<i64>` reads them.
    #[test]
    fn integers_as_std_reads_them() {
        for t in [
            "0",
            "7",
            "-7",
            "8050",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "-",
            "",
            "1.5",
            "1e3",
            "-0",
            "007",
        ] {
            assert_eq!(integer(t.as_bytes()), t.parse::<i64>().ok(), "{t:?}");
        }
    }

    #[test]
    fn micros_exact() {
        assert_eq!(micros_to_nanos(b"8291351"), Some(8_291_351_000));
        assert_eq!(micros_to_nanos(b"0"), Some(0));
        assert_eq!(micros_to_nanos(b"1.5"), Some(1_500));
        assert_eq!(micros_to_nanos(b"1.2345"), Some(1_235));
        assert_eq!(micros_to_nanos(b"1.2344"), Some(1_234));
        assert_eq!(micros_to_nanos(b"-2.001"), Some(-2_001));
        assert_eq!(micros_to_nanos(b"1e3"), Some(1_000_000));
        assert_eq!(micros_to_nanos(b"x"), None);
        assert_eq!(micros_to_nanos(b"1."), None);
    }

    #[test]
    fn strings_and_escapes() {
        let buf = br#""a\"b\\c\u00e9\ud83d\ude00" rest"#;
        let (s, end) = string(buf, 0).expect("complete");
        assert!(s.escaped);
        assert_eq!(s.text(), "a\"b\\cé😀");
        assert_eq!(&buf[end..], b" rest");
        assert_eq!(string(br#""abc\"#, 0).map(|r| r.1), Err(Scan::Incomplete));
        assert_eq!(string(br#""abc"#, 0).map(|r| r.1), Err(Scan::Incomplete));
    }

    #[test]
    fn skipping() {
        let buf = br#"{"a":[1,{"b":"}]"}],"c":null} tail"#;
        assert_eq!(skip_value(buf, 0), Ok(buf.len() - 5));
        assert_eq!(skip_value(b"[1,2", 0), Err(Scan::Incomplete));
        assert_eq!(skip_value(b"tru", 0), Err(Scan::Incomplete));
        assert!(matches!(skip_value(b"trux", 0), Err(Scan::Invalid(..))));
        assert_eq!(skip_value(b"12", 0), Err(Scan::Incomplete));
        assert_eq!(skip_value(b"12,", 0), Ok(2));
    }
}
