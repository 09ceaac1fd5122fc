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
