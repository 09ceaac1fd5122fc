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
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // days since 1970-01-01 to a civil date (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// `--since`: an age (`7d`, `12h`, `30m`) before now, or a UTC date
/// (`2026-12-01`), as Unix milliseconds.
pub fn parse_since(text: &str) -> Result<i64, Error> {
    let bad = || Error::bad_input(format!("--since {text}: neither an age (7d, 12h, 30m) nor a date (2026-12-01)"));
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
    let mut parts = t.splitn(3, '-').map(|p| p.parse::<i64>());
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    // a civil date to days since 1970-01-01 (Howard Hinnant's algorithm)
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok((era * 146_097 + doe - 719_468) * 86_400_000)
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
