//! A run-time finding, as `profile` and `heap` give them: the rule, what
//! was measured (with where the number is in the JSON), what to try, why,
//! and how to test the change. Rendered the same way everywhere.

use serde::{Deserialize, Serialize};

use crate::Text;

/// One number a finding rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub what: String,
    pub value: f64,
    /// `share`, `calls`, `bytes`, `blocks`, `functions`, `flag`.
    pub unit: String,
    /// Where the same number is in the JSON report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

impl Evidence {
    pub fn new(what: impl Into<String>, value: f64, unit: &str, pointer: Option<String>) -> Evidence {
        Evidence { what: what.into(), value, unit: unit.into(), pointer }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's stable name (`allocator`, `short-lived` …).
    pub rule: String,
    pub title: String,
    pub evidence: Vec<Evidence>,
    /// What to change.
    #[serde(rename = "try")]
    pub change: String,
    pub why: String,
    /// How to test the change.
    pub test: String,
}

/// The findings as text, numbered, under a title; nothing when there are none.
pub fn write(findings: &[Finding], out: &mut Text<'_>) -> std::io::Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    out.blank()?;
    out.line("Findings")?;
    for (i, x) in findings.iter().enumerate() {
        out.line(format_args!("{}. [{}] {}", i + 1, x.rule, x.title))?;
        out.line(format_args!("   try: {}", x.change))?;
        out.line(format_args!("   why: {}", x.why))?;
        out.line(format_args!("   {}", x.test))?;
    }
    Ok(())
}

/// The findings as Markdown for a pull-request comment: numbered, each
/// with what to try, its figures and why collapsed; nothing when none.
pub fn markdown(findings: &[Finding]) -> String {
    use crate::markdown::{cell, prose};
    let items: Vec<String> = findings
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let figures: Vec<String> =
                x.evidence.iter().map(|e| format!("- {}: {} {}", prose(&e.what), e.value, cell(&e.unit))).collect();
            let more = format!("{}\n\nwhy: {}\n\n{}", figures.join("\n"), prose(&x.why), prose(&x.test));
            crate::markdown::finding(i + 1, &x.rule, &x.title, &x.change, &more)
        })
        .collect();
    crate::markdown::findings(&items)
}
