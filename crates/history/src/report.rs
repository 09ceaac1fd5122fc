//! Kept runs as results: the listing (`fastware/runs/1`) and one run's
//! header (what it was measured on), rendered as text; JSON is the values.

use serde::{Deserialize, Serialize};

use fastware_report::units::bytes;
use fastware_report::{cells, Column, Error, Render, Table, Text};

use crate::run::{Run, RunInfo};

/// `fastware runs list`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunList {
    pub schema: String,
    pub store: String,
    /// Newest first, the first `--top` of them.
    pub runs: Vec<RunInfo>,
    /// How many runs matched, listed or not.
    #[serde(default)]
    pub rows_total: usize,
}

impl RunList {
    /// The first `top` of `runs` (0: all).
    pub fn new(store: &str, mut runs: Vec<RunInfo>, top: usize) -> RunList {
        let rows_total = runs.len();
        if top > 0 {
            runs.truncate(top);
        }
        RunList { schema: "fastware/runs/1".into(), store: store.into(), runs, rows_total }
    }

    fn table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("id", "id"),
            Column::left("recorded (UTC)", "recorded"),
            Column::left("command", "command"),
            Column::left("name", "name"),
            Column::left("commit", "git_commit"),
            Column::left("branch", "branch"),
            Column::right("result", "result_bytes"),
            Column::left("kind", "kind"),
        ]);
        for r in &self.runs {
            t.row(vec![
                (r.id.to_string(), r.id.to_string()),
                (utc(r.recorded_ms), utc(r.recorded_ms)),
                cells::text(&r.command),
                cells::text(r.name.as_deref().unwrap_or("")),
                cells::text(&commit(r)),
                cells::text(r.branch.as_deref().unwrap_or("")),
                (bytes(r.result_bytes.max(0) as u64), r.result_bytes.to_string()),
                cells::text(&r.kind),
            ]);
        }
        t
    }
}

/// A commit as shown: its first 10 digits, `+dirty` when the tree had changes.
pub fn commit(r: &RunInfo) -> String {
    match &r.git_commit {
        Some(c) => format!("{}{}", &c[..c.len().min(10)], if r.git_dirty { "+dirty" } else { "" }),
        None => String::new(),
    }
}

impl Render for RunList {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        if self.runs.is_empty() {
            return out.line(format_args!("no runs kept in {}", self.store));
        }
        out.line(format_args!("{} run(s) in {}", self.rows_total.max(self.runs.len()), self.store))?;
        out.table(&self.table())?;
        out.more(self.runs.len(), self.rows_total)
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }
}

/// The lines that say what a run was measured on.
pub fn header(run: &Run, out: &mut Text<'_>) -> std::io::Result<()> {
    let i = &run.info;
    let c = &run.context;
    let name = i.name.as_deref().map(|n| format!(" `{n}`")).unwrap_or_default();
    out.line(format_args!("run {}{name}: fastware {} — {} UTC", i.id, i.command, utc(i.recorded_ms)))?;
    out.line(format_args!("  project: {}", i.project))?;
    if i.git_commit.is_some() {
        out.line(format_args!("  commit: {} on {}", commit(i), i.branch.as_deref().unwrap_or("(no branch)")))?;
    }
    if let Some(r) = c.rustc.as_deref().and_then(|r| r.lines().next()) {
        out.line(format_args!("  {r}; {}", c.cargo.as_deref().unwrap_or("cargo unknown")))?;
    }
    let m = &c.machine;
    out.line(format_args!(
        "  machine: {}, {} cores, {} memory, {}",
        m.cpu.as_deref().unwrap_or("CPU unknown"),
        m.cores,
        m.memory_bytes.map_or("unknown".into(), bytes),
        m.os
    ))?;
    out.line(format_args!("  command line: {}", c.argv.join(" ")))
}

/// Unix milliseconds as `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn utc(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.strftime("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => format!("{ms} ms (out of range)"),
    }
}

/// `--since`: an age (`7d`, `12h`, `30m`) before now, or a UTC date
/// (`2026-12-01`, a real one: not `2026-02-30`), as Unix milliseconds.
pub fn parse_since(text: &str) -> Result<i64, Error> {
    let bad = || Error::from(crate::HistoryError::BadSince { text: text.to_string() });
    let t = text.trim();
    if let Some(unit) = t.chars().last().filter(|c| matches!(c, 'd' | 'h' | 'm')) {
        let n: i64 = t[..t.len() - 1].parse().map_err(|_| bad())?;
        let ms = match unit {
            'd' => 86_400_000,
            'h' => 3_600_000,
            _ => 60_000,
        };
        return n.checked_mul(ms).map(|age| crate::context::now_ms() - age).ok_or_else(bad);
    }
    let date: jiff::civil::Date = jiff::civil::Date::strptime("%Y-%m-%d", t).map_err(|_| bad())?;
    let midnight =
        jiff::tz::TimeZone::UTC.to_timestamp(date.to_datetime(jiff::civil::Time::midnight())).map_err(|_| bad())?;
    Ok(midnight.as_millisecond())
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_read_back() {
        for ms in [0, 951_782_400_000, 4_107_456_000_000] {
            let day = &super::utc(ms)[..10];
            assert_eq!(super::parse_since(day).expect("date"), ms, "{day}");
        }
        assert!(super::parse_since("2026-13-01").is_err());
        assert!(super::parse_since("2026-02-30").is_err(), "no such day");
        assert!(super::parse_since("2024-02-29").is_ok(), "a leap day");
        assert!(super::parse_since("soon").is_err());
        let week = super::parse_since("7d").expect("age");
        assert!((crate::context::now_ms() - week - 7 * 86_400_000).abs() < 60_000);
    }

    #[test]
    fn utc_dates_agree_with_date() {
        // `date -u -d @SECONDS '+%F %T'` for each
        for (ms, want) in [
            (0, "1970-01-01 00:00:00"),
            (951_782_400_000, "2000-02-29 00:00:00"),
            (1_796_408_889_123, "2026-12-04 18:28:09"),
            (4_107_542_399_000, "2100-02-28 23:59:59"),
        ] {
            assert_eq!(super::utc(ms), want);
        }
    }
}
