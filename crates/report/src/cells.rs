//! Table cells: what people read, and what CSV gets (exact numbers, times
//! in microseconds).

use crate::units::{bytes as human_bytes, count as human_count, duration, micros_text, percent};

/// A (display, csv) pair.
pub type Cell = (String, String);

pub fn time(ns: i64) -> Cell {
    (duration(ns), micros_text(ns))
}

/// A change of time: signed, `+1.2 ms`.
pub fn time_change(ns: i64) -> Cell {
    let sign = if ns > 0 { "+" } else { "" };
    (format!("{sign}{}", duration(ns)), micros_text(ns))
}

/// `part` as a share of `whole`: `12.3%` to read, `0.1230` for CSV.
pub fn share(part: i64, whole: i64) -> Cell {
    let csv = if whole == 0 { String::new() } else { format!("{:.4}", part as f64 / whole as f64) };
    (percent(part, whole), csv)
}

/// A relative change in percent: `+12.3%` (`new` when there was nothing before).
pub fn change_percent(base: i64, change: i64) -> Cell {
    if base == 0 {
        return (if change == 0 { "0.0%".into() } else { "new".into() }, String::new());
    }
    let p = change as f64 * 100.0 / base as f64;
    (format!("{:+.1}%", p), format!("{:.4}", p / 100.0))
}

pub fn count(n: u64) -> Cell {
    (human_count(n), n.to_string())
}

/// A signed count change: `+3`.
pub fn count_change(n: i64) -> Cell {
    let sign = if n > 0 {
        "+"
    } else if n < 0 {
        "-"
    } else {
        ""
    };
    (format!("{sign}{}", human_count(n.unsigned_abs())), n.to_string())
}

pub fn bytes(n: u64) -> Cell {
    (human_bytes(n), n.to_string())
}

pub fn text(s: &str) -> Cell {
    (s.to_string(), s.to_string())
}

/// The first `top` rows (all when `top` is 0).
pub fn take<T>(rows: &[T], top: usize) -> &[T] {
    if top == 0 {
        rows
    } else {
        &rows[..rows.len().min(top)]
    }
}
