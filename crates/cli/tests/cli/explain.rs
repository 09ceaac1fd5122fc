//! `fastware explain` on `tests/fixtures/raytrace` (the field report's ray
//! tracer): commits of a scratch repository where `cast`, a per-pixel
//! function returning 32 bytes, stops being inlined (`#[inline(never)]`),
//! runs behind a `Box<dyn Fn>` chosen at run time, or where the program
//! only does more work (one more sphere). The figures are checked against
//! the raw callgrind recordings parsed here, the call site against
//! `objdump -d`, and the pixel count by hand (256 × 256 = 65,536 calls).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::common::*;

/// A callgrind recording as this test reads it: each function's own
/// events (cost lines not after `calls=`), and the calls made to each.
#[derive(Debug, Default)]
struct Raw {
    events: Vec<String>,
    own: HashMap<String, Vec<u64>>,
    calls_to: HashMap<String, u64>,
}

impl Raw {
    fn read(path: &Path) -> Raw {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut raw = Raw::default();
        let mut names: HashMap<String, String> = HashMap::new();
        let mut resolve = |v: &str| -> String {
            let v = v.trim();
            match v.strip_prefix('(').and_then(|r| r.split_once(')')) {
                Some((id, rest)) if !rest.trim().is_empty() => {
                    names.insert(id.to_string(), rest.trim().to_string());
                    rest.trim().to_string()
                }
                Some((id, _)) => names.get(id).cloned().unwrap_or_default(),
                None => v.to_string(),
            }
        };
        let (mut positions, mut current, mut callee) = (1usize, String::new(), String::new());
        let mut pending: Option<u64> = None;
        for line in text.lines() {
            if let Some(e) = line.strip_prefix("events:") {
                raw.events = e.split_whitespace().map(str::to_string).collect();
            } else if let Some(p) = line.strip_prefix("positions:") {
                positions = p.split_whitespace().count();
            } else if let Some(v) = line.strip_prefix("fn=") {
                current = resolve(v);
            } else if let Some(v) = line.strip_prefix("cfn=") {
                callee = resolve(v);
            } else if let Some(v) = line.strip_prefix("calls=") {
                pending = v.split_whitespace().next().and_then(|n| n.parse().ok());
            } else if line.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-' || c == '*') {
                match pending.take() {
                    Some(n) => *raw.calls_to.entry(callee.clone()).or_default() += n,
                    None => {
                        let costs: Vec<u64> =
                            line.split_whitespace().skip(positions).map(|v| v.parse().unwrap_or(0)).collect();
                        let own = raw.own.entry(current.clone()).or_insert_with(|| vec![0; 9]);
                        for (k, c) in costs.iter().enumerate() {
                            if k < own.len() {
                                own[k] += c;
                            }
                        }
                    }
                }
            }
        }
        raw
    }

    fn event(&self, name: &str) -> usize {
        self.events.iter().position(|e| e == name).expect("event")
    }

    /// A function's own count of `event` (0 when it did not run).
    fn own(&self, function: &str, event: &str) -> u64 {
        self.own.get(function).map_or(0, |v| v[self.event(event)])
    }

    fn total(&self, event: &str) -> u64 {
        let k = self.event(event);
        self.own.values().map(|v| v[k]).sum()
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// The fixture in a scratch repository: one commit per variant; returns
/// the directory and the commits (base, noinline, boxed, more, broken).
fn repository() -> (fastware_testkit::Project, [String; 5]) {
    let dir = fastware_testkit::copy_project(&fastware_testkit::fixture("raytrace"), "explain");
    std::fs::write(dir.join(".gitignore"), "target/\n").expect("write");
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "base"]);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("manifest");
    let mut commits = vec![git(&dir, &["rev-parse", "HEAD"])];
    for feature in ["noinline", "boxed", "more"] {
        let m = manifest.replacen(&format!("{feature} = []"), &format!("default = [\"{feature}\"]\n{feature} = []"), 1);
        std::fs::write(dir.join("Cargo.toml"), m).expect("write");
        git(&dir, &["commit", "-qam", feature]);
        commits.push(git(&dir, &["rev-parse", "HEAD"]));
    }
    std::fs::write(dir.join("Cargo.toml"), &manifest).expect("write");
    let main = std::fs::read_to_string(dir.join("src/main.rs")).expect("main");
    std::fs::write(dir.join("src/main.rs"), main.replacen("fn main() {", "fn main() { let x: u32 = \"no\";", 1))
        .expect("write");
    git(&dir, &["commit", "-qam", "does not build"]);
    commits.push(git(&dir, &["rev-parse", "HEAD"]));
    (dir, commits.try_into().expect("five commits"))
}

fn explain(dir: &Path, base: &str, new: &str) -> Value {
    let o =
        run_in(dir, &["explain", base, new, "--run", "raytrace 256", "--runs", "3", "--cache-sim", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    json(&o)
}

fn recordings(dir: &Path) -> (Raw, Raw) {
    let at = dir.join("target/fastware/explain");
    (Raw::read(&at.join("base.callgrind")), Raw::read(&at.join("new.callgrind")))
}

/// The totals against the raw recordings.
fn totals_agree(v: &Value, base: &Raw, new: &Raw) {
    for (field, event) in [("instructions", "Ir"), ("reads", "Dr"), ("writes", "Dw")] {
        assert_eq!(v[field]["base"].as_u64(), Some(base.total(event)), "{field}");
        assert_eq!(v[field]["new"].as_u64(), Some(new.total(event)), "{field}");
    }
    // --cache-sim: L1 misses are instruction and data misses, read and write
    let l1 = |r: &Raw| ["I1mr", "D1mr", "D1mw"].iter().map(|e| r.total(e)).sum::<u64>();
    let ll = |r: &Raw| ["ILmr", "DLmr", "DLmw"].iter().map(|e| r.total(e)).sum::<u64>();
    assert_eq!(v["cache"]["l1_misses"]["base"].as_u64(), Some(l1(base)));
    assert_eq!(v["cache"]["l1_misses"]["new"].as_u64(), Some(l1(new)));
    assert_eq!(v["cache"]["ll_misses"]["new"].as_u64(), Some(ll(new)));
}

#[test]
fn explain_names_the_function_no_longer_inlined_and_why() {
    if !valgrind_works() {
        println!("SKIPPED explain: valgrind is not installed (.ci/run installs it)");
        return;
    }
    let (dir, [base, noinline, boxed, more, broken]) = repository();
    const PIXELS: u64 = 256 * 256;

    // cast marked #[inline(never)]: ranked first, no longer inlined into main
    let v = explain(&dir, &base, &noinline);
    let (rb, rn) = recordings(&dir);
    totals_agree(&v, &rb, &rn);
    let top = &v["functions"][0];
    assert_eq!(top["function"], "raytrace::cast", "{v}");
    assert_eq!((&top["base"]["status"], &top["new"]["status"]), (&"inlined".into(), &"out of line".into()), "{top}");
    assert_eq!(top["base"]["inlined_into"], serde_json::json!(["raytrace::main"]));
    assert_eq!(top["new"]["calls"].as_u64(), Some(rn.calls_to["raytrace::cast"]));
    let f = &v["findings"][0];
    assert_eq!((&f["rule"], &f["function"]), (&"no-longer-inlined".into(), &"raytrace::cast".into()), "{f}");
    assert!(f["title"].as_str().expect("title").contains("no longer inlined into `raytrace::main`"), "{f}");
    let calls = f["figures"]["calls"][1].as_u64().expect("calls");
    assert_eq!((calls, rn.calls_to["raytrace::cast"]), (PIXELS, PIXELS), "one call per pixel");
    // the differential flamegraph's stacks (`stack base new`): every
    // instruction of each side, by the raw recordings; new's cast a root
    // of its own, base's cast inside main's code
    let lines: Vec<(String, u64, u64)> = v["differential"]
        .as_array()
        .expect("differential")
        .iter()
        .map(|l| {
            let mut it = l.as_str().expect("line").rsplitn(3, ' ');
            let new = it.next().and_then(|n| n.parse().ok()).expect("new");
            let base = it.next().and_then(|n| n.parse().ok()).expect("base");
            (it.next().expect("stack").to_string(), base, new)
        })
        .collect();
    assert_eq!(v["differential_total"].as_u64(), Some(lines.len() as u64), "all stacks kept");
    assert_eq!(lines.iter().map(|l| l.1).sum::<u64>(), rb.total("Ir"));
    assert_eq!(lines.iter().map(|l| l.2).sum::<u64>(), rn.total("Ir"));
    let under = |root: &str| -> (u64, u64) {
        let of = lines.iter().filter(|l| l.0 == root || l.0.starts_with(&format!("{root};")));
        of.fold((0, 0), |(b, n), l| (b + l.1, n + l.2))
    };
    assert_eq!(under("raytrace::cast"), (0, rn.own("raytrace::cast", "Ir")), "no cast of its own in base");
    assert_eq!(under("raytrace::main").0, rb.own("raytrace::main", "Ir"));
    assert!(lines.iter().any(|l| l.0.starts_with("raytrace::main;") && l.0.contains(";raytrace::cast") && l.1 > 0));
    // the pull-request comment: the headline, the function first in its table, the finding
    let o = run_in(&dir, &["explain", &base, &noinline, "--run", "raytrace 64", "--runs", "0", "--format", "markdown"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(md.starts_with("### fastware explain: "), "{md}");
    let first_row = md.lines().find(|l| l.starts_with("| `")).expect("a function row");
    assert!(first_row.starts_with("| `raytrace::cast`"), "{md}");
    assert!(md.contains("1. **no-longer-inlined** "), "{md}");
    // a target directory the user shares between projects (CARGO_TARGET_DIR):
    // each revision still builds in its own (in one, cargo found the second
    // revision fresh and both sides ran the base's build)
    let shared = fastware_testkit::temp_dir("explain-shared-target");
    let o = command_in(&dir)
        .env("CARGO_TARGET_DIR", &shared)
        .args(["explain", &base, &noinline, "--run", "raytrace 64", "--runs", "0", "--format", "json"])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let apart = json(&o);
    assert_ne!(apart["base"]["binary"], apart["new"]["binary"], "{apart}");
    let top = &apart["functions"][0];
    assert_eq!(top["function"], "raytrace::cast", "{apart}");
    assert_eq!((&top["base"]["status"], &top["new"]["status"]), (&"inlined".into(), &"out of line".into()), "{top}");
    // cast and main together: base's main (cast inlined) against new's two
    let fig = &f["figures"];
    assert_eq!(fig["instructions"][0].as_u64(), Some(rb.own("raytrace::main", "Ir")));
    assert_eq!(fig["instructions"][1].as_u64(), Some(rn.own("raytrace::main", "Ir") + rn.own("raytrace::cast", "Ir")));
    assert_eq!(fig["writes"][0].as_u64(), Some(rb.own("raytrace::main", "Dw")));
    assert_eq!(fig["writes"][1].as_u64(), Some(rn.own("raytrace::main", "Dw") + rn.own("raytrace::cast", "Dw")));
    assert!(
        fig["writes"][1].as_u64() > fig["writes"][0].as_u64().map(|w| w * 2),
        "its 32-byte result goes through memory"
    );
    // the call site, against objdump
    if can_run("objdump", &["--version"]) {
        let new_bin = v["new"]["binary"].as_str().expect("binary");
        let o = Command::new("objdump").args(["-d", "--no-show-raw-insn", new_bin]).output().expect("objdump");
        let calls: Vec<u64> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| l.contains("call") && l.contains("cast") && !l.trim_end().ends_with(">:"))
            .filter_map(|l| u64::from_str_radix(l.trim().split(':').next()?, 16).ok())
            .collect();
        let sites: Vec<u64> =
            fig["call_sites"].as_array().expect("sites").iter().filter_map(|c| c["address"].as_u64()).collect();
        assert_eq!(sites, calls, "the call instructions objdump shows");
    }

    // the per-pixel function behind a Box<dyn Fn>: a closure called
    // through a register, holding cast
    let v = explain(&dir, &base, &boxed);
    let (rb, rn) = recordings(&dir);
    totals_agree(&v, &rb, &rn);
    let top = &v["functions"][0];
    assert_eq!(top["function"], "raytrace::render::{{closure}}", "{v}");
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "no-longer-inlined", "{f}");
    assert_eq!(f["figures"]["called"], "raytrace::render::{{closure}}");
    assert_eq!(f["figures"]["calls"][1].as_u64(), Some(PIXELS));
    assert_eq!(rn.calls_to["raytrace::render::{{closure}}"], PIXELS);
    assert_eq!(f["figures"]["call_sites"][0]["indirect"], true, "{f}");
    assert!(f["why"][0].as_str().expect("why").contains("through a register"), "{f}");

    // more work through the same code: main ranked first, nothing invented
    let v = explain(&dir, &base, &more);
    assert_eq!(v["functions"][0]["function"], "raytrace::main", "{v}");
    assert!(v["findings"].as_array().expect("findings").is_empty(), "{v}");
    let (rb, rn) = recordings(&dir);
    assert_eq!(
        v["functions"][0]["instructions_change"].as_i64(),
        Some(rn.own("raytrace::main", "Ir") as i64 - rb.own("raytrace::main", "Ir") as i64)
    );

    // on the report page: the functions whose instructions moved most, as
    // bars either side of zero with the changes the run printed
    let page = dir.join("target/page.html");
    run_in(&dir, &["report", "last", "-o", s(&page)]);
    let html = std::fs::read_to_string(&page).expect("page");
    let changes: Vec<f64> = v["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .take(15)
        .map(|f| f["instructions_change"].as_f64().expect("change"))
        .collect();
    assert!(!changes.is_empty() && html.contains("class=\"diverging\""));
    assert_eq!(attr(&html, "data-value"), changes);
    // and the differential flamegraph, main's frame among its frames
    assert!(html.contains("class=\"flamegraph differential\"") && html.contains("<title>raytrace::main ("));

    // A/A: nothing changed, nothing found
    let v = explain(&dir, &base, &base);
    assert_eq!(v["instructions"]["change"], 0.0, "{v}");
    assert!(v["functions"].as_array().expect("functions").is_empty(), "{v}");
    assert!(v["findings"].as_array().expect("findings").is_empty(), "{v}");
    let text = stdout(&run_in(&dir, &["runs", "show", "last"]));
    assert!(text.contains("No function's counts changed"), "kept in the history: {text}");

    // failures: a revision that does not build, a workload that fails, a
    // stripped file, no valgrind
    let o = run_in(&dir, &["explain", &base, &broken, "--run", "raytrace 256"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("error[E0308]") && err.contains("did not build"), "cargo's error, then fastware's: {err}");
    // a revision without the project (a commit of the empty tree, made
    // without touching the work tree): said, before any build
    let empty = git(&dir, &["commit-tree", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "-m", "empty"]);
    let o = run_in(&dir, &["explain", &base, &empty, "--run", "raytrace 256", "--format", "json"]);
    json_error_of(
        &o,
        2,
        "CargoError::NoProjectInRevision",
        &["has no Cargo.toml at .: the project is not in that revision"],
    );
    let o = run_in(&dir, &["explain", &base, &noinline, "--run", "raytrace 0"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let last = stderr(&o).lines().last().unwrap_or_default().to_string();
    assert!(
        last.starts_with("error: the workload exited with status 2") && last.contains("SIZE must be at least 1"),
        "{last}"
    );
    let bins = fastware_testkit::temp_dir("explain-stripped");
    let plain = bins.join("raytrace");
    std::fs::copy(v["base"]["binary"].as_str().expect("binary"), &plain).expect("copy");
    let stripped = bins.join("stripped");
    if can_run("strip", &["--version"]) {
        let ok = Command::new("strip").arg("-o").arg(&stripped).arg(&plain).status().expect("strip");
        assert!(ok.success());
        let args = ["explain", s(&plain), s(&stripped), "--run", "raytrace 64", "--runs", "0"];
        expect_kind_in(&dir, &args, 2, "ExplainError::Stripped", &["no symbol table", "strip = false"]);
    }
    let o = command_in(&dir)
        .env("PATH", &bins)
        .args(["explain", s(&plain), s(&plain), "--run", "raytrace 64"])
        .output()
        .expect("run");
    error_of(&o, 1, &["valgrind is not installed"]);
}
