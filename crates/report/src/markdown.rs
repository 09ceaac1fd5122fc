//! `--format markdown`: what a CI job posts as a pull-request comment
//! (GitHub-flavoured Markdown) — a compact table, the rows that need a
//! reader first, everything else in a collapsed `<details>`.

use crate::Text;

/// A cell's text made safe in a table: `|` escaped, line breaks as spaces,
/// and what Markdown would read as markup (`*`, `_`, `` ` ``, `<`) escaped.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Prose with `code spans` kept as code: outside the backticks, what
/// Markdown or HTML would read as markup is escaped (all of it when the
/// backticks do not pair).
pub fn prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return cell(s);
    }
    let mut out = String::with_capacity(s.len());
    for (i, p) in parts.iter().enumerate() {
        if i % 2 == 1 {
            out.push('`');
            out.push_str(&p.replace(['\n', '\r'], " "));
            out.push('`');
        } else {
            for c in p.chars() {
                match c {
                    '*' | '<' | '>' | '[' | ']' | '\\' | '|' => {
                        out.push('\\');
                        out.push(c);
                    }
                    '\n' | '\r' => out.push(' '),
                    c => out.push(c),
                }
            }
        }
    }
    out
}

/// Code in a cell: in backticks (a backtick inside becomes `'`), `|` escaped.
pub fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'").replace('|', "\\|").replace(['\n', '\r'], " "))
}

/// A table: `header` names the columns (a trailing `:` aligns one right);
/// cells are written as given (escape them with [`cell`] or [`code`]).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = String::new();
    let names: Vec<&str> = header.iter().map(|h| h.trim_end_matches(':')).collect();
    s.push_str(&format!("| {} |\n", names.join(" | ")));
    let rules: Vec<&str> = header.iter().map(|h| if h.ends_with(':') { "---:" } else { "---" }).collect();
    s.push_str(&format!("|{}|\n", rules.join("|")));
    for r in rows {
        s.push_str(&format!("| {} |\n", r.join(" | ")));
    }
    s
}

/// A collapsed section: `summary` shown, `body` (Markdown) on a click.
pub fn details(summary: &str, body: &str) -> String {
    format!("<details><summary>{}</summary>\n\n{}\n</details>\n", cell(summary), body.trim_end())
}

/// A result's text report in a collapsed code block (the fallback for
/// results without a table of their own).
pub fn text_block(summary: &str, result: &impl crate::Render) -> String {
    let mut bytes = Vec::new();
    let _ = result.text(&mut Text::new(&mut bytes, None, false));
    let text = String::from_utf8_lossy(&bytes).replace("```", "'''");
    details(summary, &format!("```text\n{}\n```", text.trim_end()))
}

/// One numbered finding: its rule, title and what to try; `more`
/// (Markdown: figures, why, how to test) collapsed under it.
pub fn finding(n: usize, rule: &str, title: &str, change: &str, more: &str) -> String {
    let mut s = format!("{n}. **{}** {}  \n   try: {}\n", cell(rule), prose(title), prose(change));
    for line in details("figures, why, how to test", more).lines() {
        s.push_str(&format!("   {line}\n"));
    }
    s
}

/// Findings made by [`finding`], under a heading; nothing when none.
pub fn findings(items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    format!("#### Findings\n\n{}", items.concat())
}

/// One compared row: its verdict (`regressed`, `improved`, anything else
/// is no change), its relative change, and its cells (escaped).
pub struct Compared {
    pub verdict: String,
    pub change: f64,
    pub cells: Vec<String>,
}

/// A comparison as a comment: the headline, then the regressions (largest
/// first) and improvements (largest first) in one table, the rest
/// collapsed; `notes` (escaped Markdown) under it.
pub fn comparison(headline: &str, header: &[&str], mut rows: Vec<Compared>, notes: &[String]) -> String {
    let mut s = format!("### {}\n\n", cell(headline));
    let rank = |r: &Compared| match r.verdict.as_str() {
        "regressed" => 0,
        "improved" => 1,
        _ => 2,
    };
    rows.sort_by(|a, b| {
        rank(a).cmp(&rank(b)).then_with(|| match rank(a) {
            0 => b.change.total_cmp(&a.change),
            _ => a.change.total_cmp(&b.change),
        })
    });
    let split = rows.iter().position(|r| rank(r) == 2).unwrap_or(rows.len());
    let shown: Vec<Vec<String>> = rows[..split]
        .iter()
        .map(|r| {
            let mut c = r.cells.clone();
            c.push(match rank(r) {
                0 => "**regressed**".into(),
                _ => "improved".into(),
            });
            c
        })
        .collect();
    let mut head: Vec<&str> = header.to_vec();
    head.push("verdict");
    if shown.is_empty() {
        s.push_str("No change beyond the noise.\n\n");
    } else {
        s.push_str(&table(&head, &shown));
        s.push('\n');
    }
    let rest: Vec<Vec<String>> = rows[split..]
        .iter()
        .map(|r| {
            let mut c = r.cells.clone();
            c.push(cell(&r.verdict));
            c
        })
        .collect();
    if !rest.is_empty() {
        s.push_str(&details(&format!("{} without a change", rest.len()), &table(&head, &rest)));
        s.push('\n');
    }
    for n in notes {
        s.push_str(&format!("<sub>{n}</sub>\n\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b *c* <d>\nx"), "a\\|b \\*c\\* \\<d\\> x");
        assert_eq!(code("Vec<u8> | `x`"), "`Vec<u8> \\| 'x'`");
        assert_eq!(prose("set `lto = \"off\"` in <profile> *now*"), "set `lto = \"off\"` in \\<profile\\> \\*now\\*");
        assert_eq!(prose("a ` b <c>"), "a \\` b \\<c\\>");
        let t = table(&["name", "change:"], &[vec!["a".into(), "+1%".into()]]);
        assert_eq!(t, "| name | change |\n|---|---:|\n| a | +1% |\n");
    }

    #[test]
    fn regressions_come_first_then_improvements_then_the_rest_collapsed() {
        let row = |v: &str, c: f64| Compared { verdict: v.into(), change: c, cells: vec![format!("{c}")] };
        let s = comparison(
            "2 regressed",
            &["change:"],
            vec![
                row("no change", 0.01),
                row("improved", -0.1),
                row("regressed", 0.2),
                row("regressed", 0.5),
                row("improved", -0.3),
            ],
            &[],
        );
        let order: Vec<&str> = s.lines().filter(|l| l.starts_with("| 0") || l.starts_with("| -")).collect();
        assert_eq!(
            order,
            [
                "| 0.5 | **regressed** |",
                "| 0.2 | **regressed** |",
                "| -0.3 | improved |",
                "| -0.1 | improved |",
                "| 0.01 | no change |"
            ]
        );
        assert!(s.contains("<details><summary>1 without a change</summary>"), "{s}");
    }
}
