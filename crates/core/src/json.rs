//! The JSON convention every command follows (`--format json`, saved
//! results, the history): a top-level `"schema": "fastware/<command>/<n>"`
//! naming the result's kind and version; times in microseconds, the unit in
//! the field name (`*_us`); shares in 0..1 (`*_share`, `share_of_*`);
//! sizes in bytes; counts as integers.

use std::io::{self, Write};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// fastware's one duration type: held in whole nanoseconds, written on the
/// wire (JSON `*_us` fields, CSV) as microseconds — an integer when it is
/// one, else a fraction, so that nothing is rounded away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

impl Duration {
    pub const ZERO: Duration = Duration(0);

    pub fn from_nanos(ns: i64) -> Duration {
        Duration(ns)
    }
    /// Seconds (as a clock or cargo's log gives them), rounded to the nanosecond.
    pub fn from_secs(s: f64) -> Duration {
        Duration((s * 1e9).round() as i64)
    }
    pub fn from_std(d: std::time::Duration) -> Duration {
        Duration(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }
    pub fn ns(self) -> i64 {
        self.0
    }
    pub fn secs(self) -> f64 {
        self.0 as f64 / 1e9
    }
    pub fn micros(self) -> f64 {
        self.0 as f64 / 1e3
    }
}

impl std::ops::Add for Duration {
    type Output = Duration;
    fn add(self, o: Duration) -> Duration {
        Duration(self.0.saturating_add(o.0))
    }
}

impl std::ops::Sub for Duration {
    type Output = Duration;
    fn sub(self, o: Duration) -> Duration {
        Duration(self.0.saturating_sub(o.0))
    }
}

impl std::iter::Sum for Duration {
    fn sum<I: Iterator<Item = Duration>>(iter: I) -> Duration {
        iter.fold(Duration::ZERO, |a, b| a + b)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 1000 == 0 {
            s.serialize_i64(self.0 / 1000)
        } else {
            s.serialize_f64(self.0 as f64 / 1000.0)
        }
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let us = f64::deserialize(d)?;
        Ok(Duration((us * 1000.0).round() as i64))
    }
}

/// A duration finer than a nanosecond (a benchmark's time per iteration, a
/// mean): nanoseconds with fractions, written as microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct FineDuration(pub f64);

impl FineDuration {
    pub fn ns(self) -> f64 {
        self.0
    }
    pub fn secs(self) -> f64 {
        self.0 / 1e9
    }
}

impl Serialize for FineDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0 / 1000.0)
    }
}

impl<'de> Deserialize<'de> for FineDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FineDuration, D::Error> {
        Ok(FineDuration(f64::deserialize(d)? * 1000.0))
    }
}

/// Upgrades a value an earlier fastware wrote in seconds: field `from` of
/// `obj` (a number, a list of numbers, or a figure's `median`, `min` and
/// `max`) becomes field `to` in microseconds. Nothing when `from` is absent.
pub fn seconds_to_micros(obj: &mut serde_json::Map<String, serde_json::Value>, from: &str, to: &str) {
    use serde_json::Value;
    fn scale(v: &mut Value) {
        match v {
            Value::Number(n) => {
                if let Some(us) = n.as_f64().and_then(|s| serde_json::Number::from_f64(s * 1e6)) {
                    *n = us;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(scale),
            Value::Object(figure) => {
                for k in ["median", "min", "max"] {
                    if let Some(x) = figure.get_mut(k) {
                        scale(x);
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(mut v) = obj.remove(from) {
        scale(&mut v);
        obj.insert(to.into(), v);
    }
}

/// `part / whole` rounded to 4 decimals; `None` when `whole` is 0.
pub fn share(part: f64, whole: f64) -> Option<f64> {
    (whole != 0.0).then(|| (part / whole * 10_000.0).round() / 10_000.0)
}

/// Writes a result as pretty JSON and a final newline.
pub fn write<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

/// A JSON parse error as fastware reports bad input: serde's message
/// without its "at line L column C", the place as a byte offset of `text`
/// (`what` leads the message: "not criterion's JSON").
/// serde_json's message without its " at line L column C" (fastware says
/// where as a byte offset).
pub fn message_of(e: &serde_json::Error) -> String {
    let message = e.to_string();
    message.rsplit_once(" at line ").map_or(message.clone(), |(m, _)| m.to_string())
}

pub fn parse_error(path: &str, text: &str, e: &serde_json::Error, what: &str) -> Error {
    let message = message_of(e);
    if e.is_eof() {
        return Error::input(path, Some(text.len() as u64), format!("{what} (truncated): {message}"));
    }
    Error::input(path, byte_of(text.as_bytes(), e.line(), e.column()), format!("{what}: {message}"))
}

/// The byte offset of a 1-based line and column (serde_json's; a column
/// of 0 is the line's start).
pub fn byte_of(text: &[u8], line: usize, column: usize) -> Option<u64> {
    if line == 0 {
        return None;
    }
    let start: usize = text.split_inclusive(|&b| b == b'\n').take(line - 1).map(<[u8]>::len).sum();
    Some(start.saturating_add(column.saturating_sub(1)).min(text.len()) as u64)
}

/// Reads back a result saved by [`write`], checking that its `schema` is
/// `expected` (a result of another kind, or of a later version, is refused
/// with a clear message).
pub fn read<T: for<'de> Deserialize<'de>>(text: &str, expected: &str, path: &str) -> Result<T, Error> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| parse_error(path, text, &e, "not a fastware result"))?;
    let schema = v.get("schema").and_then(|s| s.as_str()).unwrap_or_default();
    if schema != expected {
        let (kind, version) = expected.rsplit_once('/').unwrap_or((expected, ""));
        let message = match schema.rsplit_once('/') {
            Some((k, n)) if k == kind => {
                format!("a {k} result of version {n}: this fastware reads version {version}")
            }
            _ if schema.is_empty() => format!("not a fastware result (no schema), expected {expected}"),
            _ => format!("a {schema} result, expected {expected}"),
        };
        return Err(Error::input(path, None, message));
    }
    serde_json::from_value(v).map_err(|e| Error::input(path, None, format!("damaged {expected} result: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_are_exact() {
        assert_eq!(serde_json::to_string(&Duration(6_827_000)).expect("json"), "6827");
        assert_eq!(serde_json::to_string(&Duration(1_500)).expect("json"), "1.5");
        let back: Duration = serde_json::from_str("1.5").expect("read");
        assert_eq!(back, Duration(1_500));
        assert_eq!(share(1.0, 3.0), Some(0.3333));
        assert_eq!(share(1.0, 0.0), None);
    }

    #[test]
    fn parse_errors_name_the_byte() {
        let text = "{\n  \"a\": 1,\n  \"b\" 2\n}";
        let e = serde_json::from_str::<serde_json::Value>(text).expect_err("bad");
        let err = parse_error("f.json", text, &e, "not JSON");
        // the byte serde stopped at: the `2` after "b" on the third line
        assert_eq!(err.offset, Some(text.find(" 2").expect("two") as u64 + 1), "{err}");
        assert_eq!(err.message, "not JSON: expected `:`");
        let e = serde_json::from_str::<serde_json::Value>("[1, 2").expect_err("eof");
        let err = parse_error("f.json", "[1, 2", &e, "not JSON");
        assert_eq!((err.offset, err.message.as_str()), (Some(5), "not JSON (truncated): EOF while parsing a list"));
    }

    #[test]
    fn seconds_become_micros() {
        let mut v = serde_json::json!({"a_s": 1.5, "b_s": [0.25, 2], "c_s": {"median": 0.5, "min": 0.25, "max": 1, "n": 3}, "d_s": null});
        let obj = v.as_object_mut().expect("object");
        for (from, to) in [("a_s", "a_us"), ("b_s", "b_us"), ("c_s", "c_us"), ("d_s", "d_us"), ("e_s", "e_us")] {
            seconds_to_micros(obj, from, to);
        }
        let want = serde_json::json!({"a_us": 1.5e6, "b_us": [2.5e5, 2e6], "c_us": {"median": 5e5, "min": 2.5e5, "max": 1e6, "n": 3}, "d_us": null});
        assert_eq!(v, want);
    }

    #[test]
    fn schemas_are_checked() {
        #[derive(Deserialize)]
        struct R {
            n: u32,
        }
        let ok: R = read(r#"{"schema":"fastware/x/1","n":3}"#, "fastware/x/1", "f").expect("reads");
        assert_eq!(ok.n, 3);
        let e = read::<R>(r#"{"schema":"fastware/x/2","n":3}"#, "fastware/x/1", "f").err().expect("refused");
        assert_eq!(e.to_string(), "a fastware/x result of version 2: this fastware reads version 1 (f)");
        let e = read::<R>(r#"{"n":3}"#, "fastware/x/1", "f").err().expect("refused");
        assert!(e.to_string().starts_with("not a fastware result (no schema)"), "{e}");
    }
}
