//! Numbers with units: durations, sizes, shares, counts.

use serde_json::Value;

/// A duration for people: `1.23 s`, `45.6 ms`, `789 µs`, `12 ns`.
pub fn duration(ns: i64) -> String {
    let a = ns.unsigned_abs() as f64;
    let sign = if ns < 0 { "-" } else { "" };
    if a >= 1e9 {
        format!("{sign}{:.3} s", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}{:.1} ms", a / 1e6)
    } else if a >= 1e3 {
        format!("{sign}{:.0} µs", a / 1e3)
    } else {
        format!("{sign}{a:.0} ns")
    }
}

/// A benchmark time with three significant digits: `1.55 µs`, `812 ns`,
/// `37.0 ms`, `2.41 s`.
pub fn precise_duration(ns: f64) -> String {
    let (v, unit) = match ns.abs() {
        a if a >= 1e9 => (ns / 1e9, "s"),
        a if a >= 1e6 => (ns / 1e6, "ms"),
        a if a >= 1e3 => (ns / 1e3, "µs"),
        _ => (ns, "ns"),
    };
    let digits = match v.abs() {
        a if a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        _ => 2,
    };
    format!("{v:.digits$} {unit}")
}

/// A size for people: `512 B`, `3.4 KiB`, `1.2 MiB`, `1.40 GiB`.
pub fn bytes(n: u64) -> String {
    let f = n as f64;
    if f >= (1u64 << 30) as f64 {
        format!("{:.2} GiB", f / (1u64 << 30) as f64)
    } else if f >= (1u64 << 20) as f64 {
        format!("{:.1} MiB", f / (1u64 << 20) as f64)
    } else if f >= 1024.0 {
        format!("{:.1} KiB", f / 1024.0)
    } else {
        format!("{n} B")
    }
}

/// `part` as a percentage of `whole`: `12.3%` (`-` when `whole` is 0).
pub fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        return "-".to_string();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// A count with thousands separators: `7,301,865`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count and a noun, plural when the count is not one: `1 unit`, `4 units`.
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", count(n as u64))
    }
}

/// Nanoseconds as a JSON number of microseconds, exact (an integer when it is one).
pub fn micros_json(ns: i64) -> Value {
    if ns % 1000 == 0 {
        Value::from(ns / 1000)
    } else {
        Value::from(ns as f64 / 1000.0)
    }
}

/// Nanoseconds as microseconds text for CSV, exact.
pub fn micros_text(ns: i64) -> String {
    if ns % 1000 == 0 {
        (ns / 1000).to_string()
    } else {
        format!("{}.{:03}", ns / 1000, (ns % 1000).abs())
    }
}

/// A share in 0..1, rounded to 4 decimals, for JSON.
pub fn share_json(part: i64, whole: i64) -> Value {
    if whole == 0 {
        return Value::Null;
    }
    let v = (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0;
    Value::from(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precise() {
        assert_eq!(precise_duration(1548.4), "1.55 µs");
        assert_eq!(precise_duration(812.3), "812 ns");
        assert_eq!(precise_duration(37.04e6), "37.0 ms");
        assert_eq!(precise_duration(1.5), "1.50 ns");
    }

    #[test]
    fn formatting() {
        assert_eq!(duration(1_234_567_890), "1.235 s");
        assert_eq!(duration(45_600_000), "45.6 ms");
        assert_eq!(duration(789_000), "789 µs");
        assert_eq!(duration(12), "12 ns");
        assert_eq!(duration(-2_000_000), "-2.0 ms");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(count(7_301_865), "7,301,865");
        assert_eq!(count(12), "12");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(1, 0), "-");
        assert_eq!(micros_json(6_827_000), Value::from(6827));
        assert_eq!(micros_text(1_500), "1.500");
    }
}
