//! A figure across kept runs (`fastware runs trend`): one value per run,
//! oldest first, as a table with the change from run to run and as an SVG
//! line chart. Drawn by hand: one polyline and its labels cost less than a
//! plotting crate does to build.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use fastware_report::units::duration;
use fastware_report::{cells, html, Column, Error, Render, Table, Text};

use crate::report::utc;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrendPoint {
    pub id: i64,
    pub name: Option<String>,
    pub recorded_ms: i64,
    pub git_commit: Option<String>,
    /// In the trend's `unit`: microseconds, or a count.
    pub value: f64,
}

/// What a trend's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Durations, in microseconds.
    Us,
    /// Counts (instructions, bytes, lines).
    Count,
}

/// `fastware/trend/2`: a metric's value in each run that has it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trend {
    pub schema: String,
    pub metric: String,
    pub unit: Unit,
    /// Oldest first.
    pub points: Vec<TrendPoint>,
}

impl Trend {
    pub fn new(metric: &str, unit: Unit, points: Vec<TrendPoint>) -> Trend {
        Trend { schema: "fastware/trend/2".into(), metric: metric.into(), unit, points }
    }

    /// A value as the table and chart show it.
    fn shown(&self, v: f64) -> String {
        match self.unit {
            Unit::Us => duration((v * 1e3).round() as i64),
            Unit::Count => fastware_report::units::count(v.round().max(0.0) as u64),
        }
    }

    fn table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("run", "id"),
            Column::left("recorded (UTC)", "recorded"),
            Column::left("commit", "git_commit"),
            Column::right(&self.metric, if self.unit == Unit::Us { "value_us" } else { "value" }),
            Column::right("change", "change"),
            Column::left("name", "name"),
        ]);
        let mut before: Option<f64> = None;
        for p in &self.points {
            let change = match before {
                Some(b) if b > 0.0 => {
                    let c = p.value / b - 1.0;
                    (format!("{:+.1}%", c * 100.0), format!("{c:.6}"))
                }
                _ => (String::new(), String::new()),
            };
            t.row(vec![
                (p.id.to_string(), p.id.to_string()),
                (utc(p.recorded_ms), utc(p.recorded_ms)),
                cells::text(p.git_commit.as_deref().map_or("", |c| &c[..c.len().min(10)])),
                (self.shown(p.value), p.value.to_string()),
                change,
                cells::text(p.name.as_deref().unwrap_or("")),
            ]);
            before = Some(p.value);
        }
        t
    }

    /// The line chart: the value against the runs, oldest on the left.
    pub fn svg(&self) -> String {
        let (w, h, left, right, top, bottom) = (720.0, 320.0, 80.0, 20.0, 40.0, 60.0);
        let values: Vec<f64> = self.points.iter().map(|p| p.value).collect();
        let hi = values.iter().copied().fold(0.0f64, f64::max).max(1e-9) * 1.1;
        let n = values.len().max(2) as f64 - 1.0;
        let x = |k: usize| left + (w - left - right) * k as f64 / n;
        let y = |v: f64| top + (h - top - bottom) * (1.0 - v / hi);
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
        );
        let _ = write!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
        let _ = write!(
            s,
            r#"<text x="{left}" y="22" font-size="14">{} across {} run(s)</text>"#,
            html::escape(&self.metric),
            self.points.len()
        );
        for k in 0..=4 {
            let v = hi * k as f64 / 4.0;
            let _ = write!(
                s,
                r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
                w - right,
                left - 6.0,
                y(v) + 4.0,
                html::escape(&self.shown(v)),
                y = y(v)
            );
        }
        let line: Vec<String> = values.iter().enumerate().map(|(k, &v)| format!("{:.1},{:.1}", x(k), y(v))).collect();
        let _ = write!(s, r##"<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="{}"/>"##, line.join(" "));
        for (k, p) in self.points.iter().enumerate() {
            let _ = write!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="#1f6feb"><title>run {}: {}</title></circle><text x="{:.1}" y="{}" text-anchor="middle">{}</text>"##,
                x(k),
                y(p.value),
                p.id,
                html::escape(&self.shown(p.value)),
                x(k),
                h - bottom + 18.0,
                p.id
            );
        }
        let _ =
            write!(s, r#"<text x="{:.1}" y="{}" text-anchor="middle">run</text></svg>"#, (w + left) / 2.0, h - 12.0);
        s
    }
}

impl Render for Trend {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        if self.points.is_empty() {
            return out.line(format_args!("no kept run has {}", self.metric));
        }
        out.line(format_args!("{} across {} run(s), oldest first", self.metric, self.points.len()))?;
        out.table(&self.table())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }
}
