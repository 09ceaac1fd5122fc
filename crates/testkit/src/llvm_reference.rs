//! An independent computation of LLVM time-trace figures, for tests.
//!
//! It reads each file whole with serde_json (a DOM walk) and rebuilds every
//! thread's event tree by walking the events in *reverse* emission order,
//! where a parent always comes before its children: the tree follows from
//! interval containment alone. fastware itself streams forward with a stack
//! of unparented events and stitches pieces of files; nothing is shared.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

/// Figures of one function group or crate.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    /// nanoseconds
    pub llvm_ns: i64,
    pub event_ns: i64,
    pub event_count: u64,
}

/// Self time, total time, count of a pass label.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassFigures {
    pub self_ns: i64,
    pub total_ns: i64,
    pub count: u64,
}

#[derive(Debug, Default)]
pub struct Reference {
    pub busy_ns: i64,
    pub unattributed_ns: i64,
    pub events: u64,
    /// By subject symbol (raw, as in args.detail).
    pub subjects: HashMap<String, Figures>,
    /// Keyed by pass: the event name, or for RunPass/RunLoopPass "detail (name)".
    pub passes: HashMap<String, PassFigures>,
    /// Crate of each input file, for instantiating-crate fallback.
    pub subject_file_crate: HashMap<String, Option<String>>,
}

struct Ev {
    start: i64,
    end: i64,
    label: String,
    subject: Option<String>,
    name: String,
}

fn ns(v: &Value) -> i64 {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i * 1000
            } else {
                (n.as_f64().unwrap_or(0.0) * 1000.0).round() as i64
            }
        }
        _ => 0,
    }
}

/// The function an event is about, by the rules fastware documents.
pub fn reference_subject(name: &str, detail: &str) -> Option<String> {
    if ["RunPass", "RunLoopPass", "OptModule", "Import"].contains(&name) || detail.is_empty() || detail == "[module]" {
        return None;
    }
    if let Some(rest) = detail.strip_prefix("loop ") {
        return rest.split(" in function ").nth(1).map(str::to_string);
    }
    if detail.starts_with('(') && detail.ends_with(')') {
        let inner = &detail[1..detail.len() - 1];
        return if inner.is_empty() || inner.contains(',') { None } else { Some(inner.to_string()) };
    }
    if detail.contains(' ') {
        None
    } else {
        Some(detail.to_string())
    }
}

fn crate_of_file(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = name.split(".llvm_timings.json").next()?;
    match stem.rsplit_once('-') {
        Some((c, h)) if h.len() == 16 => Some(c.to_string()),
        _ => Some(stem.to_string()),
    }
}

/// Computes the reference over `files` (plain JSON), ranking event `event`.
pub fn compute(files: &[impl AsRef<Path>], event: &str) -> Reference {
    let mut r = Reference::default();
    for f in files {
        let path = f.as_ref();
        let text = std::fs::read(path).expect("read trace");
        let doc: Value = serde_json::from_slice(&text).expect("trace is JSON");
        let events = match &doc {
            Value::Object(o) => o["traceEvents"].as_array().expect("traceEvents").clone(),
            Value::Array(a) => a.clone(),
            _ => panic!("not a trace"),
        };
        r.events += events.len() as u64;
        let file_crate = crate_of_file(path);
        let mut threads: HashMap<(i64, i64), Vec<Ev>> = HashMap::new();
        for e in &events {
            let name = e["name"].as_str().unwrap_or("").to_string();
            if e["ph"] != "X" || name.starts_with("Total ") {
                continue;
            }
            let detail = e["args"]["detail"].as_str().unwrap_or("");
            let start = ns(&e["ts"]);
            let end = start + ns(&e["dur"]);
            let label =
                if name == "RunPass" || name == "RunLoopPass" { format!("{detail} ({name})") } else { name.clone() };
            let subject = reference_subject(&name, detail);
            if let Some(s) = &subject {
                r.subject_file_crate.insert(s.clone(), file_crate.clone());
            }
            let key = (e["pid"].as_i64().unwrap_or(0), e["tid"].as_i64().unwrap_or(0));
            threads.entry(key).or_default().push(Ev { start, end, label, subject, name });
        }
        for evs in threads.values() {
            let n = evs.len();
            let mut parent: Vec<Option<usize>> = vec![None; n];
            let mut stack: Vec<usize> = Vec::new();
            for i in (0..n).rev() {
                let e = &evs[i];
                while let Some(&top) = stack.last() {
                    let t = &evs[top];
                    if t.start <= e.start && e.end <= t.end {
                        break;
                    }
                    stack.pop();
                }
                parent[i] = stack.last().copied();
                stack.push(i);
            }
            let mut children_ns = vec![0i64; n];
            for i in 0..n {
                if let Some(p) = parent[i] {
                    children_ns[p] += evs[i].end - evs[i].start;
                }
            }
            // owner: the nearest event, itself included, with a subject; parents
            // have higher indices, so walk from the last event down.
            let mut owner: Vec<Option<usize>> = vec![None; n];
            for i in (0..n).rev() {
                owner[i] = if evs[i].subject.is_some() { Some(i) } else { parent[i].and_then(|p| owner[p]) };
            }
            for i in 0..n {
                let e = &evs[i];
                let dur = e.end - e.start;
                let self_ns = dur - children_ns[i];
                r.busy_ns += self_ns;
                let p = r.passes.entry(e.label.clone()).or_default();
                p.self_ns += self_ns;
                p.total_ns += dur;
                p.count += 1;
                match owner[i] {
                    Some(o) => {
                        r.subjects.entry(evs[o].subject.clone().unwrap_or_default()).or_default().llvm_ns += self_ns
                    }
                    None => r.unattributed_ns += self_ns,
                }
                if e.name == event {
                    if let Some(s) = &e.subject {
                        let f = r.subjects.entry(s.clone()).or_default();
                        f.event_ns += dur;
                        f.event_count += 1;
                    }
                }
            }
        }
    }
    r
}

impl Reference {
    /// Sums subject figures under a key (e.g. the function group or crate).
    pub fn group(&self, key: impl Fn(&str, Option<&str>) -> Vec<String>) -> HashMap<String, Figures> {
        let mut out: HashMap<String, Figures> = HashMap::new();
        for (sym, f) in &self.subjects {
            let file_crate = self.subject_file_crate.get(sym).cloned().flatten();
            for k in key(sym, file_crate.as_deref()) {
                let g = out.entry(k).or_default();
                g.llvm_ns += f.llvm_ns;
                g.event_ns += f.event_ns;
                g.event_count += f.event_count;
            }
        }
        out
    }
}
