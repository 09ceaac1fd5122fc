//! `fastware report`: one self-contained HTML page of kept runs — a list of
//! them, each run's header (what it was measured on) and its section (the
//! HTML its command renders, given by the caller), and trends drawn as SVG.
//! No scripts, no styles or fonts fetched: the page opens anywhere.

use std::fmt::Write as _;

use fastware_report::html::{escape, page};

use crate::report::{commit, utc};
use crate::run::Run;
use crate::trend::Trend;

/// One run on the page, with the HTML of its result.
#[derive(Debug)]
pub struct RunSection<'a> {
    pub run: &'a Run,
    pub html: String,
}

/// The page.
pub fn report(store: &str, sections: &[RunSection<'_>], trends: &[Trend]) -> String {
    let mut body = String::new();
    let _ =
        write!(body, "<h1>fastware report</h1><p class=\"muted\">{} run(s) from {}</p>", sections.len(), escape(store));
    body.push_str("<h2 id=\"runs\">Runs</h2><table><thead><tr><th class=\"r\">run</th><th>recorded (UTC)</th><th>command</th><th>name</th><th>commit</th><th>branch</th></tr></thead><tbody>");
    for s in sections {
        let i = &s.run.info;
        let _ = write!(
            body,
            "<tr><td class=\"r\"><a href=\"#run-{id}\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            utc(i.recorded_ms),
            escape(&i.command),
            escape(i.name.as_deref().unwrap_or("")),
            escape(&commit(i)),
            escape(i.branch.as_deref().unwrap_or("")),
            id = i.id
        );
    }
    body.push_str("</tbody></table>");
    if !trends.is_empty() {
        body.push_str("<h2 id=\"trends\">Trends</h2>");
        for t in trends {
            let _ = write!(body, "<div class=\"trend\" data-metric=\"{}\">{}</div>", escape(&t.metric), t.svg());
        }
    }
    for s in sections {
        let i = &s.run.info;
        let c = &s.run.context;
        let facts: Vec<String> = [
            format!("{} UTC", utc(i.recorded_ms)),
            i.project.clone(),
            commit(i),
            format!("{}, {} cores", c.machine.cpu.as_deref().unwrap_or("CPU unknown"), c.machine.cores),
            c.rustc.as_deref().and_then(|r| r.lines().next()).unwrap_or("").to_string(),
        ]
        .into_iter()
        .filter(|f| !f.is_empty())
        .map(|f| escape(&f))
        .collect();
        let _ = write!(
            body,
            "<section class=\"run\" id=\"run-{}\" data-command=\"{}\"><h2>Run {}{}: fastware {}</h2><p class=\"muted\">{}</p>{}</section>",
            i.id,
            escape(&i.command),
            i.id,
            i.name.as_deref().map(|n| format!(" “{}”", escape(n))).unwrap_or_default(),
            escape(&i.command),
            facts.join(" · "),
            s.html
        );
    }
    page("fastware report", &body)
}
