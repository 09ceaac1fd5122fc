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
    /// How far the runs vary among themselves: [`noise_band`] of the values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_band: Option<Band>,
}

/// The band a metric's runs stay in when nothing changed: their median ±
/// 3 × 1.4826 × their median absolute deviation (1.4826 × MAD estimates the
/// standard deviation of normal noise, and is not moved by the outliers
/// the band is there to show).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub low: f64,
    pub high: f64,
}

/// The median, by selection (no full sort); `v` is reordered.
fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    let (below, &mut upper, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    match n % 2 {
        1 => upper,
        _ => (below.iter().copied().fold(f64::NEG_INFINITY, f64::max) + upper) / 2.0,
    }
}

/// The noise band of `values`; none for fewer than three.
pub fn noise_band(values: &[f64]) -> Option<Band> {
    if values.len() < 3 {
        return None;
    }
    let mut v = values.to_vec();
    let m = median(&mut v);
    let mut dev: Vec<f64> = values.iter().map(|x| (x - m).abs()).collect();
    let spread = 3.0 * 1.4826 * median(&mut dev);
    Some(Band { low: m - spread, high: m + spread })
}

impl Trend {
    pub fn new(metric: &str, unit: Unit, points: Vec<TrendPoint>) -> Trend {
        let values: Vec<f64> = points.iter().map(|p| p.value).collect();
        let noise_band = noise_band(&values);
        Trend { schema: "fastware/trend/2".into(), metric: metric.into(), unit, points, noise_band }
    }

    /// True when `v` is outside the noise band.
    pub fn outside(&self, v: f64) -> bool {
        self.noise_band.is_some_and(|b| v < b.low || v > b.high)
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
        if let Some(b) = self.noise_band {
            // the band, clipped to the chart
            let (y0, y1) = (y(b.high.min(hi)), y(b.low.max(0.0)));
            let _ = write!(
                s,
                r##"<rect class="noise-band" x="{left}" y="{y0:.1}" width="{:.1}" height="{:.1}" fill="#1f6feb" fill-opacity="0.12" data-low="{}" data-high="{}"><title>noise band: {} to {} (median ± 3 × 1.4826 × MAD of these runs)</title></rect>"##,
                w - left - right,
                (y1 - y0).max(0.5),
                b.low,
                b.high,
                html::escape(&self.shown(b.low.max(0.0))),
                html::escape(&self.shown(b.high))
            );
        }
        let line: Vec<String> = values.iter().enumerate().map(|(k, &v)| format!("{:.1},{:.1}", x(k), y(v))).collect();
        let _ = write!(s, r##"<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="{}"/>"##, line.join(" "));
        for (k, p) in self.points.iter().enumerate() {
            let out = self.outside(p.value);
            let _ = write!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="{}" fill="{}"{}><title>run {}: {}{}</title></circle><text x="{:.1}" y="{}" text-anchor="middle">{}</text>"##,
                x(k),
                y(p.value),
                if out { 5.0 } else { 3.5 },
                if out { "#d62728" } else { "#1f6feb" },
                if out { r#" class="outside""# } else { "" },
                p.id,
                html::escape(&self.shown(p.value)),
                if out { ", outside the noise band" } else { "" },
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
        out.table(&self.table())?;
        if let Some(b) = self.noise_band {
            let outside: Vec<String> =
                self.points.iter().filter(|p| self.outside(p.value)).map(|p| p.id.to_string()).collect();
            out.line(format_args!(
                "noise band {} to {} (median ± 3 × 1.4826 × MAD); outside it: {}",
                self.shown(b.low.max(0.0)),
                self.shown(b.high),
                if outside.is_empty() { "none".to_string() } else { format!("run {}", outside.join(", ")) }
            ))?;
        }
        Ok(())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }
}

#[cfg(test)]
mod band_tests {
    use super::*;

    fn point(id: i64, value: f64) -> TrendPoint {
        TrendPoint { id, name: None, recorded_ms: 0, git_commit: None, value }
    }

    /// By hand: 10, 11, 12, 10, 40 have median 11; their distances from it,
    /// 1, 0, 1, 1, 29, have median 1; the band is 11 ± 3 × 1.4826 × 1.
    #[test]
    fn the_band_is_the_median_and_three_scaled_mads_and_marks_what_is_outside() {
        let t = Trend::new(
            "m",
            Unit::Count,
            [10.0, 11.0, 12.0, 10.0, 40.0].iter().zip(1..).map(|(&v, id)| point(id, v)).collect(),
        );
        let b = t.noise_band.expect("a band");
        assert!((b.low - (11.0 - 4.4478)).abs() < 1e-9 && (b.high - (11.0 + 4.4478)).abs() < 1e-9, "{b:?}");
        let outside: Vec<i64> = t.points.iter().filter(|p| t.outside(p.value)).map(|p| p.id).collect();
        assert_eq!(outside, [5]);
        let svg = t.svg();
        assert_eq!(svg.matches(r#"class="outside""#).count(), 1, "{svg}");
        assert!(svg.contains(&format!(r#"data-low="{}" data-high="{}""#, b.low, b.high)), "{svg}");
        let text = fastware_report::plain_text(&t);
        assert!(text.contains("outside it: run 5"), "{text}");
        // an even count: the median is the mean of the middle two (2.5), as
        // is that of the distances (0.5, 0.5, 1.5, 1.5 → 1)
        let even = Trend::new("m", Unit::Count, (1..=4).map(|k| point(k, k as f64)).collect());
        let b = even.noise_band.expect("a band");
        assert!((b.low - (2.5 - 4.4478)).abs() < 1e-9 && (b.high - (2.5 + 4.4478)).abs() < 1e-9, "{b:?}");
        // two runs: no band
        assert!(Trend::new("m", Unit::Count, vec![point(1, 1.0), point(2, 2.0)]).noise_band.is_none());
    }
}
