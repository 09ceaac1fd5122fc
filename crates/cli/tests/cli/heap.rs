//! `fastware heap` on `tests/fixtures/allocs` (allocations whose counts its
//! source dictates), run for real under valgrind's DHAT and once through the
//! dhat crate; the figures checked against the constants in the fixture's
//! source, an independent walk of the DHAT JSON, and the summary valgrind
//! and the dhat crate print themselves. Where valgrind cannot run here, the
//! test prints SKIPPED and why.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use fastware_report::units::count;

use super::common::*;

/// The fixture's constants (`pub const NAME: usize = N;`), read from its source.
fn constants() -> HashMap<String, u64> {
    let src = std::fs::read_to_string(fastware_testkit::fixture("allocs").join("src/lib.rs")).expect("lib.rs");
    src.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("pub const ")?;
            let (name, value) = rest.split_once(": usize = ")?;
            let value = value.split(';').next()?.replace('_', "");
            Some((name.to_string(), value.parse().ok()?))
        })
        .collect()
}

fn allocs(name: &str) -> fastware_testkit::Project {
    fastware_testkit::copy_project(&fastware_testkit::fixture("allocs"), name)
}

fn rows(v: &Value) -> &Vec<Value> {
    v["rows"].as_array().expect("rows")
}

fn row<'a>(v: &'a Value, key: &str) -> &'a Value {
    rows(v).iter().find(|r| r["key"] == key).unwrap_or_else(|| panic!("no row {key} in {:#}", v["rows"]))
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// Sums over the file's program points, by a plain walk of its JSON.
fn walk(path: &Path) -> HashMap<&'static str, u64> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("dhat file")).expect("json");
    let mut t = HashMap::new();
    for pp in v["pps"].as_array().expect("pps") {
        for (k, name) in [
            ("tb", "bytes"),
            ("tbk", "blocks"),
            ("gb", "peak_bytes"),
            ("gbk", "peak_blocks"),
            ("eb", "end_bytes"),
            ("ebk", "end_blocks"),
        ] {
            if let Some(n) = pp[k].as_u64() {
                *t.entry(name).or_insert(0) += n;
            }
        }
    }
    t
}

/// `Total: 1,540,135 bytes in 1,596 blocks`-style lines of a DHAT summary.
fn summary(text: &str, label: &str) -> (u64, u64) {
    let line = text.lines().find(|l| l.contains(label)).unwrap_or_else(|| panic!("no {label} in {text}"));
    let nums: Vec<u64> = line.split_whitespace().filter_map(|w| w.replace(',', "").parse().ok()).collect();
    (nums[nums.len() - 2], nums[nums.len() - 1])
}

fn check_totals(v: &Value, file: &Path) {
    let t = &v["header"]["totals"];
    let sums = walk(file);
    for k in ["bytes", "blocks", "peak_bytes", "peak_blocks", "end_bytes", "end_blocks"] {
        assert_eq!(t[k].as_u64(), sums.get(k).copied(), "{k}");
    }
}

/// The figures the fixture's source dictates, on a report `--by function`
/// (`named`: how the profile names the fixture's functions).
fn check_known(by_function: &Value, by_site: &Value, named: impl Fn(&str) -> String) {
    let c = constants();
    let per = row(by_function, &named("per_iteration"));
    assert_eq!(u(&per["blocks"]), c["ITERATIONS"]);
    assert_eq!(u(&per["bytes"]), c["ITERATIONS"] * c["VEC_LEN"] * 8);
    assert_eq!(u(&per["peak_bytes"]), 0);
    let leak = row(by_function, &named("leak"));
    assert_eq!((u(&leak["blocks"]), u(&leak["bytes"])), (1, c["LEAK_BYTES"]));
    assert_eq!((u(&leak["end_blocks"]), u(&leak["end_bytes"])), (1, c["LEAK_BYTES"]));
    // the peak's blocks (and the Vec that holds them) are alive at t-gmax
    let peak = row(by_function, &named("peak"));
    let holder = c["PEAK_BLOCKS"] * 16;
    assert_eq!(u(&peak["blocks"]), c["PEAK_BLOCKS"] + 1);
    assert_eq!(u(&peak["bytes"]), c["PEAK_BLOCKS"] * c["PEAK_BYTES"] + holder);
    assert_eq!(u(&peak["peak_bytes"]), c["PEAK_BLOCKS"] * c["PEAK_BYTES"] + holder);
    assert_eq!(u(&peak["end_bytes"]), 0);
    // each clone: the Vec's buffer and one block per String
    let clone_site = rows(by_site)
        .iter()
        .filter(|r| r["function"] == named("clones"))
        .max_by_key(|r| u(&r["blocks"]))
        .expect("a clones site");
    assert_eq!(u(&clone_site["blocks"]), c["CLONES"] * (1 + c["STRINGS"]));
    assert_eq!(u(&clone_site["bytes"]), c["CLONES"] * (c["STRINGS"] * 24 + c["STRINGS"] * c["STRING_LEN"]));
    assert_eq!(clone_site["cloned"], true);
}

/// Every frame of every row's stack is an entry of the file's frame table,
/// demangled (rustc-demangle, without the hash), address removed.
fn check_frames(v: &Value, file: &Path) {
    let d: Value = serde_json::from_str(&std::fs::read_to_string(file).expect("dhat file")).expect("json");
    let table: HashSet<String> = d["ftbl"]
        .as_array()
        .expect("ftbl")
        .iter()
        .map(|e| {
            let e = e.as_str().expect("entry");
            let e = e.split_once(": ").filter(|_| e.starts_with("0x")).map_or(e, |x| x.1);
            let (name, loc) = e.rsplit_once(" (").map_or((e, None), |(n, l)| (n, Some(l)));
            let name = if name.starts_with("_ZN") || name.starts_with("_R") {
                format!("{:#}", rustc_demangle::demangle(name))
            } else {
                name.to_string()
            };
            match loc {
                Some(l) => format!("{name} ({l}"),
                None => name,
            }
        })
        .collect();
    let mut checked = 0;
    for r in rows(v) {
        for f in r["stack"].as_array().expect("stack") {
            let f = f.as_str().expect("frame");
            // fastware renders v0 names its own way; legacy ones must match exactly
            if !f.contains("{closure") && !table.contains(f) && !f.starts_with('<') {
                assert!(
                    table.iter().any(|t| t.ends_with(&f[f.find(" (").unwrap_or(0)..])),
                    "{f} not in the frame table"
                );
            } else if table.contains(f) {
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} frames matched exactly");
}

#[test]
fn valgrind_dhat_figures_equal_the_source_and_the_file() {
    if !valgrind_works() {
        return;
    }
    let project = allocs("heap-valgrind");
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["heap", "--format", "json", "--top", "0"].iter().map(|s| s.to_string()).collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        let o = run_in(&project, &a.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", stderr(&o));
        o
    };
    let o = run(&["--by", "function", "--save", "before"]);
    let by_function = json(&o);
    let err = stderr(&o);
    // valgrind's own messages are kept out of the way, in a file (the
    // program's output still passes through); its summary, written as the
    // run ends, is the oracle of the totals
    assert!(!err.lines().any(|l| l.starts_with("==")), "valgrind's chatter on stderr: {err}");
    assert!(err.contains("valgrind's own messages are in"), "{err}");
    let err = std::fs::read_to_string(project.join("target/fastware/heap/valgrind.log")).expect("valgrind.log");
    assert!(err.contains("DHAT, a dynamic heap analysis tool"), "{err}");
    let file = project.join("target/fastware/heap/dhat.json");
    let t = &by_function["header"]["totals"];
    assert_eq!(summary(&err, "Total:"), (u(&t["bytes"]), u(&t["blocks"])));
    assert_eq!(summary(&err, "At t-gmax:"), (u(&t["peak_bytes"]), u(&t["peak_blocks"])));
    assert_eq!(summary(&err, "At t-end:"), (u(&t["end_bytes"]), u(&t["end_blocks"])));
    check_totals(&by_function, &file);
    assert_eq!(by_function["header"]["time_unit"], "instrs");
    let by_site = json_of(&run_in(&project, &["heap", s(&file), "--format", "json", "--top", "0"]));
    check_known(&by_function, &by_site, |f| format!("allocs::{f}"));
    check_frames(&by_site, &file);

    // seed 003's case leads the short-lived view, with its figures
    let c = constants();
    let short = json_of(&run_in(&project, &["heap", s(&file), "--sort", "short-lived", "--format", "json"]));
    let first = &rows(&short)[0];
    assert_eq!(first["function"], "allocs::per_iteration");
    assert_eq!(first["short_lived"], true);
    let advice = &short["advice"][0];
    assert_eq!(advice["site"], first["key"]);
    let text = advice["text"].as_str().expect("text");
    assert!(text.contains(&format!("{} blocks of {} B", count(c["ITERATIONS"]), c["VEC_LEN"] * 8)), "{text}");
    assert!(text.contains("Vec::with_capacity") && text.contains("clear()"), "{text}");
    let shown = stdout(&run_in(&project, &["heap", s(&file), "--sort", "short-lived"]));
    assert!(shown.contains("Findings\n1. [short-lived] allocs::per_iteration"), "{shown}");

    // after reusing the buffer: the blocks drop to one
    run(&["--save", "after", "--", "reuse"]);
    let diff = json_of(&run_in(&project, &["heap", "diff", "before", "after", "--by", "function", "--format", "json"]));
    let per = row(&diff, "allocs::per_iteration");
    assert_eq!((u(&per["base"]["blocks"]), u(&per["new"]["blocks"])), (c["ITERATIONS"], 1));
    let text = stdout(&run_in(&project, &["heap", "diff", "before", "after", "--by", "function"]));
    assert!(text.lines().any(|l| l.contains("allocs::per_iteration") && l.contains("-999")), "{text}");

    // a benchmark target, named as it ran
    let o = run_in(&project, &["heap", "--bench", "churn", "--by", "function", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("/churn-") && stderr(&o).contains("--bench"), "{}", stderr(&o));
    assert_eq!(u(&row(&json(&o), "allocs::per_iteration")["blocks"]), c["ITERATIONS"]);
    // a run under valgrind is kept in the history: the whole profile, which
    // shown the same way gives what was printed
    let kept = json(&run_in(&project, &["runs", "show", "last", "--command", "heap", "--format", "json"]));
    assert_eq!(kept["result"]["schema"], "fastware/heap-data/1");
    let model: fastware_heap::saved::SavedHeap = serde_json::from_value(kept["result"].clone()).expect("the model");
    let profile = model.into_profile("kept").expect("reads");
    let again = fastware_heap::report::HeapReport::new(
        &profile,
        fastware_heap::report::By::Function,
        fastware_heap::report::Sort::Bytes,
        None,
        20,
    );
    same(&serde_json::to_value(&again).expect("json"), &json(&o), "the kept heap profile");

    // the program failing: the report, then exit 1
    let o = run_in(&project, &["heap", "--format", "json", "--", "fail"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("exited with status 3"), "{}", stderr(&o));
    // then valgrind's messages are shown
    assert!(stderr(&o).contains("DHAT, a dynamic heap analysis tool"), "{}", stderr(&o));
    // the site is the line of the allocation in the loop
    let src = std::fs::read_to_string(project.join("src/lib.rs")).expect("lib.rs");
    let line =
        src.lines().enumerate().filter(|(_, l)| l.contains("Vec::with_capacity(VEC_LEN)")).nth(1).expect("loop").0 + 1;
    let site = format!("allocs::per_iteration (lib.rs:{line})");
    assert_eq!(u(&row(&json_of(&o), &site)["blocks"]), c["ITERATIONS"]);

    // on a terminal (a pty from util-linux's script): a spinner with the time
    // so far while valgrind runs, and the program's own output passing
    // through (what the program prints run alone)
    let native = Command::new(project.join("target/release/allocs")).arg("reuse").output().expect("allocs");
    let printed = String::from_utf8_lossy(&native.stdout).trim().to_string();
    assert!(!printed.is_empty());
    match on_a_terminal(&project, "heap --no-history --format json -- reuse") {
        Some(drawn) => {
            assert!(drawn.lines().any(|l| l.contains("running under valgrind (")), "{drawn}");
            // the line indicatif cleared (`ESC [2K`) before the program's
            let plain = drawn.replace("\u{1b}[2K", "");
            assert!(plain.lines().any(|l| l.trim() == printed), "{printed} in {drawn}");
        }
        None => eprintln!("SKIPPED the spinner on a terminal: util-linux's script cannot run here"),
    }
}

#[test]
fn the_dhat_crate_s_file_reads_with_the_same_figures() {
    let target = fastware_testkit::cargo_build_stable("allocs", "", &["--release", "--features", "dhat-heap"]);
    let dir = fastware_testkit::temp_dir("heap-dhat-rs");
    let out = std::process::Command::new(target.join("release/allocs")).current_dir(&dir).output().expect("run");
    assert!(out.status.success());
    let file = dir.join("dhat-heap.json");
    let by_function = json_of(&run(&["heap", s(&file), "--by", "function", "--format", "json", "--top", "0"]));
    let by_site = json_of(&run(&["heap", s(&file), "--format", "json", "--top", "0"]));
    assert_eq!(by_function["header"]["tool"], "dhat-rs");
    assert_eq!(by_function["header"]["time_unit"], "µs");
    check_totals(&by_function, &file);
    // the dhat crate's own summary
    let printed = String::from_utf8_lossy(&out.stderr).into_owned();
    let t = &by_function["header"]["totals"];
    assert_eq!(summary(&printed, "Total:"), (u(&t["bytes"]), u(&t["blocks"])));
    assert_eq!(summary(&printed, "At t-gmax:"), (u(&t["peak_bytes"]), u(&t["peak_blocks"])));
    assert_eq!(summary(&printed, "At t-end:"), (u(&t["end_bytes"]), u(&t["end_blocks"])));
    // the dhat crate names inlined frames without their path
    check_known(&by_function, &by_site, |f| if f == "run" { "allocs::run".into() } else { f.to_string() });
    check_frames(&by_site, &file);
    let text = stdout(&run(&["heap", s(&file)]));
    assert!(text.contains("times are microseconds"), "{text}");
}

#[test]
fn bad_heap_inputs_get_one_clear_error() {
    let dir = fastware_testkit::temp_dir("heap-bad");
    let real = fastware_testkit::fixture("heap").join("allocs.dhat.json");
    let text = std::fs::read_to_string(&real).expect("committed DHAT file");
    let write = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, body).expect("write");
        p
    };
    for (name, body, kind, needle) in [
        ("empty.json", String::new(), "Empty", "empty file"),
        ("truncated.json", text[..text.len() / 2].to_string(), "Truncated", "DHAT file fastware can read (truncated)"),
        ("other.json", "{\"a\": 1}".to_string(), "NotHeapProfile", "not a heap profile"),
        ("v9.json", text.replacen("\"dhatFileVersion\":2", "\"dhatFileVersion\":9", 1), "Version", "dhatFileVersion 9"),
        ("mode.json", text.replacen("\"mode\":\"heap\"", "\"mode\":\"stack\"", 1), "Mode", "unknown DHAT mode `stack`"),
        (
            "damaged.json",
            text.replacen("\"pps\":", "\"pps\":!", 1),
            "Json",
            "DHAT file fastware can read: expected `[`",
        ),
    ] {
        let p = write(name, &body);
        expect_kind(&["heap", s(&p)], 2, &format!("HeapError::{kind}"), &[needle]);
    }
    // the truncated file's error names its end
    let cut = dir.join("truncated.json");
    run_error(&run(&["heap", s(&cut)]), 2, &format!("{}:{})", s(&cut), text.len() / 2));
    run_error(&run(&["heap", s(&dir.join("missing.json"))]), 2, "no such file");
    expect_kind(&["heap", s(&dir)], 2, "HeapError::Directory", &["a directory"]);
    // valgrind missing: said before anything is built
    let o = fastware()
        .args(["heap", "--manifest-path", s(&fastware_testkit::fixture("allocs").join("Cargo.toml"))])
        .args(["--format", "json"])
        .env("PATH", "/nonexistent")
        .output()
        .expect("run");
    json_error_of(&o, 1, "RunnerError::NotInstalled", &["valgrind is not installed", "apt-get install valgrind"]);
}

#[test]
fn copy_mode_files_read() {
    if !valgrind_works() {
        return;
    }
    let target = fastware_testkit::cargo_build_stable("allocs", "", &["--release"]);
    let dir = fastware_testkit::temp_dir("heap-copy");
    let file = dir.join("copy.json");
    let st = std::process::Command::new("valgrind")
        .args(["-q", "--tool=dhat", "--mode=copy", &format!("--dhat-out-file={}", s(&file))])
        .arg(target.join("release/allocs"))
        .stdout(std::process::Stdio::null())
        .status()
        .expect("valgrind");
    assert!(st.success());
    let v = json_of(&run(&["heap", s(&file), "--format", "json", "--top", "0"]));
    assert_eq!(v["header"]["mode"], "copy");
    assert_eq!(v["header"]["verb"], "Copied");
    check_totals(&v, &file);
    let text = stdout(&run(&["heap", s(&file)]));
    assert!(text.contains("copied:"), "{text}");
}

/// The committed DHAT file's findings against the test's own walk of it:
/// per program point, the first frame in the fixture's crate is its site;
/// a frame before it that reallocates makes its blocks reallocations.
#[test]
fn heap_findings_equal_the_dhat_files_own_records() {
    let file = fastware_testkit::fixture("heap").join("allocs.dhat.json");
    let o = run(&["heap", s(&file), "--format", "json", "--no-history"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    let finding = |rule: &str| -> Value {
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == rule)
            .cloned()
            .unwrap_or_else(|| panic!("no {rule}: {:#}", v["findings"]))
    };
    let d: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("file")).expect("json");
    let ftbl: Vec<&str> = d["ftbl"].as_array().expect("ftbl").iter().map(|f| f.as_str().expect("frame")).collect();
    // (site line, reallocations, peak bytes, bytes at exit) per user site
    let mut sites: HashMap<String, (u64, u64, u64)> = HashMap::new();
    let mut peak = 0;
    for pp in d["pps"].as_array().expect("pps") {
        let fs: Vec<&str> =
            pp["fs"].as_array().expect("fs").iter().map(|f| ftbl[f.as_u64().expect("index") as usize]).collect();
        peak += pp["gb"].as_u64().unwrap_or(0);
        // the fixture's own source files are `lib.rs` and `main.rs` in DHAT's frames
        let at = |f: &str| f.rsplit('(').next().unwrap_or("").to_string();
        let Some(user) = fs.iter().position(|f| at(f).starts_with("lib.rs:") || at(f).starts_with("main.rs:")) else {
            continue;
        };
        // a site: the frame without its address (function and place)
        let site = fs[user].split_once(": ").map_or(fs[user], |(_, t)| t).to_string();
        let e = sites.entry(site).or_default();
        if fs[..user].iter().any(|f| f.contains("realloc") || f.contains("finish_grow") || f.contains("grow_one")) {
            e.0 += pp["tbk"].as_u64().expect("blocks");
        }
        e.1 += pp["gb"].as_u64().unwrap_or(0);
        e.2 += pp["eb"].as_u64().unwrap_or(0);
    }
    // realloc-growth: the site with the most reallocations
    let (site, grown) =
        sites.iter().map(|(k, v)| (k.clone(), v.0)).max_by_key(|(k, n)| (*n, k.clone())).expect("sites");
    let f = finding("realloc-growth");
    assert_eq!(f["evidence"][0]["value"].as_f64(), Some(grown as f64), "{f}");
    let place = site.rsplit('(').next().unwrap_or("").trim_end_matches(')');
    assert!(f["title"].as_str().is_some_and(|t| t.contains(&format!("({place})"))), "{f} at {site}");
    // peak-site: lib.rs:49 (the peak's closure) holds PEAK_BLOCKS x PEAK_BYTES
    let c = constants();
    let held = sites.values().map(|v| v.1).max().expect("a peak");
    assert_eq!(held, c["PEAK_BLOCKS"] * c["PEAK_BYTES"]);
    let f = finding("peak-site");
    assert_eq!(f["evidence"][0]["value"].as_f64(), Some(held as f64));
    assert!((f["evidence"][1]["value"].as_f64().expect("share") - held as f64 / peak as f64).abs() < 1e-12);
    // leak: LEAK_BYTES at allocs::leak, the only user site with bytes at exit
    let leaked: Vec<u64> = sites.values().map(|v| v.2).filter(|&b| b > 0).collect();
    assert_eq!(leaked, vec![c["LEAK_BYTES"]]);
    assert_eq!(finding("leak")["evidence"][0]["value"].as_f64(), Some(c["LEAK_BYTES"] as f64));
    // short-lived: ITERATIONS blocks at per_iteration, as the advice has them
    let f = finding("short-lived");
    assert_eq!(f["evidence"][0]["value"].as_f64(), Some(c["ITERATIONS"] as f64));
    assert_eq!(f["evidence"][0]["pointer"], "/advice/0/blocks");
    assert_eq!(v["advice"][0]["blocks"].as_u64(), Some(c["ITERATIONS"]));

    // the reuse variant: no short-lived site, no growth finding invented
    let reuse = fastware_testkit::fixture("heap").join("allocs-reuse.dhat.json");
    let v = json(&run(&["heap", s(&reuse), "--format", "json", "--no-history"]));
    let rules: Vec<&str> =
        v["findings"].as_array().expect("findings").iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(!rules.contains(&"short-lived"), "{rules:?}");
}
