//! Self-contained HTML pages: no network, no external scripts or styles.

use crate::table::{Align, Table};

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.15em .6em;border-bottom:1px solid #eee;vertical-align:top}\
th{text-align:left;background:#f6f6f6}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}\
.finding{border-left:4px solid #c62;background:#fdf6f0;padding:.5em 1em;margin:1em 0}\
.finding h3{margin:.2em 0;font-size:1.05em}.muted{color:#777}code{background:#f2f2f2;padding:0 .2em}\
svg text{font:11px sans-serif}";

/// A whole page.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"generator\" content=\"fastware\"><title>{}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n",
        escape(title)
    )
}

/// A table, as its terminal rendering shows it.
pub fn table(t: &Table) -> String {
    let mut out = String::from("<table><thead><tr>");
    for c in &t.columns {
        let class = if c.align == Align::Right { " class=\"r\"" } else { "" };
        out.push_str(&format!("<th{class}>{}</th>", escape(&c.title)));
    }
    out.push_str("</tr></thead><tbody>");
    for row in t.rows() {
        out.push_str("<tr>");
        for (c, (display, _)) in t.columns.iter().zip(row) {
            let class = if c.align == Align::Right { " class=\"r\"" } else { "" };
            out.push_str(&format!("<td{class}>{}</td>", escape(display)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// Text as HTML with its `backtick` spans as code: escaped, then each pair
/// of backticks made a `<code>` element (an unpaired one stays as it is).
pub fn with_code(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let mut out = String::with_capacity(text.len() + 16);
    for (k, part) in parts.iter().enumerate() {
        let paired = k % 2 == 1 && k + 1 < parts.len();
        let unpaired_tail = k % 2 == 1 && !paired;
        if paired {
            out.push_str("<code>");
            out.push_str(&escape(part));
            out.push_str("</code>");
        } else {
            if unpaired_tail {
                out.push('`');
            }
            out.push_str(&escape(part));
        }
    }
    out
}

/// Text in a `<pre>`, escaped.
pub fn preformatted(text: &str) -> String {
    format!("<pre>{}</pre>", escape(text))
}

#[cfg(test)]
mod code_tests {
    #[test]
    fn backticks_become_code() {
        assert_eq!(
            super::with_code("set `lto = \"off\"` in <release>"),
            "set <code>lto = &quot;off&quot;</code> in &lt;release&gt;"
        );
        assert_eq!(super::with_code("a `b` c `d"), "a <code>b</code> c `d");
        assert_eq!(super::with_code("none"), "none");
    }
}

/// One bar of [`bars`]: its label, its value (what the length shows), the
/// value as people read it, and an optional interval `(low, high)` drawn
/// as a whisker, in the value's unit.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
    pub interval: Option<(f64, f64)>,
    /// A colour for this bar (else the chart's).
    pub colour: Option<&'static str>,
}

/// A horizontal bar chart as inline SVG: one row per bar, lengths to one
/// scale from zero, each bar's `data-value` its value and its tooltip its
/// label and shown value; `what` names the measure under the chart.
pub fn bars(rows: &[Bar], what: &str) -> String {
    let (w, label_w, bar_h, gap) = (760.0, 300.0, BAR_H, 5.0);
    let max = rows
        .iter()
        .map(|b| b.interval.map_or(b.value, |(_, hi)| hi.max(b.value)))
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let scale = (w - label_w - 110.0) / max;
    let h = rows.len() as f64 * (bar_h + gap) + 24.0;
    let mut s = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" class="bars">"#);
    for (i, b) in rows.iter().enumerate() {
        let y = i as f64 * (bar_h + gap);
        let len = (b.value.max(0.0) * scale).max(0.5);
        bar_row(&mut s, b, label_w, y, (label_w, len), b.colour.unwrap_or("#1f77b4"), (label_w + len + 4.0, "start"));
        if let Some((lo, hi)) = b.interval {
            let (x0, x1, ym) = (label_w + lo.max(0.0) * scale, label_w + hi.max(0.0) * scale, y + bar_h / 2.0);
            s.push_str(&format!(
                r##"<line x1="{x0:.1}" y1="{ym:.1}" x2="{x1:.1}" y2="{ym:.1}" stroke="#222" data-low="{lo}" data-high="{hi}"/>"##
            ));
        }
    }
    s.push_str(&format!(r##"<text x="{label_w}" y="{:.1}" fill="#777">{}</text></svg>"##, h - 6.0, escape(what)));
    s
}

/// Height of a bar in [`bars`] and [`diverging`].
const BAR_H: f64 = 16.0;

/// One row of a bar chart: the label right-aligned before `label_w`, the
/// bar at `span` (x, length) with its value and tooltip, the shown value
/// at (x, text-anchor).
fn bar_row(s: &mut String, b: &Bar, label_w: f64, y: f64, span: (f64, f64), colour: &str, shown_at: (f64, &str)) {
    let (x, len) = span;
    let (tx, anchor) = shown_at;
    let ty = y + BAR_H * 0.8;
    s.push_str(&format!(
        r#"<text x="{:.1}" y="{ty:.1}" text-anchor="end">{}</text><rect x="{x:.2}" y="{y:.1}" width="{len:.2}" height="{BAR_H}" fill="{colour}" data-value="{}"><title>{}: {}</title></rect><text x="{tx:.1}" y="{ty:.1}" text-anchor="{anchor}">{}</text>"#,
        label_w - 6.0,
        escape(&b.label),
        b.value,
        escape(&b.label),
        escape(&b.shown),
        escape(&b.shown)
    ));
}

/// Bars either side of a zero line, to one scale: a rise (a positive
/// value) to the right in red, a fall to the left in green; each bar's
/// `data-value` its signed value, its tooltip its label and shown value.
pub fn diverging(rows: &[Bar], what: &str) -> String {
    let (w, label_w, bar_h, gap) = (760.0, 300.0, BAR_H, 5.0);
    let reach = rows.iter().map(|b| b.value.abs()).fold(0.0_f64, f64::max).max(f64::MIN_POSITIVE);
    let half = (w - label_w - 20.0) / 2.0;
    let zero = label_w + half;
    let h = rows.len() as f64 * (bar_h + gap) + 24.0;
    let mut s = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" class="diverging">"#);
    s.push_str(&format!(r##"<line x1="{zero}" x2="{zero}" y1="0" y2="{:.1}" stroke="#444"/>"##, h - 24.0));
    for (i, b) in rows.iter().enumerate() {
        let y = i as f64 * (bar_h + gap);
        let len = (b.value.abs() / reach * (half - 70.0)).max(0.5);
        let (x, colour) = if b.value >= 0.0 { (zero, "#d62728") } else { (zero - len, "#2ca02c") };
        let shown_at = if b.value >= 0.0 { (zero + len + 4.0, "start") } else { (zero - len - 4.0, "end") };
        bar_row(&mut s, b, label_w, y, (x, len), b.colour.unwrap_or(colour), shown_at);
    }
    s.push_str(&format!(r##"<text x="{label_w}" y="{:.1}" fill="#777">{}</text></svg>"##, h - 6.0, escape(what)));
    s
}

/// The colour of a comparison's verdict: regressions red, improvements
/// green, the rest grey.
pub fn verdict_colour(verdict: &str) -> &'static str {
    match verdict {
        "regressed" => "#d62728",
        "improved" => "#2ca02c",
        _ => "#555555",
    }
}

/// One row of [`forest`]: a change (a fraction: 0.1 is 10% slower) with
/// its interval, and the colour of its verdict.
pub struct ForestRow {
    pub label: String,
    pub change: f64,
    pub interval: Option<(f64, f64)>,
    pub colour: &'static str,
    /// The verdict, for the tooltip.
    pub verdict: String,
}

/// A forest plot as inline SVG: one row per comparison, its change as a
/// dot and its interval as a line on one axis of percent change, zero
/// marked and the band ±`band` (the noise threshold) shaded. Each dot's
/// `data-change` and each line's `data-low`/`data-high` carry the fractions.
pub fn forest(rows: &[ForestRow], band: f64, what: &str) -> String {
    let (w, label_w, row_h, top) = (760.0, 300.0, 21.0, 8.0);
    let reach = rows
        .iter()
        .flat_map(|r| [Some(r.change), r.interval.map(|i| i.0), r.interval.map(|i| i.1)])
        .flatten()
        .chain([band])
        .filter(|v| v.is_finite())
        .fold(0.0_f64, |m, v| m.max(v.abs()))
        .max(0.01);
    // a round reach (1, 2 or 5 × a power of ten), ticks at its halves
    let power = 10f64.powf(reach.log10().floor());
    let reach = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|r| *r >= reach).unwrap_or(10.0 * power);
    let (x0, x1) = (label_w, w - 20.0);
    let x = |v: f64| x0 + (x1 - x0) * (v.clamp(-reach, reach) + reach) / (2.0 * reach);
    let h = top + rows.len() as f64 * row_h + 44.0;
    let bottom = top + rows.len() as f64 * row_h;
    let mut s = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" class="forest">"#);
    s.push_str(&format!(
        r##"<rect class="noise-band" x="{:.1}" y="{top}" width="{:.1}" height="{:.1}" fill="#999" fill-opacity="0.18" data-band="{band}"><title>within ±{:.1}%: no change</title></rect>"##,
        x(-band),
        x(band) - x(-band),
        bottom - top,
        band * 100.0
    ));
    s.push_str(&format!(r##"<line x1="{0:.1}" x2="{0:.1}" y1="{top}" y2="{bottom:.1}" stroke="#444"/>"##, x(0.0)));
    for (i, r) in rows.iter().enumerate() {
        let y = top + i as f64 * row_h + row_h / 2.0;
        s.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            label_w - 8.0,
            y + 4.0,
            escape(&r.label)
        ));
        if let Some((lo, hi)) = r.interval {
            s.push_str(&format!(
                r#"<line x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{}" stroke-width="2" data-low="{lo}" data-high="{hi}"/>"#,
                x(lo),
                x(hi),
                r.colour
            ));
        }
        s.push_str(&format!(
            r#"<circle cx="{:.1}" cy="{y:.1}" r="4.5" fill="{}" data-change="{}"><title>{}: {:+.1}% ({})</title></circle>"#,
            x(r.change),
            r.colour,
            r.change,
            escape(&r.label),
            r.change * 100.0,
            escape(&r.verdict)
        ));
    }
    for t in [-reach, -reach / 2.0, 0.0, reach / 2.0, reach] {
        s.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555">{:+.0}%</text>"##,
            x(t),
            bottom + 16.0,
            t * 100.0
        ));
    }
    s.push_str(&format!(r##"<text x="{x0}" y="{:.1}" fill="#777">{}</text></svg>"##, h - 6.0, escape(what)));
    s
}

/// A picture above a result's text report: a kind's section on the page.
pub fn picture_and_text(picture: String, result: &impl crate::Render) -> String {
    picture + &preformatted(&crate::plain_text(result))
}
