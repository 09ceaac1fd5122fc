//! The SVG charts of a matrix: the line chart of a numeric sweep (one
//! axis whose values are numbers: `opt-level=0,1,2,3`,
//! `-inline-threshold={10,50,225,500}`), the chosen time and the artifact
//! size against the value; and the trade-off of any plan, each cell's
//! time against its size with the Pareto front marked. Drawn by hand:
//! polylines, dots and their labels are less than a plotting crate costs
//! to build.

use std::fmt::Write as _;

use fastware_report::json::Duration;

use crate::report::{MatrixReport, Measure};

/// The number a value sweeps: the last number in it (`…threshold=225` → 225).
fn number(v: &str) -> Option<f64> {
    let bytes = v.as_bytes();
    let end = bytes.iter().rposition(|b| b.is_ascii_digit())? + 1;
    let mut start = end;
    while start > 0 && (bytes[start - 1].is_ascii_digit() || bytes[start - 1] == b'.') {
        start -= 1;
    }
    v[start..end].parse().ok()
}

/// One point of a sweep: (value, time, size in bytes).
pub type Point = (f64, Option<Duration>, Option<u64>);

/// The points of a one-axis numeric sweep, by value; `None` when the plan
/// is not one.
pub fn sweep(r: &MatrixReport) -> Option<Vec<Point>> {
    if r.axes.len() != 1 {
        return None;
    }
    let mut points = Vec::new();
    for c in r.cells.iter().filter(|c| c.id != r.baseline || !c.settings.is_empty()) {
        let (_, v) = c.settings.first()?;
        points.push((number(v)?, c.time(r.measure).map(|f| f.median), c.size));
    }
    let mut xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    if xs.len() != points.len() || points.len() < 2 {
        return None;
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    Some(points)
}

/// The chart as SVG text.
pub fn svg(r: &MatrixReport, points: &[Point]) -> String {
    let (w, h, left, right, top, bottom) = (720.0, 360.0, 70.0, 80.0, 40.0, 50.0);
    let (x0, x1) = (points[0].0, points[points.len() - 1].0);
    let px = |x: f64| left + (x - x0) / (x1 - x0).max(f64::EPSILON) * (w - left - right);
    let times: Vec<f64> = points.iter().filter_map(|p| p.1.map(|t| t.ns() as f64)).collect();
    let sizes: Vec<f64> = points.iter().filter_map(|p| p.2.map(|s| s as f64)).collect();
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max).max(f64::EPSILON) * 1.1;
    let (tmax, smax) = (max(&times), max(&sizes));
    let py = |v: f64, m: f64| top + (1.0 - v / m) * (h - top - bottom);
    let what = timed(r.measure);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{left}" y="20" font-size="14">{} — {what} (blue, left) and size (orange, right)</text>
<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="#444"/>
<line x1="{left}" y1="{top}" x2="{left}" y2="{}" stroke="#444"/>
<line x1="{}" y1="{top}" x2="{}" y2="{}" stroke="#444"/>
"##,
        escape(&r.axes[0].name),
        h - bottom,
        w - right,
        h - bottom,
        h - bottom,
        w - right,
        w - right,
        h - bottom,
    );
    let _ = writeln!(
        s,
        r#"<text x="{left}" y="{}" text-anchor="end" dx="-6">{}</text>"#,
        top + 4.0,
        crate::report::time(Duration::from_nanos(tmax as i64))
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" dx="6">{}</text>"#,
        w - right,
        top + 4.0,
        fastware_report::units::bytes(smax as u64)
    );
    for (x, t, z) in points {
        let _ = writeln!(s, r#"<text x="{}" y="{}" text-anchor="middle">{x}</text>"#, px(*x), h - bottom + 18.0);
        if let Some(t) = t {
            let _ = writeln!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="#1f77b4"><title>{x}: {}</title></circle>"##,
                px(*x),
                py(t.ns() as f64, tmax),
                crate::report::time(*t)
            );
        }
        if let Some(z) = z {
            let _ = writeln!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="#ff7f0e"><title>{x}: {}</title></circle>"##,
                px(*x),
                py(*z as f64, smax),
                fastware_report::units::bytes(*z)
            );
        }
    }
    let line = |pts: Vec<(f64, f64)>, m: f64, colour: &str| -> String {
        let p: Vec<String> = pts.iter().map(|(x, v)| format!("{:.1},{:.1}", px(*x), py(*v, m))).collect();
        format!("<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\n", p.join(" "))
    };
    s.push_str(&line(points.iter().filter_map(|p| p.1.map(|t| (p.0, t.ns() as f64))).collect(), tmax, "#1f77b4"));
    s.push_str(&line(points.iter().filter_map(|p| p.2.map(|z| (p.0, z as f64))).collect(), smax, "#ff7f0e"));
    s.push_str("</svg>\n");
    s
}

/// The trade-off chart: each cell's time (the plan's measure) against its
/// artifact's size, the cells no other beats on both (the Pareto front)
/// green and joined, the rest grey; `None` with fewer than two cells that
/// have both.
pub fn tradeoff(r: &MatrixReport) -> Option<String> {
    let cells: Vec<(&str, f64, u64)> = r
        .cells
        .iter()
        .filter_map(|c| Some((c.name.as_str(), c.time(r.measure)?.median.ns() as f64, c.size?)))
        .collect();
    if cells.len() < 2 {
        return None;
    }
    // on the front: no other cell as fast and as small, and better in one
    let front: Vec<bool> = cells
        .iter()
        .map(|&(_, t, z)| !cells.iter().any(|&(_, t2, z2)| t2 <= t && z2 <= z && (t2 < t || z2 < z)))
        .collect();
    let (w, h, left, right, top, bottom) = (720.0, 360.0, 80.0, 200.0, 40.0, 50.0);
    let span = |v: Vec<f64>| {
        let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1.0);
        (lo - pad, hi + pad)
    };
    let (z0, z1) = span(cells.iter().map(|c| c.2 as f64).collect());
    let (t0, t1) = span(cells.iter().map(|c| c.1).collect());
    let px = |z: f64| left + (z - z0) / (z1 - z0) * (w - left - right);
    let py = |t: f64| top + (1.0 - (t - t0) / (t1 - t0)) * (h - top - bottom);
    let what = timed(r.measure);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{left}" y="20" font-size="14">{what} against artifact size per cell (green: none beats them on both)</text>
<line x1="{left}" y1="{b}" x2="{r}" y2="{b}" stroke="#444"/>
<line x1="{left}" y1="{top}" x2="{left}" y2="{b}" stroke="#444"/>
<text x="{left}" y="{ty}" text-anchor="end" dx="-6">{tmax}</text>
<text x="{left}" y="{b}" text-anchor="end" dx="-6">{tmin}</text>
<text x="{left}" y="{zy}">{zmin}</text>
<text x="{r}" y="{zy}" text-anchor="end">{zmax}</text>
"##,
        b = h - bottom,
        r = w - right,
        ty = top + 4.0,
        zy = h - bottom + 18.0,
        tmax = crate::report::time(Duration::from_nanos(t1 as i64)),
        tmin = crate::report::time(Duration::from_nanos(t0.max(0.0) as i64)),
        zmin = fastware_report::units::bytes(z0.max(0.0) as u64),
        zmax = fastware_report::units::bytes(z1 as u64),
    );
    let mut on_front: Vec<(f64, f64)> =
        cells.iter().zip(&front).filter(|(_, &f)| f).map(|(c, _)| (c.2 as f64, c.1)).collect();
    on_front.sort_by(|a, b| a.0.total_cmp(&b.0));
    let joined: Vec<String> = on_front.iter().map(|&(z, t)| format!("{:.1},{:.1}", px(z), py(t))).collect();
    let _ = writeln!(s, r##"<polyline fill="none" stroke="#2ca02c" stroke-width="2" points="{}"/>"##, joined.join(" "));
    for (&(name, t, z), &f) in cells.iter().zip(&front) {
        let (x, y) = (px(z as f64), py(t));
        let shown = format!(
            "{name}: {}, {}",
            crate::report::time(Duration::from_nanos(t as i64)),
            fastware_report::units::bytes(z)
        );
        let _ = writeln!(
            s,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="5" fill="{}" data-cell="{}" data-time-ns="{t}" data-size="{z}" data-front="{f}"><title>{}</title></circle>"##,
            if f { "#2ca02c" } else { "#999" },
            escape(name),
            escape(&shown)
        );
        let colour = if f { "#222" } else { "#777" };
        let _ = writeln!(s, r#"<text x="{x:.1}" y="{y:.1}" dx="8" dy="4" fill="{colour}">{}</text>"#, escape(name));
    }
    s.push_str("</svg>\n");
    Some(s)
}

/// What a chart's time is, for its title.
fn timed(m: Measure) -> &'static str {
    match m {
        Measure::Hot => "hot rebuild",
        Measure::Run => "run time",
        _ => "build time",
    }
}

fn escape(t: &str) -> String {
    fastware_report::html::escape(&t.replace(|c: char| c.is_control(), ""))
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn the_swept_number_is_the_last_in_the_value() {
        assert_eq!(number("-Cllvm-args=-inline-threshold=225"), Some(225.0));
        assert_eq!(number("3"), Some(3.0));
        assert_eq!(number("s"), None);
    }
}
