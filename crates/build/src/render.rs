//! The diagnosis for people (text), for programs (JSON: times in seconds as
//! `*_s`, shares in 0..1 as `*_share`), and as one self-contained HTML page.

use std::fmt::Write as _;
use std::io::{self, Write};

use fastware_report::cells;
use fastware_report::html::{escape, page, table};
use fastware_report::units::{counted, duration};
use fastware_report::{Column, Table};
use serde_json::{json, Value};

use crate::diagnosis::{CrateDeep, Diagnosis, UnitRow};
use crate::findings::{Finding, Measure};
use crate::phases::Phase;

fn s(ns: i64) -> f64 {
    ns as f64 / 1e9
}

fn share(part: f64, whole: f64) -> Value {
    if whole > 0.0 {
        json!((part / whole * 10_000.0).round() / 10_000.0)
    } else {
        Value::Null
    }
}

fn opt(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |x| json!(x))
}

fn unit_json(u: &UnitRow, span: f64) -> Value {
    let settings = u.settings.as_ref().map(|st| {
        json!({"opt_level": st.opt_level, "lto": st.lto, "debuginfo": st.debuginfo, "codegen_units": st.codegen_units, "incremental": st.incremental, "linker": st.linker_name()})
    });
    json!({
        "index": u.index, "unit": u.label, "package": u.package, "target": u.target, "kind": u.kind, "mode": u.mode,
        "freshness": u.freshness, "reason": u.reason,
        "start_s": opt(u.start), "end_s": opt(u.end), "duration_s": u.duration,
        "frontend_s": opt(u.frontend), "codegen_s": opt(u.codegen), "link_s": opt(u.link),
        "codegen_share": u.codegen.map_or(Value::Null, |c| share(c, u.duration)),
        "link_share": u.link.map_or(Value::Null, |l| share(l, u.duration)),
        "alone_s": u.alone, "alone_share": share(u.alone, span),
        "on_critical_path": u.on_critical_path, "settings": settings,
    })
}

fn deep_json(c: &CrateDeep) -> Value {
    let mut phases = serde_json::Map::new();
    for p in Phase::ALL {
        let t = c.phase_ns(p);
        phases.insert(format!("{}_s", p.key()), json!(s(t)));
        phases.insert(format!("{}_share", p.key()), share(t as f64, c.busy_ns as f64));
    }
    let llvm_phases = c.phase_ns(Phase::LlvmOptimize) + c.phase_ns(Phase::LlvmCodegen) + c.phase_ns(Phase::Lto);
    let long = |e: &fastware_selfprof::longest::LongEvent| json!({"label": e.label, "duration_s": s(e.dur_ns), "args": e.args});
    let llvm = c.llvm.as_ref().map(|l| {
        json!({
            "trace": l.trace,
            "busy_s": s(l.busy_ns),
            "function_s": s(l.function_ns),
            "top_functions": l.top_functions.iter().map(|f| json!({"function": f.key, "llvm_time_s": s(f.llvm_ns), "share": share(f.llvm_ns as f64, l.function_ns as f64), "instances": f.instances})).collect::<Vec<_>>(),
            "top_share": share(l.top_functions.iter().take(crate::findings::limits::FEW_FUNCTIONS).map(|f| f.llvm_ns).sum::<i64>() as f64, l.function_ns as f64),
            "closure_heavy": l.closure_heavy,
            "drop_glue_s": s(l.drop_glue_ns),
            "drop_glue_share": share(l.drop_glue_ns as f64, l.function_ns as f64),
            "debuginfo_s": s(l.debuginfo_ns()),
            "debuginfo_share": share(l.debuginfo_ns() as f64, l.busy_ns as f64),
            "debug_passes": l.debug_passes.iter().map(|(p, t)| json!({"pass": p, "self_time_s": s(*t)})).collect::<Vec<_>>(),
            "crates_optimised_here": l.defining_crates.iter().map(|g| json!({"crate": g.key, "llvm_time_s": s(g.llvm_ns)})).collect::<Vec<_>>(),
        })
    });
    json!({
        "crate": c.crate_name,
        "profile": c.profile,
        "total_s": s(c.total_ns),
        "busy_s": s(c.busy_ns),
        "phases": phases,
        "llvm_phases_s": s(llvm_phases),
        "llvm_phases_share": share(llvm_phases as f64, c.busy_ns as f64),
        "top_labels": c.top_labels.iter().map(|(l, f)| json!({"label": l, "self_time_s": s(f.self_ns), "count": f.count})).collect::<Vec<_>>(),
        "longest": c.longest.iter().map(long).collect::<Vec<_>>(),
        "longest_trait": c.longest_trait.as_ref().map(long),
        "llvm": llvm,
    })
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "rule": f.rule, "subject": f.subject, "title": f.title,
        "evidence": f.evidence.iter().map(|e| json!({"what": e.what, "value": e.value, "measure": match e.measure { Measure::Seconds => "seconds", Measure::Share => "share", Measure::Count => "count" }, "pointer": e.pointer})).collect::<Vec<_>>(),
        "change": f.change, "why": f.why,
    })
}

/// The whole diagnosis as JSON.
pub fn json(d: &Diagnosis) -> Value {
    let built = d.built().count();
    let fresh = d.units.iter().filter(|u| u.freshness == "fresh").count();
    json!({
        "project": d.workspace_root,
        "profile": d.profile,
        "source": d.source,
        "build": {
            "success": d.success, "interrupted": d.interrupted, "wall_s": d.wall, "span_s": d.span,
            "parallelism": (d.parallelism * 100.0).round() / 100.0, "jobs": d.jobs,
            "units_total": d.units.len(), "units_built": built, "units_fresh": fresh,
            "log": d.log_path, "target_dir": d.target_dir, "errors": d.errors,
        },
        "hot": d.hot.as_ref().map(|h| json!({
            "file": h.file, "warmup_wall_s": h.warmup_wall, "rebuild_wall_s": d.wall,
            "rebuilt": d.units.iter().filter(|u| u.freshness == "dirty").map(|u| json!({"unit": u.label, "reason": u.reason})).collect::<Vec<_>>(),
        })),
        "critical_path": d.critical_path.iter().map(|p| json!({"index": p.index, "unit": p.label, "start_s": p.start, "end_s": p.end, "on_path_s": p.end - p.start, "waited_s": p.waited, "until_rmeta": p.until_rmeta})).collect::<Vec<_>>(),
        "units": d.units.iter().map(|u| unit_json(u, d.span)).collect::<Vec<_>>(),
        "deep": d.deep.iter().map(deep_json).collect::<Vec<_>>(),
        "findings": d.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "notes": d.notes,
    })
}

fn secs(v: Option<f64>) -> (String, String) {
    match v {
        Some(x) => cells::time((x * 1e9) as i64),
        None => ("-".into(), String::new()),
    }
}

fn settings_text(u: &UnitRow) -> String {
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

fn path_table(d: &Diagnosis) -> Table {
    let mut t = Table::new(vec![
        Column::right("start", "start_s"),
        Column::right("end", "end_s"),
        Column::right("on path", "on_path_s"),
        Column::right("waited", "waited_s"),
        Column::left("unit", "unit"),
    ]);
    for p in &d.critical_path {
        let label = if p.until_rmeta { format!("{} (until its metadata)", p.label) } else { p.label.clone() };
        t.row(vec![
            secs(Some(p.start)),
            secs(Some(p.end)),
            secs(Some(p.end - p.start)),
            secs(Some(p.waited)),
            (label.clone(), label),
        ]);
    }
    t
}

fn unit_table(d: &Diagnosis, top: usize) -> Table {
    let mut t = Table::new(vec![
        Column::right("time", "duration_s"),
        Column::right("frontend", "frontend_s"),
        Column::right("codegen", "codegen_s"),
        Column::right("link", "link_s"),
        Column::right("alone", "alone_s"),
        Column::left("settings", "settings"),
        Column::left("unit", "unit"),
    ]);
    for u in d.built().take(if top == 0 { usize::MAX } else { top }) {
        let mark = if u.on_critical_path { " *" } else { "" };
        t.row(vec![
            secs(Some(u.duration)),
            secs(u.frontend),
            secs(u.codegen),
            secs(u.link),
            secs(Some(u.alone)),
            cells::text(&settings_text(u)),
            (format!("{}{mark}", u.label), u.label.clone()),
        ]);
    }
    t
}

/// The diagnosis for a terminal.
pub fn text(out: &mut dyn Write, d: &Diagnosis, top: usize, width: Option<usize>) -> io::Result<()> {
    let built = d.built().count();
    let fresh = d.units.iter().filter(|u| u.freshness == "fresh").count();
    let status = if d.interrupted {
        "interrupted"
    } else if d.success {
        "finished"
    } else {
        "FAILED"
    };
    writeln!(
        out,
        "{} {} build of {}: {} in {:.2} s wall; {} built, {} fresh; {} jobs, {:.2} units running on average",
        if d.hot.is_some() { "hot" } else { "cold" },
        d.profile,
        d.workspace_root.display(),
        status,
        d.wall,
        counted(built, "unit"),
        fresh,
        d.jobs.map_or("?".into(), |j| j.to_string()),
        d.parallelism
    )?;
    if let Some(h) = &d.hot {
        writeln!(
            out,
            "marked {} as changed (without touching it) after a {:.2} s warm-up build; rebuilt:",
            h.file.display(),
            h.warmup_wall
        )?;
        for u in d.units.iter().filter(|u| u.freshness == "dirty") {
            writeln!(
                out,
                "  {:.2} s  {}: {}",
                u.duration,
                u.label,
                u.reason.as_deref().unwrap_or("dependency rebuilt")
            )?;
        }
    }
    if !d.errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "cargo's errors:")?;
        for l in &d.errors {
            writeln!(out, "  {l}")?;
        }
    }
    if !d.critical_path.is_empty() {
        writeln!(out)?;
        writeln!(out, "Critical path: the chain of units that set the wall time ({:.2} s)", d.span)?;
        path_table(d).write_text(out, 2, width)?;
    }
    if d.built().next().is_some() {
        writeln!(out)?;
        writeln!(out, "Slowest units (cargo's sections; * on the critical path; alone: time no other unit ran)")?;
        unit_table(d, top).write_text(out, 2, width)?;
    }
    for c in &d.deep {
        writeln!(out)?;
        writeln!(
            out,
            "{}: {} of rustc time (sum over its threads), busy {}",
            c.crate_name,
            duration(c.total_ns),
            duration(c.busy_ns)
        )?;
        let phases: Vec<String> = c
            .phases
            .iter()
            .filter(|(_, t)| *t > 0)
            .take(6)
            .map(|(p, t)| format!("{} {} ({})", p.name(), duration(*t), fastware_report::units::percent(*t, c.busy_ns)))
            .collect();
        writeln!(out, "  phases: {}", phases.join(", "))?;
        let labels: Vec<String> =
            c.top_labels.iter().take(5).map(|(l, f)| format!("{l} {}", duration(f.self_ns))).collect();
        writeln!(out, "  top queries (self time): {}", labels.join(", "))?;
        for e in c.longest.iter().take(3) {
            let arg = e
                .args
                .first()
                .map(|a| fastware_selfprof::longest::abbreviate(fastware_selfprof::longest::readable_arg(a), 3, 100))
                .unwrap_or_default();
            let line = format!("  longest: {} {} {}", duration(e.dur_ns), e.label, arg);
            writeln!(out, "{}", line.trim_end())?;
        }
        if let Some(l) = &c.llvm {
            writeln!(
                out,
                "  LLVM: busy {} (summed over threads), {} on functions",
                duration(l.busy_ns),
                duration(l.function_ns)
            )?;
            for f in l.top_functions.iter().take(3) {
                writeln!(
                    out,
                    "    {} {}  {}",
                    duration(f.llvm_ns),
                    fastware_report::units::percent(f.llvm_ns, l.function_ns),
                    f.key
                )?;
            }
            writeln!(
                out,
                "    drop glue {} ({} of function time)",
                duration(l.drop_glue_ns),
                fastware_report::units::percent(l.drop_glue_ns, l.function_ns)
            )?;
            let here: Vec<String> =
                l.defining_crates.iter().take(5).map(|g| format!("{} {}", g.key, duration(g.llvm_ns))).collect();
            writeln!(out, "    code optimised here, by defining crate: {}", here.join(", "))?;
        }
    }
    writeln!(out)?;
    if d.findings.is_empty() {
        writeln!(out, "No findings: no rule's measured threshold was reached.")?;
    } else {
        writeln!(out, "Findings")?;
    }
    for (n, f) in d.findings.iter().enumerate() {
        writeln!(out, "{}. [{}] {}", n + 1, f.rule, f.title)?;
        let ev: Vec<String> = f.evidence.iter().map(evidence_text).collect();
        writeln!(out, "   measured: {}", ev.join("; "))?;
        writeln!(out, "   try: {}", f.change)?;
        writeln!(out, "   why: {}", f.why)?;
    }
    for n in &d.notes {
        writeln!(out, "note: {n}")?;
    }
    Ok(())
}

fn evidence_text(e: &crate::findings::Evidence) -> String {
    match e.measure {
        Measure::Seconds => format!("{} {}", e.what, duration((e.value * 1e9) as i64)),
        Measure::Share => format!("{} {:.1}%", e.what, e.value * 100.0),
        Measure::Count => format!("{} {}", e.what, e.value),
    }
}

/// The unit timeline: one row per built unit, critical path in red.
fn timeline(d: &Diagnosis) -> String {
    let units: Vec<&UnitRow> = {
        let mut v: Vec<&UnitRow> = d.built().collect();
        v.sort_by(|a, b| a.start.partial_cmp(&b.start).unwrap_or(std::cmp::Ordering::Equal));
        v
    };
    let span = units.iter().filter_map(|u| u.end).fold(0.0f64, f64::max).max(0.001);
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
        let (Some(a), Some(b)) = (u.start, u.end) else { continue };
        let y = i as f64 * row;
        let color = if u.on_critical_path { "#d33" } else { "#79b" };
        let class = if u.on_critical_path { "unit critical" } else { "unit" };
        let _ = write!(
            svg,
            "<g class=\"{class}\"><title>{} — {:.2} s ({:.2}–{:.2} s)</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{color}\"/>",
            escape(&u.label),
            b - a,
            a,
            b,
            label_w - 6.0,
            y + 12.0,
            escape(&u.label),
            x(a),
            y + 2.0,
            (x(b) - x(a)).max(1.0),
            row - 4.0
        );
        if let Some(c) = u.codegen {
            let _ = write!(svg, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"3\" fill=\"#333\" opacity=\"0.5\"><title>codegen {:.2} s</title></rect>", x(b - c - u.link.unwrap_or(0.0)), y + row - 5.0, (c / span * width).max(1.0), c);
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

/// The diagnosis as one self-contained HTML page.
pub fn html(d: &Diagnosis, top: usize) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>fastware build — {}</h1><p>{} {} build, {} in <b>{:.2} s</b>; {} built, {} fresh; {:.2} units running on average.</p>",
        escape(&d.workspace_root.display().to_string()),
        if d.hot.is_some() { "hot" } else { "cold" },
        escape(&d.profile),
        if d.success { "finished" } else { "failed" },
        d.wall,
        counted(d.built().count(), "unit"),
        d.units.iter().filter(|u| u.freshness == "fresh").count(),
        d.parallelism
    );
    body.push_str("<h2 id=\"findings\">Findings</h2>");
    if d.findings.is_empty() {
        body.push_str("<p class=\"muted\">No rule's measured threshold was reached.</p>");
    }
    for f in &d.findings {
        let ev: Vec<String> = f.evidence.iter().map(|e| escape(&evidence_text(e))).collect();
        let _ = write!(
            body,
            "<div class=\"finding\" data-rule=\"{}\"><h3>{}</h3><p><b>Measured:</b> {}</p><p><b>Try:</b> {}</p><p class=\"muted\">{}</p></div>",
            f.rule,
            escape(&f.title),
            ev.join("; "),
            escape(&f.change),
            escape(&f.why)
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
        for (p, ns) in c.phases.iter().filter(|(_, t)| *t > 0) {
            t.row(vec![cells::time(*ns), cells::share(*ns, c.busy_ns), cells::text(p.name())]);
        }
        body.push_str(&table(&t));
        if let Some(l) = &c.llvm {
            let mut t = Table::new(vec![
                Column::right("LLVM time", "s"),
                Column::right("share", "share"),
                Column::left("function", "function"),
            ]);
            for f in &l.top_functions {
                t.row(vec![cells::time(f.llvm_ns), cells::share(f.llvm_ns, l.function_ns), cells::text(&f.key)]);
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
    page("fastware build", &body)
}
