//! The diagnosis for people: text for a terminal, and one self-contained
//! HTML page; both drawn from the [`BuildReport`] that `--format json` writes.

use std::fmt::Write as _;
use std::io;

use fastware_report::html::{escape, page, table, with_code};
use fastware_report::units::{counted, duration};
use fastware_report::{cells, Column, Duration, Render, Table, Text};

use crate::report::{BuildReport, EvidenceReport, UnitReport};

fn secs(v: Option<Duration>) -> (String, String) {
    match v {
        Some(x) => cells::time(x.ns()),
        None => ("-".into(), String::new()),
    }
}

fn settings_text(u: &UnitReport) -> String {
    u.settings.as_ref().map_or_else(String::new, |st| {
        let mut parts = Vec::new();
        if let Some(o) = &st.opt_level {
            parts.push(format!("opt {o}"));
        }
        if let Some(l) = &st.lto {
            parts.push(format!("lto {l}"));
        }
        if let Some(g) = &st.debuginfo {
            parts.push(format!("debug {g}"));
        }
        if st.incremental {
            parts.push("incremental".into());
        }
        parts.join(", ")
    })
}

fn path_table(d: &BuildReport) -> Table {
    let mut t = Table::new(vec![
        Column::right("start", "start_us"),
        Column::right("end", "end_us"),
        Column::right("on path", "on_path_us"),
        Column::right("waited", "waited_us"),
        Column::left("unit", "unit"),
    ]);
    for p in &d.critical_path {
        let label = if p.until_rmeta { format!("{} (until its metadata)", p.unit) } else { p.unit.clone() };
        t.row(vec![
            secs(Some(p.start_us)),
            secs(Some(p.end_us)),
            secs(Some(p.on_path_us)),
            secs(Some(p.waited_us)),
            (label.clone(), label),
        ]);
    }
    t
}

fn unit_table(d: &BuildReport, top: usize) -> Table {
    let mut t = Table::new(vec![
        Column::right("time", "duration_us"),
        Column::right("frontend", "frontend_us"),
        Column::right("codegen", "codegen_us"),
        Column::right("link", "link_us"),
        Column::right("alone", "alone_us"),
        Column::left("settings", "settings"),
        Column::left("unit", "unit"),
    ]);
    for u in d.built().take(if top == 0 { usize::MAX } else { top }) {
        let mark = if u.on_critical_path { " *" } else { "" };
        t.row(vec![
            secs(Some(u.duration_us)),
            secs(u.frontend_us),
            secs(u.codegen_us),
            secs(u.link_us),
            secs(Some(u.alone_us)),
            cells::text(&settings_text(u)),
            (format!("{}{mark}", u.unit), u.unit.clone()),
        ]);
    }
    t
}

impl Render for BuildReport {
    fn text(&self, out: &mut Text<'_>) -> io::Result<()> {
        write_text(self, self.top, out)
    }

    fn csv(&self) -> fastware_report::Result<Table> {
        Err(fastware_report::FormatError::TableOrJson { command: "build".into() }.into())
    }

    /// The build's headline and its findings, each with the matrix run that tests it.
    fn markdown(&self) -> fastware_report::Result<String> {
        use fastware_report::markdown::{cell, code, finding, findings, prose};
        let b = &self.build;
        let mut s = format!(
            "### fastware build: {} {} build, {:.2} s wall ({}); {} built, {:.2} units running on average\n\n",
            if self.hot.is_some() { "hot" } else { "cold" },
            cell(&self.profile),
            b.wall_us.secs(),
            if b.interrupted {
                "interrupted"
            } else if b.success {
                "finished"
            } else {
                "**failed**"
            },
            counted(b.units_built, "unit"),
            b.parallelism
        );
        if let Some(last) = self.critical_path.last() {
            s.push_str(&format!(
                "critical path: {:.2} s, {} units, ending in {}\n\n",
                b.span_us.secs(),
                self.critical_path.len(),
                code(&last.unit)
            ));
        }
        let items: Vec<String> = self
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let figure = |e: &crate::report::EvidenceReport| match e.measure.as_str() {
                    "microseconds" => fastware_report::units::duration((e.value * 1000.0).round() as i64),
                    "share" => format!("{:.1}%", e.value * 100.0),
                    _ => format!("{}", e.value),
                };
                let mut more: Vec<String> =
                    f.evidence.iter().map(|e| format!("- {}: {}", prose(&e.what), figure(e))).collect();
                more.push(String::new());
                more.push(format!("why: {}", prose(&f.why)));
                if !f.also.is_empty() {
                    more.push(format!(
                        "also: {}",
                        f.also.iter().map(|a| code(&a.subject)).collect::<Vec<_>>().join(", ")
                    ));
                }
                if let Some(c) = f.experiment_command() {
                    more.push(String::new());
                    more.push(format!("test it: {}", code(&c)));
                }
                finding(i + 1, &f.rule, &f.title, &f.change, &more.join("\n"))
            })
            .collect();
        if items.is_empty() {
            s.push_str("No finding.\n");
        }
        s.push_str(&findings(&items));
        Ok(s)
    }
}

impl fastware_report::Kind for BuildReport {
    const SCHEMA: &'static str = crate::report::SCHEMA;
    const COMMAND: &'static str = "build";
    const METRICS: &'static str = "wall, span, unit:NAME (a unit's or package's time)";

    fn show(&self, top: Option<usize>, out: &mut Text<'_>) -> io::Result<()> {
        write_text(self, top.unwrap_or(15), out)
    }

    fn metric(&self, name: &str) -> Option<fastware_report::Metric> {
        self.metric(name).map(|d| fastware_report::Metric::Nanos(d.ns() as f64))
    }

    fn section(&self) -> Option<String> {
        Some(body(self, 0))
    }

    fn diff(
        base: &Self,
        new: &Self,
        ctx: &fastware_report::DiffContext<'_, Self>,
    ) -> Result<Option<Box<dyn fastware_report::DynRender>>, fastware_report::Error> {
        fastware_report::compared(crate::diff::BuildDiff::new(
            &ctx.base_label,
            base,
            &ctx.new_label,
            new,
            ctx.top.unwrap_or(25),
        ))
    }
}

/// The build's text report, with `top` rows in the units table (0: all).
pub fn write_text(d: &BuildReport, top: usize, out: &mut Text<'_>) -> io::Result<()> {
    let b = &d.build;
    let status = if b.interrupted {
        "interrupted"
    } else if b.success {
        "finished"
    } else {
        "FAILED"
    };
    out.line(format_args!(
        "{} {} build of {}: {} in {:.2} s wall; {} built, {} fresh; {} jobs, {:.2} units running on average",
        if d.hot.is_some() { "hot" } else { "cold" },
        d.profile,
        d.project.display(),
        status,
        b.wall_us.secs(),
        counted(b.units_built, "unit"),
        b.units_fresh,
        b.jobs.map_or("?".into(), |j| j.to_string()),
        b.parallelism
    ))?;
    if let Some(h) = &d.hot {
        out.line(format_args!(
            "marked {} as changed (without touching it) after a {:.2} s warm-up build; rebuilt:",
            h.file.display(),
            h.warmup_wall_us.secs()
        ))?;
        for u in d.units.iter().filter(|u| u.freshness == "dirty") {
            out.line(format_args!(
                "  {:.2} s  {}: {}",
                u.duration_us.secs(),
                u.unit,
                u.reason.as_deref().unwrap_or("dependency rebuilt")
            ))?;
        }
    }
    if !b.errors.is_empty() {
        out.blank()?;
        out.line("cargo's errors:")?;
        for l in &b.errors {
            out.line(format_args!("  {l}"))?;
        }
    }
    if !d.critical_path.is_empty() {
        out.blank()?;
        out.line(format_args!("Critical path: the chain of units that set the wall time ({:.2} s)", b.span_us.secs()))?;
        out.table(&path_table(d))?;
    }
    if d.built().next().is_some() {
        out.blank()?;
        out.line("Slowest units (cargo's sections; * on the critical path; alone: time no other unit ran)")?;
        out.table(&unit_table(d, top))?;
    }
    for c in &d.deep {
        out.blank()?;
        out.line(format_args!(
            "{}: {} of rustc time (sum over its threads), busy {}",
            c.crate_name,
            duration(c.total_us.ns()),
            duration(c.busy_us.ns())
        ))?;
        let phases: Vec<String> = c
            .phases
            .0
            .iter()
            .filter(|(_, t, _)| t.ns() > 0)
            .take(6)
            .map(|(p, t, _)| {
                format!(
                    "{} {} ({})",
                    p.name(),
                    duration(t.ns()),
                    fastware_report::units::percent(t.ns(), c.busy_us.ns())
                )
            })
            .collect();
        out.line(format_args!("  phases: {}", phases.join(", ")))?;
        let labels: Vec<String> =
            c.top_labels.iter().take(5).map(|l| format!("{} {}", l.label, duration(l.self_time_us.ns()))).collect();
        out.line(format_args!("  top queries (self time): {}", labels.join(", ")))?;
        for e in c.longest.iter().take(3) {
            let arg = e
                .args
                .first()
                .map(|a| fastware_selfprof::longest::abbreviate(fastware_selfprof::longest::readable_arg(a), 3, 100))
                .unwrap_or_default();
            let line = format!("  longest: {} {} {}", duration(e.duration_us.ns()), e.label, arg);
            out.line(line.trim_end())?;
        }
        if let Some(l) = &c.llvm {
            out.line(format_args!(
                "  LLVM: busy {} (summed over threads), {} on functions",
                duration(l.busy_us.ns()),
                duration(l.function_us.ns())
            ))?;
            for f in l.top_functions.iter().take(3) {
                out.line(format_args!(
                    "    {} {}  {}",
                    duration(f.llvm_time_us.ns()),
                    fastware_report::units::percent(f.llvm_time_us.ns(), l.function_us.ns()),
                    f.function
                ))?;
            }
            out.line(format_args!(
                "    drop glue {} ({} of function time)",
                duration(l.drop_glue_us.ns()),
                fastware_report::units::percent(l.drop_glue_us.ns(), l.function_us.ns())
            ))?;
            let here: Vec<String> = l
                .crates_optimised_here
                .iter()
                .take(5)
                .map(|g| format!("{} {}", g.crate_name, duration(g.llvm_time_us.ns())))
                .collect();
            out.line(format_args!("    code optimised here, by defining crate: {}", here.join(", ")))?;
        }
    }
    out.blank()?;
    if d.findings.is_empty() {
        out.line("No findings: no rule's measured threshold was reached.")?;
    } else {
        out.line("Findings")?;
    }
    for (n, f) in d.findings.iter().enumerate() {
        out.line(format_args!("{}. [{}] {}", n + 1, f.rule, f.title))?;
        let ev: Vec<String> = f.evidence.iter().map(evidence_text).collect();
        out.line(format_args!("   measured: {}", ev.join("; ")))?;
        for a in &f.also {
            let ev: Vec<String> = a.evidence.iter().map(evidence_text).collect();
            out.line(format_args!("   also: {}: {}", a.title, ev.join("; ")))?;
        }
        out.line(format_args!("   try: {}", f.change))?;
        if let Some(c) = f.experiment_command() {
            out.line(format_args!("   test it: {c}"))?;
        }
        out.line(format_args!("   why: {}", f.why))?;
    }
    for n in &d.notes {
        out.line(format_args!("note: {n}"))?;
    }
    Ok(())
}

fn evidence_text(e: &EvidenceReport) -> String {
    match e.measure.as_str() {
        "microseconds" => format!("{} {}", e.what, duration((e.value * 1e3).round() as i64)),
        "share" => format!("{} {:.1}%", e.what, e.value * 100.0),
        _ => format!("{} {}", e.what, e.value),
    }
}

/// The unit timeline: one row per built unit, critical path in red.
fn timeline(d: &BuildReport) -> String {
    let units: Vec<&UnitReport> = {
        let mut v: Vec<&UnitReport> = d.built().collect();
        v.sort_by_key(|u| u.start_us);
        v
    };
    let secs = |m: Option<Duration>| m.map(Duration::secs);
    let span = units.iter().filter_map(|u| secs(u.end_us)).fold(0.0f64, f64::max).max(0.001);
    let (label_w, width, row) = (260.0, 900.0, 18.0);
    let height = row * units.len() as f64 + 30.0;
    let x = |t: f64| label_w + t / span * width;
    let mut svg = format!(
        "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"unit timeline\">",
        label_w + width + 20.0
    );
    for k in 0..=10 {
        let t = span * k as f64 / 10.0;
        let _ = write!(svg, "<line x1=\"{0}\" x2=\"{0}\" y1=\"0\" y2=\"{1}\" stroke=\"#eee\"/><text x=\"{0}\" y=\"{2}\">{3:.1} s</text>", x(t), height - 14.0, height - 2.0, t);
    }
    for (i, u) in units.iter().enumerate() {
        let (Some(a), Some(b)) = (secs(u.start_us), secs(u.end_us)) else { continue };
        let y = i as f64 * row;
        let color = if u.on_critical_path { "#d33" } else { "#79b" };
        let class = if u.on_critical_path { "unit critical" } else { "unit" };
        let _ = write!(
            svg,
            "<g class=\"{class}\"><title>{} — {:.2} s ({:.2}–{:.2} s)</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{color}\"/>",
            escape(&u.unit),
            b - a,
            a,
            b,
            label_w - 6.0,
            y + 12.0,
            escape(&u.unit),
            x(a),
            y + 2.0,
            (x(b) - x(a)).max(1.0),
            row - 4.0
        );
        if let Some(c) = secs(u.codegen_us) {
            let link = secs(u.link_us).unwrap_or(0.0);
            let _ = write!(svg, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"3\" fill=\"#333\" opacity=\"0.5\"><title>codegen {:.2} s</title></rect>", x(b - c - link), y + row - 5.0, (c / span * width).max(1.0), c);
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

/// The diagnosis as one self-contained HTML page.
pub fn html(d: &BuildReport, top: usize) -> String {
    page("fastware build", &body(d, top))
}

/// The page's body: a section of a larger page (`fastware report`).
pub fn body(d: &BuildReport, top: usize) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>fastware build — {}</h1><p>{} {} build, {} in <b>{:.2} s</b>; {} built, {} fresh; {:.2} units running on average.</p>",
        escape(&d.project.display().to_string()),
        if d.hot.is_some() { "hot" } else { "cold" },
        escape(&d.profile),
        if d.build.success { "finished" } else { "failed" },
        d.build.wall_us.secs(),
        counted(d.build.units_built, "unit"),
        d.build.units_fresh,
        d.build.parallelism
    );
    body.push_str("<h2 id=\"findings\">Findings</h2>");
    if d.findings.is_empty() {
        body.push_str("<p class=\"muted\">No rule's measured threshold was reached.</p>");
    }
    for f in &d.findings {
        let mut ev: Vec<String> = f.evidence.iter().map(|e| escape(&evidence_text(e))).collect();
        for a in &f.also {
            let more: Vec<String> = a.evidence.iter().map(|e| escape(&evidence_text(e))).collect();
            ev.push(format!("<br>also: {}: {}", escape(&a.title), more.join("; ")));
        }
        let _ = write!(
            body,
            "<div class=\"finding\" data-rule=\"{}\"><h3>{}</h3><p><b>Measured:</b> {}</p><p><b>Try:</b> {}</p>{}<p class=\"muted\">{}</p></div>",
            f.rule,
            with_code(&f.title),
            ev.join("; "),
            with_code(&f.change),
            f.experiment_command().map(|c| format!("<p><b>Test it:</b> <code>{}</code></p>", escape(&c))).unwrap_or_default(),
            with_code(&f.why)
        );
    }
    body.push_str("<h2>Timeline</h2><p class=\"muted\">Each unit from start to finish; the critical path in red; the dark line is the codegen section.</p>");
    body.push_str(&timeline(d));
    body.push_str("<h2>Critical path</h2>");
    body.push_str(&table(&path_table(d)));
    body.push_str("<h2>Units</h2>");
    body.push_str(&table(&unit_table(d, top)));
    for c in &d.deep {
        let _ = write!(body, "<h2>{}</h2>", escape(&c.crate_name));
        let mut t = Table::new(vec![
            Column::right("self time", "s"),
            Column::right("share", "share"),
            Column::left("phase", "phase"),
        ]);
        for (p, time, _) in c.phases.0.iter().filter(|(_, t, _)| t.ns() > 0) {
            t.row(vec![cells::time(time.ns()), cells::share(time.ns(), c.busy_us.ns()), cells::text(p.name())]);
        }
        body.push_str(&table(&t));
        if let Some(l) = &c.llvm {
            let mut t = Table::new(vec![
                Column::right("LLVM time", "s"),
                Column::right("share", "share"),
                Column::left("function", "function"),
            ]);
            for f in &l.top_functions {
                t.row(vec![
                    cells::time(f.llvm_time_us.ns()),
                    cells::share(f.llvm_time_us.ns(), l.function_us.ns()),
                    cells::text(&f.function),
                ]);
            }
            body.push_str(&table(&t));
        }
    }
    if !d.notes.is_empty() {
        body.push_str("<h2>Notes</h2><ul>");
        for n in &d.notes {
            let _ = write!(body, "<li>{}</li>", escape(n));
        }
        body.push_str("</ul>");
    }
    body
}
