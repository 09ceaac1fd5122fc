//! `fastware profile` on `tests/fixtures/hotspots` (known hot spots, an
//! inlined helper, a recursion) and the criterion fixture, run for real
//! under perf and callgrind; the figures checked against `perf report`,
//! `callgrind_annotate`, the callgrind file's own records, `fastware asm`
//! and `addr2line -i`. Where perf or valgrind cannot run here, the test
//! prints SKIPPED and why.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::common::*;

/// The fixture's release binary (with frame pointers when `fp`).
fn hotspots(fp: bool) -> PathBuf {
    let flags = if fp { "-Cforce-frame-pointers=yes" } else { "" };
    fastware_testkit::cargo_build_stable("hotspots", flags, &["--release"]).join("release/hotspots")
}

/// `perf record` of `bin args` into `out`, as a user would run it.
fn perf_record(out: &Path, call_graph: &str, bin: &Path, args: &[&str]) {
    let st = Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-F", "999", "--call-graph", call_graph, "-o", s(out), "--"])
        .arg(bin)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("perf record");
    assert!(st.success());
}

fn callgrind_record(out: &Path, bin: &Path, args: &[&str]) {
    let st = Command::new("valgrind")
        .args(["-q", "--tool=callgrind", "--dump-instr=yes", &format!("--callgrind-out-file={}", s(out))])
        .arg(bin)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("valgrind");
    assert!(st.success());
}

/// `perf report --stdio` percentages per symbol: (self, total) with `--children`.
fn perf_report(data: &Path) -> HashMap<String, (f64, f64)> {
    let o = Command::new("perf")
        .args(["report", "-i", s(data), "--stdio", "--children", "--sort", "symbol", "--no-inline", "-g", "none"])
        .args(["--percent-limit", "0"])
        .output()
        .expect("perf report");
    let mut out = HashMap::new();
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        // `    99.53%     0.00%  [.] hotspots::main   -   -`
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 4 || !f[0].ends_with('%') || !f[1].ends_with('%') || f[2] != "[.]" {
            continue;
        }
        let pct = |t: &str| t.trim_end_matches('%').parse::<f64>().expect("percent");
        let name = line.split("[.] ").nth(1).expect("name").trim_end().trim_end_matches(['-', ' ']).to_string();
        out.insert(name, (pct(f[1]), pct(f[0])));
    }
    out
}

/// A cost as the percentage `perf report` prints: `100.0 * period / total`
/// with printf's `%.2f`, which rounds a tie (3.125) to even, as Rust's
/// `{:.2}` does (rounding half away from zero disagreed on a tie).
fn perf_percent(cost: u64, total: f64) -> f64 {
    format!("{:.2}", 100.0 * cost as f64 / total).parse().expect("a number")
}

fn rows<'a>(v: &'a Value, list: &str) -> &'a Vec<Value> {
    v[list].as_array().expect("rows")
}

fn row<'a>(v: &'a Value, list: &str, name: &str) -> Option<&'a Value> {
    rows(v, list).iter().find(|r| r["function"] == name)
}

/// Time in the kernel is named by function from /proc/kallsyms (the
/// recording is of this boot), as perf report names it, not one `[kernel]`
/// row: `dd` reading /dev/zero spends nearly all its time there.
#[test]
fn kernel_frames_are_named_as_perf_report_names_them() {
    if !perf_works() {
        return;
    }
    let kallsyms = std::fs::read_to_string("/proc/kallsyms").unwrap_or_default();
    if !kallsyms.lines().any(|l| l.ends_with(" _text") && !l.starts_with("0000000000000000")) {
        eprintln!("SKIPPED kernel names: /proc/kallsyms hides the addresses here (kernel.kptr_restrict)");
        return;
    }
    let data = fastware_testkit::temp_dir("profile-kernel").join("dd.data");
    let st = Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-F", "999", "-g", "-o", s(&data), "--"])
        .args(["dd", "if=/dev/zero", "of=/dev/null", "bs=1M", "count=3000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("perf record");
    assert!(st.success());
    let o = Command::new("perf")
        .args(["report", "-i", s(&data), "--stdio", "--no-children", "--sort", "symbol", "-g", "none"])
        .output()
        .expect("perf report");
    // `    97.24%  [k] read_zero   -   -`
    let theirs: HashMap<String, f64> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let (pct, rest) = l.trim().split_once("%  [k] ")?;
            Some((rest.split_whitespace().next()?.to_string(), pct.parse().ok()?))
        })
        .collect();
    let v = run_json(&["profile", s(&data), "--top", "0", "--format", "json", "--no-history"]);
    let total = v["header"]["total"].as_u64().expect("total") as f64;
    let mut checked = 0;
    for (name, pct) in &theirs {
        let r = row(&v, "by_self", name).unwrap_or_else(|| panic!("{name} ({pct}%) not named"));
        let ours = perf_percent(r["self"].as_u64().expect("self"), total);
        assert_eq!(ours, *pct, "{name}");
        checked += 1;
    }
    assert!(checked >= 1 && theirs.values().sum::<f64>() > 50.0, "{theirs:?}");
    assert!(row(&v, "by_self", "[kernel]").is_none(), "a [kernel] row left");
    assert!(v["header"]["notes"].is_null(), "{}", v["header"]);
    // the symbols of another boot (here: a copy without `_text`) name nothing, and say so
    let other = fastware_testkit::temp_dir("profile-kernel-other").join("kallsyms");
    std::fs::write(&other, kallsyms.lines().filter(|l| !l.ends_with(" _text")).collect::<Vec<_>>().join("\n"))
        .expect("write");
    let o = fastware()
        .args(["profile", s(&data), "--format", "json", "--no-history"])
        .env("FASTWARE_KALLSYMS", &other)
        .output()
        .expect("run");
    let v = json(&o);
    assert!(row(&v, "by_self", "[kernel]").is_some(), "{v:#}");
    assert!(v["header"]["notes"][0].as_str().is_some_and(|n| n.contains("FASTWARE_KALLSYMS")), "{}", v["header"]);
    // a directory or an empty file in its place: the same, no panic
    for bad in [other.parent().expect("dir").to_path_buf(), other.with_file_name("empty")] {
        let _ = std::fs::write(other.with_file_name("empty"), b"");
        let o = fastware()
            .args(["profile", s(&data), "--format", "json", "--no-history"])
            .env("FASTWARE_KALLSYMS", &bad)
            .output()
            .expect("run");
        assert!(o.status.success() && row(&json(&o), "by_self", "[kernel]").is_some(), "{}", stderr(&o));
    }
}

/// `--file ./echo` runs that file, not the `echo` on PATH, under callgrind
/// and under DHAT (issue 27, item 6: symbols were read from one, the other run).
#[test]
fn a_relative_file_is_the_program_that_runs() {
    if !valgrind_works() {
        return;
    }
    let tmp = fastware_testkit::temp_dir("profile-relative");
    std::fs::copy(hotspots(false), tmp.join("echo")).expect("copy");
    let o =
        run_in(&tmp, &["profile", "--callgrind", "--file", "./echo", "--format", "json", "--no-history", "--", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // valgrind's banner and summary are not on the user's terminal
    assert!(!stderr(&o).lines().any(|l| l.starts_with("==")), "{}", stderr(&o));
    let v = json(&o);
    let binary = v["header"]["binary"].as_str().expect("binary");
    assert!(Path::new(binary).starts_with(&tmp) && binary.ends_with("echo"), "{binary}");
    assert!(rows(&v, "by_self").iter().any(|r| r["function"] == "hotspots::heavy"), "{v:#}");
    let o = run_in(&tmp, &["heap", "--file", "./echo", "--format", "json", "--no-history", "--", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("{}", tmp.join("./echo").display())), "{}", stderr(&o));
}

/// Frame-pointer stacks through code built without frame pointers stop at
/// the leaf (perf script shows one frame): `rooted_share`, which makes
/// `profile` record again with DWARF stacks (issue 27, item 11), tells them
/// from stacks walked right, checked here against perf script's own stacks.
#[test]
fn broken_frame_pointer_stacks_are_told_apart() {
    if !perf_works() {
        return;
    }
    let tmp = fastware_testkit::temp_dir("profile-rooted");
    for (fp, graph, broken) in [(true, "fp", false), (false, "dwarf", false), (false, "fp", true)] {
        let data = tmp.join(format!("{fp}-{graph}.data"));
        perf_record(&data, graph, &hotspots(fp), &["10"]);
        // the reference: perf script's stacks, and how many have more than one frame
        let script = Command::new("perf").args(["script", "-i", s(&data)]).output().expect("perf script");
        let text = String::from_utf8_lossy(&script.stdout);
        let stacks: Vec<usize> = text.split("\n\n").map(|b| b.lines().skip(1).count()).filter(|&n| n > 0).collect();
        let deep = stacks.iter().filter(|&&n| n > 1).count() as f64 / stacks.len() as f64;
        let p = fastware_profile::saved::read(&data, None).expect("read");
        let rooted = fastware_profile::perf::rooted_share(&p).expect("stacks");
        if broken {
            assert!(deep < 0.2 && rooted < 0.2, "{fp} {graph}: deep {deep}, rooted {rooted}");
        } else {
            assert!(deep > 0.8 && rooted > 0.8, "{fp} {graph}: deep {deep}, rooted {rooted}");
        }
    }
}

#[test]
fn perf_self_and_total_equal_perf_reports() {
    if !perf_works() {
        return;
    }
    let tmp = fastware_testkit::temp_dir("profile-perf-report");
    for (fp, graph) in [(true, "fp"), (false, "dwarf")] {
        let data = tmp.join(format!("{graph}.data"));
        perf_record(&data, graph, &hotspots(fp), &["30"]);
        let v = run_json(&["profile", s(&data), "--no-inline", "--by", "instance", "--top", "0", "--format", "json"]);
        let total = v["header"]["total"].as_u64().expect("total") as f64;
        let theirs = perf_report(&data);
        let mut checked = 0;
        for r in rows(&v, "by_self") {
            let name = r["function"].as_str().expect("name");
            let Some(&(self_pct, total_pct)) = theirs.get(name) else { continue };
            // perf prints two decimals
            let ours = |k: &str| perf_percent(r[k].as_u64().expect("cost"), total);
            assert_eq!(ours("self"), self_pct, "{graph}: self of {name}");
            if fp {
                // the same recorded call chains: the same totals
                assert_eq!(ours("total"), total_pct, "{graph}: total of {name}");
            }
            checked += 1;
        }
        for f in ["hotspots::heavy", "hotspots::light", "hotspots::mix", "hotspots::fib"] {
            assert!(theirs.contains_key(f) && row(&v, "by_self", f).is_some(), "{graph}: {f}");
        }
        assert!(checked >= 5, "{graph}: {checked} symbols compared");
        // heavy does three times light's work
        let cost = |f: &str| row(&v, "by_self", f).expect(f)["self"].as_u64().expect("self") as f64;
        let ratio = cost("hotspots::heavy") / cost("hotspots::light");
        assert!((2.0..4.5).contains(&ratio), "{graph}: heavy/light = {ratio}");
    }
}

/// callgrind_annotate's figures per function name (files of one function
/// summed for self; for the total, the function's own entry, which holds
/// its calls' cost, is the largest). Lines for code inlined from other
/// files carry no object name, so functions are told apart by name alone:
/// the fixture's are unique.
fn annotate_figures(out: &Path, inclusive: bool) -> HashMap<String, u64> {
    let o = Command::new("callgrind_annotate")
        .arg(format!("--inclusive={}", if inclusive { "yes" } else { "no" }))
        .args(["--threshold=100", "--auto=no", s(out)])
        .output()
        .expect("callgrind_annotate");
    let mut m: HashMap<String, Vec<u64>> = HashMap::new();
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        // `57,600,015 (45.41%)  src/main.rs:hotspots::heavy [/path/hotspots]`
        let t = line.trim_start();
        let Some((num, rest)) = t.split_once(' ') else { continue };
        let Ok(n) = num.replace(',', "").parse::<u64>() else { continue };
        let Some(rest) = rest.trim_start().strip_prefix('(').and_then(|r| r.split_once(")  ")).map(|x| x.1) else {
            continue;
        };
        let place = rest.rsplit_once(" [").map_or(rest, |x| x.0);
        let Some((_, function)) = place.split_once(':') else { continue };
        m.entry(function.to_string()).or_default().push(n);
    }
    m.into_iter().map(|(k, v)| (k, if inclusive { *v.iter().max().expect("one") } else { v.iter().sum() })).collect()
}

#[test]
fn callgrind_figures_equal_callgrind_annotate_and_the_files_own_records() {
    if !valgrind_works() {
        return;
    }
    let tmp = fastware_testkit::temp_dir("profile-callgrind");
    let bin = hotspots(false);
    let out = tmp.join("callgrind.out");
    callgrind_record(&out, &bin, &["3"]);
    let v = run_json(&["profile", s(&out), "--top", "0", "--format", "json"]);
    assert_eq!(v["header"]["unit"], "instructions");
    let exclusive = annotate_figures(&out, false);
    let inclusive = annotate_figures(&out, true);
    for f in ["hotspots::heavy", "hotspots::light", "hotspots::mix", "hotspots::main"] {
        let ours = row(&v, "by_self", f).unwrap_or_else(|| panic!("{f} in {v}"));
        assert_eq!(ours["self"].as_u64(), exclusive.get(f).copied(), "exclusive Ir of {f}");
        assert_eq!(ours["total"].as_u64(), inclusive.get(f).copied(), "inclusive Ir of {f}");
    }
    // the recursion: callgrind names its deeper levels `fib'2`; fastware
    // counts them as fib, its self summed, its total the outermost level's
    // (the calls from main), which holds the deeper ones once
    let fib = row(&v, "by_self", "hotspots::fib").expect("fib");
    let levels: Vec<&String> = exclusive.keys().filter(|k| k.starts_with("hotspots::fib'")).collect();
    assert!(!levels.is_empty(), "callgrind separated fib's recursion levels");
    let self_sum = exclusive["hotspots::fib"] + levels.iter().map(|k| exclusive[k.as_str()]).sum::<u64>();
    assert_eq!(fib["self"].as_u64(), Some(self_sum));
    assert_eq!(fib["total"].as_u64(), inclusive.get("hotspots::fib").copied());
    assert!(rows(&v, "by_self").iter().all(|r| !r["function"].as_str().expect("f").contains("fib'")));
    let header_total = v["header"]["total"].as_u64().expect("total");
    assert!(
        rows(&v, "by_total").iter().all(|r| r["total"].as_u64().expect("total") <= header_total),
        "no total above 100%"
    );
    // heavy does three times light's work, instruction for instruction
    let cost = |f: &str| row(&v, "by_self", f).expect(f)["self"].as_u64().expect("self") as f64;
    let ratio = cost("hotspots::heavy") / cost("hotspots::light");
    assert!((2.99..3.01).contains(&ratio), "heavy/light = {ratio}");
    // --annotate: per-instruction Ir as the file records them, at the addresses `asm` shows
    let a = run_json(&["profile", s(&out), "--annotate", "hotspots::mix", "--format", "json"]);
    let listing = run_json(&["asm", "hotspots::mix", "--file", s(&bin), "--format", "json"]);
    let ours: Vec<u64> = rows(&a, "lines").iter().map(|l| l["address"].as_u64().expect("address")).collect();
    let asm: Vec<u64> = rows(&listing, "lines").iter().map(|l| l["address"].as_u64().expect("address")).collect();
    assert_eq!(ours, asm, "annotated addresses are asm's");
    let recorded = function_costs(&out, "hotspots::mix");
    let min = *recorded.keys().min().expect("costs");
    let start = asm[0];
    for l in rows(&a, "lines") {
        let at = l["address"].as_u64().expect("address") - start + min;
        assert_eq!(l["cost"].as_u64(), Some(recorded.get(&at).copied().unwrap_or(0)), "Ir at {at:#x}");
    }
    assert_eq!(a["cost_elsewhere"], 0);
}

/// An independent walk of a callgrind.out: the self cost at each instruction
/// of function `name` (positions `instr line`, compressed names, relative
/// positions; the cost line after `calls=` is a call's, not the function's).
fn function_costs(path: &Path, name: &str) -> HashMap<u64, u64> {
    let text = std::fs::read_to_string(path).expect("callgrind.out");
    let mut names: HashMap<String, String> = HashMap::new();
    let (mut current, mut after_call, mut last_addr) = (String::new(), false, 0u64);
    let mut out = HashMap::new();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("fn=") {
            current = match v.split_once(' ') {
                Some((id, n)) => {
                    names.insert(id.to_string(), n.to_string());
                    n.to_string()
                }
                None => names.get(v).cloned().unwrap_or_else(|| v.to_string()),
            };
        } else if let Some(v) = line.strip_prefix("cfn=") {
            if let Some((id, n)) = v.split_once(' ') {
                names.insert(id.to_string(), n.to_string());
            }
        } else if line.starts_with("calls=") {
            after_call = true;
        } else if line.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-' || c == '*') {
            let mut f = line.split_whitespace();
            let pos = f.next().expect("position");
            last_addr = match pos {
                "*" => last_addr,
                p if p.starts_with("0x") => u64::from_str_radix(&p[2..], 16).expect("hex"),
                p if p.starts_with('+') => last_addr + p[1..].parse::<u64>().expect("n"),
                p if p.starts_with('-') => last_addr - p[1..].parse::<u64>().expect("n"),
                p => p.parse().expect("address"),
            };
            let _line = f.next();
            let cost: u64 = f.next().map_or(0, |c| c.parse().expect("cost"));
            if !after_call && current == name {
                *out.entry(last_addr).or_default() += cost;
            }
            after_call = false;
        }
    }
    out
}

/// `tool args… addresses…`: per address, its frames as (name, file:line)
/// pairs, innermost first (both tools print a name line, then a place line;
/// llvm-symbolizer ends each address with an empty line, addr2line is
/// given one address at a time).
fn symbolizer_frames(tool: &str, args: &[&str], addresses: &[u64]) -> Option<Vec<Vec<(String, String)>>> {
    let mut out = Vec::new();
    let mut parse = |text: &str| {
        let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        let frames = lines
            .chunks(2)
            .map(|c| {
                // a legacy symbol's `::h` and 16 hex digits dropped
                let name = match c[0].rsplit_once("::h") {
                    Some((head, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => head,
                    _ => c[0],
                }
                .to_string();
                // `file:line[:column]`, the column dropped
                let place = c.get(1).copied().unwrap_or("");
                let mut parts: Vec<&str> = place.split(':').collect();
                if parts.len() > 2 {
                    parts.truncate(2);
                }
                let place = parts.join(":").split(" (").next().unwrap_or("").to_string();
                // a line 0 / `?` is no known place (fastware keeps no file without a line)
                let place = if place.ends_with(":?") || place.ends_with(":0") { "??:0".to_string() } else { place };
                (name, place)
            })
            .collect();
        out.push(frames);
    };
    if tool == "llvm-symbolizer" {
        let hex: Vec<String> = addresses.iter().map(|a| format!("{a:#x}")).collect();
        let o = Command::new(tool).args(args).args(&hex).output().ok()?;
        let text = String::from_utf8_lossy(&o.stdout);
        for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
            parse(block);
        }
    } else {
        for a in addresses {
            let o = Command::new(tool).args(args).arg(format!("{a:#x}")).output().ok()?;
            parse(&String::from_utf8_lossy(&o.stdout));
        }
    }
    Some(out)
}

#[test]
fn inlined_frames_are_what_llvm_symbolizer_and_addr2line_say() {
    let bin = hotspots(false);
    let b = fastware_binary::Binary::open(&bin).expect("binary");
    let mix = b.by_name().iter().find(|(n, _)| n.contains("hotspots3mix")).map(|(_, &i)| &b.symbols[i]).expect("mix");
    let mut sym = fastware_binary::symbolize::Symbolizer::new(&b);
    let addresses: Vec<u64> = (mix.address..mix.address + mix.size).step_by(3).collect();
    let ours: Vec<Vec<(String, String)>> = addresses
        .iter()
        .map(|&a| {
            sym.frames(a)
                .iter()
                .map(|f| (f.name.clone(), format!("{}:{}", f.file.as_deref().unwrap_or("??"), f.line.unwrap_or(0))))
                .collect()
        })
        .collect();
    let mut checked = 0;
    // names: llvm-symbolizer's (binutils' addr2line names an inlined frame
    // by the symbol around it when DWARF is line tables only)
    match symbolizer_frames("llvm-symbolizer", &["--inlines", "-e", s(&bin)], &addresses) {
        Some(theirs) => {
            assert_eq!(theirs.len(), addresses.len());
            for ((a, o), t) in addresses.iter().zip(&ours).zip(&theirs) {
                let on: Vec<&str> = o.iter().map(|f| f.0.as_str()).collect();
                let tn: Vec<&str> = t.iter().map(|f| f.0.as_str()).collect();
                assert_eq!(on, tn, "{a:#x}");
                checked += 1;
            }
        }
        None => eprintln!("SKIPPED: names not checked, llvm-symbolizer is not installed (apt-get install llvm)"),
    }
    // places: binutils' addr2line
    match symbolizer_frames("addr2line", &["-i", "-f", "-e", s(&bin)], &addresses) {
        Some(theirs) => {
            for ((a, o), t) in addresses.iter().zip(&ours).zip(&theirs) {
                let op: Vec<&str> = o.iter().map(|f| f.1.as_str()).collect();
                let tp: Vec<&str> = t.iter().map(|f| f.1.as_str()).collect();
                assert_eq!(op, tp, "{a:#x}");
                checked += 1;
            }
        }
        None => eprintln!("SKIPPED: places not checked, addr2line is not installed (apt-get install binutils)"),
    }
    if checked == 0 {
        return;
    }
    assert!(checked > 10);
    assert!(ours.iter().any(|f| f.len() > 1), "no inlined frame in mix: {ours:?}");
    // and in a profile, `helper`'s samples are under `mix`, marked inlined
    if perf_works() {
        let data = fastware_testkit::temp_dir("profile-inlined").join("perf.data");
        perf_record(&data, "dwarf", &bin, &["30"]);
        let o = run(&["profile", "folded", s(&data)]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).lines().any(|l| l.contains("hotspots::mix;helper [inlined]")), "{}", stdout(&o));
        // the top table ranks the real functions, as perf report does, with
        // the code inlined into each beneath it; no bare inlined row
        let v = run_json(&["profile", s(&data), "--top", "0", "--format", "json", "--no-history"]);
        assert!(rows(&v, "by_self").iter().all(|r| r["inlined"] == false), "{v:#}");
        let mix = row(&v, "by_self", "hotspots::mix").expect("mix");
        let leaves = mix["inlined_leaves"].as_array().expect("leaves");
        assert!(leaves.iter().any(|l| l["function"] == "helper [inlined]"), "{mix:#}");
        let leaf_sum: u64 = leaves.iter().map(|l| l["self"].as_u64().expect("self")).sum();
        assert!(leaf_sum <= mix["self"].as_u64().expect("self"), "{mix:#}");
        let total = v["header"]["total"].as_u64().expect("total") as f64;
        let theirs = perf_report(&data);
        for r in rows(&v, "by_self") {
            let name = r["function"].as_str().expect("name");
            if let Some(&(self_pct, _)) = theirs.get(name) {
                let ours = perf_percent(r["self"].as_u64().expect("self"), total);
                assert_eq!(ours, self_pct, "{name}");
            }
        }
        assert!(theirs.contains_key("hotspots::mix"));
        let o = run(&["profile", s(&data), "--inlined-rows", "--top", "0", "--format", "json", "--no-history"]);
        // ranked apart, an inlined function names the function it is in
        let v = json(&o);
        let helper = row(&v, "by_self", "helper").expect("helper as a row");
        assert_eq!(helper["inlined"], true);
        assert_eq!(helper["inlined_into"][0], "hotspots::mix", "{helper}");
    }
}

/// Text as HTML writes it in a DOM dump.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The Firefox Profiler file's samples: each stack's frame names (root
/// first) walked leaf to root through its documented tables (stackTable's
/// prefix, frameTable's func, funcTable's name, stringArray), weights added.
fn firefox_stacks(f: &Value) -> std::collections::BTreeMap<Vec<String>, u64> {
    let mut firefox_stacks: std::collections::BTreeMap<Vec<String>, u64> = Default::default();
    for t in f["threads"].as_array().expect("threads") {
        let col = |table: &str, field: &str| t[table][field].as_array().expect(field).clone();
        let (stack_frame, stack_prefix) = (col("stackTable", "frame"), col("stackTable", "prefix"));
        let (frame_func, func_name) = (col("frameTable", "func"), col("funcTable", "name"));
        let strings = t["stringArray"].as_array().expect("strings");
        let samples = &t["samples"];
        let n = samples["length"].as_u64().expect("length") as usize;
        let (stacks, weights) =
            (samples["stack"].as_array().expect("stack"), samples["weight"].as_array().expect("weight"));
        assert_eq!((stacks.len(), weights.len()), (n, n));
        for (st, w) in stacks.iter().zip(weights) {
            let mut names = Vec::new();
            let mut at = st.as_u64();
            while let Some(i) = at {
                let frame = stack_frame[i as usize].as_u64().expect("frame") as usize;
                let func = frame_func[frame].as_u64().expect("func") as usize;
                names.push(strings[func_name[func].as_u64().expect("name") as usize].as_str().expect("s").to_string());
                at = stack_prefix[i as usize].as_u64();
            }
            names.reverse();
            *firefox_stacks.entry(names).or_default() += w.as_u64().expect("weight");
        }
    }
    firefox_stacks
}

/// The speedscope file's samples: each stack's frame names, weights added.
fn speedscope_stacks(v: &Value) -> std::collections::BTreeMap<Vec<String>, u64> {
    let frames = v["shared"]["frames"].as_array().expect("frames");
    let mut speedscope_stacks: std::collections::BTreeMap<Vec<String>, u64> = Default::default();
    for p in v["profiles"].as_array().expect("profiles") {
        for (st, w) in p["samples"].as_array().expect("samples").iter().zip(p["weights"].as_array().expect("w")) {
            let names = st
                .as_array()
                .expect("stack")
                .iter()
                .map(|i| frames[i.as_u64().expect("i") as usize]["name"].as_str().expect("name").to_string())
                .collect();
            *speedscope_stacks.entry(names).or_default() += w.as_u64().expect("weight");
        }
    }
    speedscope_stacks
}

/// `profile export --speedscope`: speedscope's file format, valid against
/// the schema speedscope itself publishes (its npm package), the weights
/// adding up to perf script's sample count, fastware's own file replaced
/// without --force and the user's not; a callgrind profile's call graph
/// exported as stacks.
#[test]
fn a_profile_exports_to_speedscope() {
    if !perf_works() {
        return;
    }
    let tmp = fastware_testkit::temp_dir("profile-speedscope");
    let data = tmp.join("perf.data");
    perf_record(&data, "fp", &hotspots(true), &["10"]);
    let out = tmp.join("cpu.speedscope.json");
    let o = run(&["profile", "export", s(&data), "--speedscope", s(&out), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let said = json(&o);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("export")).expect("json");
    assert_eq!(v["$schema"], "https://www.speedscope.app/file-format-schema.json");
    let frames = v["shared"]["frames"].as_array().expect("frames");
    let script = Command::new("perf").args(["script", "-i", s(&data), "-F", "period"]).output().expect("perf script");
    let samples = String::from_utf8_lossy(&script.stdout).lines().filter(|l| !l.trim().is_empty()).count() as u64;
    let mut weights = 0;
    for p in v["profiles"].as_array().expect("profiles") {
        assert_eq!(p["type"], "sampled");
        let w: Vec<u64> = p["weights"].as_array().expect("weights").iter().map(|x| x.as_u64().expect("w")).collect();
        let stacks = p["samples"].as_array().expect("samples");
        assert_eq!(w.len(), stacks.len());
        assert_eq!(p["endValue"].as_u64(), Some(w.iter().sum()));
        for st in stacks {
            assert!(st.as_array().expect("stack").iter().all(|i| (i.as_u64().expect("index") as usize) < frames.len()));
        }
        weights += w.iter().sum::<u64>();
    }
    assert_eq!(weights, samples, "the weights add up to perf script's samples");
    assert_eq!(said["samples"].as_u64(), Some(samples));
    assert!(frames.iter().any(|f| f["name"] == "hotspots::heavy"));
    // speedscope's own schema, when python's jsonschema and npm are here
    let schema_dir = tmp.join("speedscope");
    std::fs::create_dir_all(&schema_dir).expect("dir");
    let packed = Command::new("npm")
        .args(["pack", "speedscope@1.25.0", "--silent"])
        .current_dir(&schema_dir)
        .output()
        .is_ok_and(|o| o.status.success());
    let untar = packed
        && Command::new("sh")
            .args(["-c", "tar xzf speedscope-*.tgz package/dist/release"])
            .current_dir(&schema_dir)
            .status()
            .is_ok_and(|s| s.success());
    let has_jsonschema = Command::new("python3").args(["-c", "import jsonschema"]).status().is_ok_and(|s| s.success());
    if untar && has_jsonschema {
        let schema = schema_dir.join("package/dist/release/file-format-schema.json");
        let check = "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))";
        let o = Command::new("python3").args(["-c", check, s(&out), s(&schema)]).output().expect("python3");
        assert!(o.status.success(), "not valid speedscope: {}", String::from_utf8_lossy(&o.stderr));
    } else {
        eprintln!("SKIPPED speedscope's schema check: needs npm (speedscope's package) and python3's jsonschema");
    }
    // the real viewer: speedscope's built page and the file served on
    // 127.0.0.1, opened in headless chromium (its sandwich view lists each
    // function as text): our heaviest functions are there, imported as
    // speedscope's own format, with no error on the console
    if untar {
        let site = schema_dir.join("package/dist/release");
        std::fs::copy(&out, site.join("cpu.json")).expect("copy");
        let port = serve(&site);
        let url =
            format!("http://127.0.0.1:{port}/index.html#profileURL=http://127.0.0.1:{port}/cpu.json&view=sandwich");
        // speedscope draws with WebGL; without a GPU, Chromium since 137 only
        // falls back to SwiftShader's software WebGL when told to (else
        // "Failed to create WebGL context" and an empty view)
        let flags = ["--virtual-time-budget=10000", "--enable-unsafe-swiftshader"];
        if let Some((dom, log)) = render_url_in_chromium(&url, &flags) {
            assert!(log.contains("Importing as speedscope json file"), "{log}");
            // the table lists the heaviest by self weight first: the file's three
            // heaviest leaf frames, summed here, are shown
            let mut own = vec![0u64; frames.len()];
            for p in v["profiles"].as_array().expect("profiles") {
                let weights = p["weights"].as_array().expect("weights");
                for (st, w) in p["samples"].as_array().expect("samples").iter().zip(weights) {
                    if let Some(leaf) = st.as_array().expect("stack").last() {
                        own[leaf.as_u64().expect("index") as usize] += w.as_u64().expect("weight");
                    }
                }
            }
            let mut order: Vec<usize> = (0..frames.len()).collect();
            order.sort_by_key(|&i| std::cmp::Reverse(own[i]));
            for &i in &order[..3] {
                let f = frames[i]["name"].as_str().expect("name");
                let shown = html_escape(f);
                assert!(
                    dom.contains(&format!(">{shown}<")) || dom.contains(&format!("\"{shown}\"")),
                    "{f} not shown: {dom}"
                );
            }
            assert!(order[..3].iter().any(|&i| frames[i]["name"] == "hotspots::heavy"), "the fixture's heaviest");
            let errors: Vec<&str> = log
                .lines()
                .filter(|l| l.contains(":CONSOLE") && (l.contains("Error") || l.contains("error")))
                .collect();
            assert!(errors.is_empty(), "{errors:?}");
        }
    } else {
        eprintln!("SKIPPED the speedscope viewer check: needs npm (speedscope's package)");
    }
    // the Firefox Profiler's processed format: its documented tables read
    // back here, every sample's stack walked leaf to root through stackTable
    // (prefix), frameTable (func), funcTable (name) and stringArray; the
    // stacks and weights are the speedscope file's, the weights perf's count
    let ff = tmp.join("cpu.firefox.json");
    let o = run(&["profile", "export", s(&data), "--firefox", s(&ff), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["format"], "firefox");
    let f: Value = serde_json::from_str(&std::fs::read_to_string(&ff).expect("export")).expect("json");
    assert!(f["meta"]["preprocessedProfileVersion"].as_u64().is_some_and(|v| v >= 48), "{}", f["meta"]);
    let in_firefox = firefox_stacks(&f);
    assert_eq!(in_firefox, speedscope_stacks(&v), "the same stacks and weights");
    assert_eq!(in_firefox.values().sum::<u64>(), samples, "perf script's samples");
    assert!(run(&["profile", "export", s(&data), "--firefox", s(&ff)]).status.success(), "its own file, replaced");
    // its own file again: replaced; a file of the user's: refused
    assert!(run(&["profile", "export", s(&data), "--speedscope", s(&out)]).status.success());
    let mine = tmp.join("mine.json");
    std::fs::write(&mine, "{}").expect("write");
    expect_error(&["profile", "export", s(&data), "--speedscope", s(&mine)], 2, &["--force"]);
    // a callgrind profile: its call graph expanded into stacks, said so;
    // the weights add up to the file's own total (its `summary:` line), and
    // each function main alone calls (heavy, light, mix) has its own cost,
    // by a raw walk of the file, at the leaves of its stacks; the Firefox
    // file holds the same stacks and weights
    let cg = fastware_testkit::fixture("profiles").join("hotspots-1.callgrind.out");
    let cg_out = tmp.join("cg.speedscope.json");
    let said = run_json(&["profile", "export", s(&cg), "--speedscope", s(&cg_out), "--format", "json"]);
    assert!(said["note"].as_str().is_some_and(|n| n.contains("call graph")), "{said}");
    let raw = std::fs::read_to_string(&cg).expect("callgrind.out");
    let total: u64 = raw.lines().find_map(|l| l.strip_prefix("summary: ")).expect("summary").trim().parse().expect("n");
    let c: Value = serde_json::from_str(&std::fs::read_to_string(&cg_out).expect("export")).expect("json");
    let stacks = speedscope_stacks(&c);
    assert_eq!(stacks.values().sum::<u64>(), total, "every instruction once");
    assert_eq!((said["samples"].as_u64(), said["unit"].as_str()), (Some(total), Some("instructions")));
    for f in ["hotspots::heavy", "hotspots::light", "hotspots::mix"] {
        let own: u64 = stacks.iter().filter(|(st, _)| st.last().is_some_and(|l| l == f)).map(|(_, w)| w).sum();
        assert_eq!(own, function_costs(&cg, f).values().sum::<u64>(), "{f}'s own instructions");
        assert!(stacks.keys().any(|st| st.ends_with(&["hotspots::main".to_string(), f.to_string()])), "main;{f}");
    }
    if untar && has_jsonschema {
        let schema = schema_dir.join("package/dist/release/file-format-schema.json");
        let check = "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))";
        let o = Command::new("python3").args(["-c", check, s(&cg_out), s(&schema)]).output().expect("python3");
        assert!(o.status.success(), "not valid speedscope: {}", String::from_utf8_lossy(&o.stderr));
    }
    let cg_ff = tmp.join("cg.firefox.json");
    let o = run(&["profile", "export", s(&cg), "--firefox", s(&cg_ff)]);
    assert!(stdout(&o).contains("instructions") && stdout(&o).contains("call graph"), "{}", stderr(&o));
    let f: Value = serde_json::from_str(&std::fs::read_to_string(&cg_ff).expect("export")).expect("json");
    assert_eq!(firefox_stacks(&f), stacks, "the same stacks and weights");
    expect_error(&["profile", "export", s(&data)], 2, &["--speedscope", "--firefox"]);

    // kept in a project's history, the profile is a flamegraph on the report
    // page (inline, no script): its heaviest function's frames add up to
    // that function's total in the profile's JSON
    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("inliner"), "profile-page");
    let store = project.join("h.sqlite");
    let o = run_in(&project, &["profile", s(&data), "--save", "hot", "--store", s(&store), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = json(&o);
    let heavy = report["by_total"]
        .as_array()
        .expect("by_total")
        .iter()
        .find(|r| r["function"] == "hotspots::heavy")
        .expect("heavy");
    let page = project.join("page.html");
    assert!(run_in(&project, &["report", "--last", "1", "--store", s(&store), "-o", s(&page)]).status.success());
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(html.contains("<div class=\"flamegraph\"><svg") && !html.contains("<script"), "no flamegraph");
    // inferno's tooltips: `<title>NAME (N samples, P%)</title>`, one per frame of that name
    assert_eq!(Some(drawn(&html, "hotspots::heavy")), heavy["total"].as_u64(), "{heavy}");
    if let Some((dom, log)) = render_in_chromium(&page) {
        assert!(dom.contains("<title>hotspots::heavy ("), "the flamegraph in the page's DOM");
        let errors: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).collect();
        assert!(errors.is_empty(), "console messages: {errors:?}");
    }
}

#[test]
fn views_callees_callers_hide_focus_flamegraph_folded_diff() {
    if !perf_works() {
        return;
    }
    let tmp = fastware_testkit::temp_dir("profile-views");
    let (small, large) = (tmp.join("small.data"), tmp.join("large.data"));
    perf_record(&small, "fp", &hotspots(true), &["10"]);
    perf_record(&large, "fp", &hotspots(true), &["30"]);
    // callees of main: its four workers, their cost when called from it adding up to its total
    let v = run_json(&["profile", s(&large), "--callees", "hotspots::main$", "--no-inline", "--format", "json"]);
    let callees: Vec<&str> = rows(&v, "rows").iter().map(|r| r["function"].as_str().expect("f")).collect();
    for f in ["hotspots::heavy", "hotspots::light", "hotspots::mix", "hotspots::fib"] {
        assert!(callees.contains(&f), "{callees:?}");
    }
    let sum: u64 = rows(&v, "rows").iter().map(|r| r["cost"].as_u64().expect("cost")).sum();
    let main = &v["function"];
    assert!(sum + main["self"].as_u64().expect("self") <= main["total"].as_u64().expect("total"));
    // callers of fib: main, and fib itself (the recursion) is not its own caller
    let v = run_json(&["profile", s(&large), "--callers", "hotspots::fib", "--no-inline", "--format", "json"]);
    let callers: Vec<&str> = rows(&v, "rows").iter().map(|r| r["function"].as_str().expect("f")).collect();
    assert_eq!(callers, ["hotspots::main"]);
    // folded stacks sum to the samples; --focus cuts them at main; --hide folds frames away
    let folded = |extra: &[&str]| -> Vec<(String, u64)> {
        let mut args = vec!["profile", "folded", s(&large)];
        args.extend(extra);
        let o = run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
            .lines()
            .map(|l| {
                let (st, w) = l.rsplit_once(' ').expect("weight");
                (st.to_string(), w.parse().expect("number"))
            })
            .collect()
    };
    let all = folded(&[]);
    let total = run_json(&["profile", s(&large), "--format", "json"])["header"]["total"].as_u64().expect("total");
    assert_eq!(all.iter().map(|x| x.1).sum::<u64>(), total);
    let focused = folded(&["--focus", "^hotspots::main$"]);
    assert!(focused.iter().all(|(st, _)| st.starts_with("hotspots::main")), "{focused:?}");
    let hidden = folded(&["--hide", "^hotspots::(heavy|light)$", "--no-inline"]);
    assert!(hidden.iter().all(|(st, _)| !st.contains("hotspots::heavy") && !st.contains("hotspots::light")));
    assert_eq!(hidden.iter().map(|x| x.1).sum::<u64>(), total, "hidden frames' samples stay with their callers");
    // a flamegraph, valid SVG with the functions in it
    let svg = tmp.join("cpu.svg");
    let o = run(&["profile", "flamegraph", s(&large), "-o", s(&svg)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(text.contains("hotspots::heavy") && text.contains("generator: fastware"));
    // as CSV: one row of what was written (the format checked before the
    // file is written, not after); the stacks are folded's lines
    let o = run(&["profile", "flamegraph", s(&large), "-o", s(&svg), "--force", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let folded = stdout(&run(&["profile", "folded", s(&large)])).lines().count();
    let size = std::fs::metadata(&svg).expect("svg").len();
    assert_eq!(stdout(&o), format!("output,bytes,stacks\n{},{size},{folded}\n", s(&svg)));
    // diff: heavy's work tripled with the rounds, its share stayed about the same
    let d = run_json(&["profile", "diff", s(&small), s(&large), "--top", "0", "--format", "json"]);
    let heavy = row(&d, "rows", "hotspots::heavy").expect("heavy");
    assert!(heavy["new_self"].as_u64() > heavy["base_self"].as_u64(), "{heavy}");
    assert!(heavy["self_share_change"].as_f64().expect("pp").abs() < 15.0, "{heavy}");
    let o = run(&["profile", "diff", s(&small), s(&large), "--flamegraph", s(&tmp.join("diff.svg"))]);
    assert!(o.status.success() && tmp.join("diff.svg").is_file(), "{}", stderr(&o));

    // kept in a project's history one after the other, the second is drawn
    // on the report page compared with the first: the changed functions as
    // diverging bars (heavy's its change in share), and the differential
    // flamegraph, whose widths are the new run's samples
    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("inliner"), "profile-diff-page");
    let store = project.join("h.sqlite");
    for (data, name) in [(&small, "small"), (&large, "large")] {
        let o = run_in(&project, &["profile", s(data), "--save", name, "--store", s(&store), "--format", "json"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let page = project.join("page.html");
    assert!(run_in(&project, &["report", "--last", "2", "--store", s(&store), "-o", s(&page)]).status.success());
    let html = std::fs::read_to_string(&page).expect("page");
    let compared = &html[html.find("class=\"compared\"").expect("a comparison on the page")..];
    // heavy's bar is drawn when it is among the 15 largest changes of at
    // least 0.05 points (its share stays about the same: by the samples'
    // chance it can move less, or less than 15 others)
    let change = heavy["self_share_change"].as_f64().expect("pp");
    let drawn_rows: Vec<&str> = rows(&d, "rows")
        .iter()
        .filter(|r| r["self_share_change"].as_f64().expect("pp").abs() >= 0.05)
        .take(15)
        .map(|r| r["function"].as_str().expect("name"))
        .collect();
    match compared.find(">hotspots::heavy</text><rect") {
        Some(bar) => {
            let value = attr(&compared[bar..], "data-value")[0];
            assert!((value - change).abs() < 1e-6, "{value} against {heavy}");
        }
        None => assert!(!drawn_rows.contains(&"hotspots::heavy"), "no bar for heavy's change of {change} pp"),
    }
    let diff =
        &compared[compared.find("<div class=\"flamegraph differential\">").expect("a differential flamegraph")..];
    let diff = &diff[..diff.find("</div>").expect("its end")];
    let large_heavy = run_json(&["profile", s(&large), "--format", "json", "--top", "0"])["by_total"]
        .as_array()
        .expect("by_total")
        .iter()
        .find(|r| r["function"] == "hotspots::heavy")
        .and_then(|r| r["total"].as_u64())
        .expect("heavy");
    assert_eq!(drawn(diff, "hotspots::heavy"), large_heavy, "the new run's samples of heavy");
    assert!(!html.contains("<script"), "the page runs no script");

    // a file of two events: the costs are the first's, the other said left out
    let two = tmp.join("two.data");
    let st = Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-e", "page-faults", "-g", "-o", s(&two), "--"])
        .arg(hotspots(true))
        .arg("10")
        .stdout(Stdio::null())
        .status()
        .expect("perf record");
    assert!(st.success());
    let o = Command::new("perf").args(["script", "-i", s(&two), "-F", "event"]).output().expect("perf script");
    let events = String::from_utf8_lossy(&o.stdout).into_owned();
    let count = |e: &str| events.lines().filter(|l| l.trim().trim_end_matches(':') == e).count() as u64;
    let v = run_json(&["profile", s(&two), "--format", "json"]);
    assert_eq!(v["header"]["total"].as_u64(), Some(count("cpu-clock")), "{}", v["header"]);
    let note = format!("{} samples of page-faults left out", count("page-faults"));
    let notes = v["header"]["notes"].as_array().expect("notes");
    assert!(notes.iter().any(|n| n.as_str().is_some_and(|n| n.starts_with(&note))), "{notes:?}");
}

#[test]
fn a_criterion_benchmark_end_to_end_with_perf_and_callgrind() {
    let project = benchy("profile-bench");
    // criterion's own analysis is left out (its profiling mode), so the
    // benchmark's routine leads
    let leads = |v: &Value, n: usize| {
        let top: Vec<&str> = rows(v, "by_self").iter().take(n).map(|r| r["function"].as_str().expect("f")).collect();
        assert!(top.contains(&"benchy::checksum"), "{top:?}");
        assert!(!top.iter().any(|f| f.contains("bootstrap")), "{top:?}");
    };
    if perf_works() {
        let o = run_in(
            &project,
            &["profile", "--bench", "crit", "checksum", "--format", "json", "--", "--profile-time", "2"],
        );
        let v = json(&o);
        // the bench binary it ran, named
        assert!(stderr(&o).contains("note: running ") && stderr(&o).contains("/deps/crit-"), "{}", stderr(&o));
        assert!(stderr(&o).contains("--bench checksum --profile-time 2"), "{}", stderr(&o));
        assert!(!stderr(&o).contains("a criterion benchmark: run with"), "the user's --profile-time stands");
        leads(&v, 3);
    }
    if valgrind_works() {
        let o = run_in(&project, &["profile", "--callgrind", "--bench", "crit", "checksum", "--format", "json"]);
        let v = json(&o);
        assert!(stderr(&o).contains("a criterion benchmark: run with --profile-time 1"), "{}", stderr(&o));
        assert_eq!(v["header"]["tool"], "callgrind");
        assert!(v["header"]["command"].as_str().is_some_and(|c| c.contains("/deps/crit-")), "{}", v["header"]);
        leads(&v, 3);
    }
}

#[test]
fn bad_inputs_and_failed_runs() {
    let tmp = fastware_testkit::temp_dir("profile-bad");
    let bin = hotspots(false);
    // not a profile, empty, a directory, missing
    let text = tmp.join("notes.txt");
    std::fs::write(&text, "hello\n").expect("write");
    expect_kind(&["profile", s(&text)], 2, "ProfileError::NotProfile", &["not a profile", s(&text)]);
    let empty = tmp.join("empty.data");
    std::fs::write(&empty, b"").expect("write");
    expect_kind(&["profile", s(&empty)], 2, "ProfileError::Empty", &["empty file"]);
    expect_kind(&["profile", s(&tmp)], 2, "ProfileError::Directory", &["a directory, not a profile"]);
    expect_kind(&["profile", s(&tmp.join("nope"))], 2, "AppError::NotFound", &["no such file, and no profile saved"]);
    // perf or valgrind missing: the package to install
    let o = fastware().args(["profile", "--file", s(&bin)]).env("PATH", s(&tmp)).output().expect("run");
    error_of(&o, 1, &["perf is not installed", "linux-perf"]);
    let o = fastware().args(["profile", "--callgrind", "--file", s(&bin)]).env("PATH", s(&tmp)).output().expect("run");
    error_of(&o, 1, &["valgrind is not installed", "apt-get install valgrind"]);
    // a stripped binary
    let stripped = tmp.join("stripped");
    if Command::new("strip").arg("-o").arg(&stripped).arg(&bin).status().is_ok_and(|s| s.success()) {
        let args = ["profile", "--file", s(&stripped)];
        expect_kind(&args, 2, "AppError::Unusable", &["no symbol table", "strip = false"]);
    }
    if valgrind_works() {
        // a truncated callgrind.out
        let out = tmp.join("callgrind.out");
        callgrind_record(&out, &bin, &["1"]);
        let bytes = std::fs::read(&out).expect("read");
        let cut = tmp.join("cut.out");
        std::fs::write(&cut, &bytes[..200]).expect("write");
        let o = run(&["profile", s(&cut)]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).starts_with("error: ") && stderr(&o).contains(s(&cut)), "{}", stderr(&o));
        // cut among the cost lines: what was read does not add up to the
        // header's summary (read here from the file itself)
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let summary = text.lines().find_map(|l| l.strip_prefix("summary: ")).expect("summary line").trim();
        let summary = fastware_report::units::count(summary.parse().expect("number"));
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
        expect_kind(
            &["profile", s(&cut)],
            2,
            "ProfileError::CostsDisagree",
            &["truncated or damaged", &format!("says {summary} Ir"), s(&cut)],
        );
    }
    if !perf_works() {
        return;
    }
    // a truncated perf.data
    let data = tmp.join("perf.data");
    perf_record(&data, "fp", &bin, &["10"]);
    let bytes = std::fs::read(&data).expect("read");
    let cut = tmp.join("cut.data");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let o = run(&["profile", s(&cut)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("error: ") && !stderr(&o).contains("panicked"), "{}", stderr(&o));
    // the binary rebuilt since: its build id says so
    let copy = tmp.join("hotspots");
    std::fs::copy(&bin, &copy).expect("copy");
    let data = tmp.join("copy.data");
    perf_record(&data, "fp", &copy, &["10"]);
    std::fs::copy(hotspots(true), &copy).expect("another build in its place");
    expect_kind(
        &["profile", s(&data)],
        2,
        "ProfileError::BinariesChanged",
        &["not those on disk", s(&copy), "rebuilt"],
    );
    // no samples
    let o = run(&["profile", "--file", s(&bin), "--freq", "1", "--format", "json", "--", "1"]);
    json_error_of(&o, 2, "ProfileError::PerfNoSamples", &["no samples"]);
    // a program that fails: what was recorded is reported, exit 1
    let o = run(&["profile", "--file", s(&bin), "--format", "json", "--", "10", "fail"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("the program exited with status 3"), "{}", stderr(&o));
    assert!(json_of(&o)["header"]["total"].as_u64().is_some_and(|t| t > 0));
}

#[test]
fn ctrl_c_stops_the_program_and_reports_what_was_recorded() {
    if !perf_works() {
        return;
    }
    let child = fastware()
        .args(["profile", "--file", s(&hotspots(false)), "--format", "json", "--", "100000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    assert!(kill.expect("kill").success());
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
    let v = json_of(&o);
    assert!(v["header"]["total"].as_u64().is_some_and(|t| t > 100), "{v}");
}

/// A profile from a pipe is refused clearly (its kind is told from its first
/// bytes, perf.data is read with seeks), not misread.
#[test]
fn a_profile_from_a_pipe_is_refused_clearly() {
    let fifo = fastware_testkit::temp_dir("profile-fifo").join("p.fifo");
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    expect_kind(&["profile", s(&fifo)], 2, "ProfileError::PipeOrDevice", &["a pipe or device, not a file"]);
}

/// The future a stack ran, by the test's own reading of `perf script` and
/// llvm-symbolizer: the stack's physical frames, each address's inline
/// frames (a caller's at its return address − 1), and from the root the
/// first `poll_inner<T, …>` or `poll_future<T, …>` of tokio's harness (a
/// sample in the harness's code for task `T` counts for `T`) whose `T`
/// (inside a `BlockingTask<…>`) is not tokio's own.
fn future_of(frames: &[String]) -> Option<(String, bool)> {
    for name in frames {
        let Some(args) = name.strip_prefix("poll_inner<").or_else(|| name.strip_prefix("poll_future<")) else {
            continue;
        };
        let mut depth = 0;
        let end = args
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '<' => depth += 1,
                    '>' if depth > 0 => depth -= 1,
                    ',' if depth == 0 => return true,
                    _ => {}
                }
                false
            })
            .map(|(i, _)| i)?;
        let t = &args[..end];
        let (t, blocking) = match t.strip_prefix("tokio::runtime::blocking::task::BlockingTask<") {
            Some(inner) => (inner.strip_suffix('>').unwrap_or(inner), true),
            None => (t, false),
        };
        if !t.starts_with("tokio::") {
            return Some((t.to_string(), blocking));
        }
    }
    None
}

/// `profile` of a tokio program names the future each task poll ran: the
/// two async fns, the `spawn_blocking` closure, each with the samples a
/// reading of `perf script` through llvm-symbolizer gives (see
/// `future_of`); the executor's own samples are the rest of those inside it.
#[test]
fn an_async_programs_cpu_is_told_per_future() {
    if !perf_works() {
        return;
    }
    if !can_run("llvm-symbolizer", &["--version"]) {
        println!("SKIPPED: llvm-symbolizer is not installed (apt-get install llvm): the oracle of the futures");
        return;
    }
    let bin = fastware_testkit::cargo_build_stable("asyncpu", "-Cforce-frame-pointers=yes", &["--release"])
        .join("release/asyncpu");
    let tmp = fastware_testkit::temp_dir("profile-async");
    let data = tmp.join("asyncpu.data");
    perf_record(&data, "fp", &bin, &["400"]);
    let v = run_json(&["profile", s(&data), "--top", "0", "--format", "json"]);
    let a = &v["async_tasks"];
    assert_eq!(a["executor"], "tokio", "{a}");

    // the oracle: every sample's frames, root first, inline frames expanded
    let o = Command::new("perf").args(["script", "-i", s(&data), "-F", "ip,sym,dso"]).output().expect("perf script");
    let text = String::from_utf8_lossy(&o.stdout);
    let samples: Vec<Vec<(u64, String, bool)>> = text
        .split("\n\n")
        .map(|block| {
            block
                .lines()
                .filter_map(|l| {
                    // `2c5ce asyncpu::mix (/path/asyncpu)`
                    let (ip, rest) = l.trim().split_once(' ')?;
                    let ip = u64::from_str_radix(ip, 16).ok()?;
                    let (sym, dso) = rest.rsplit_once(" (")?;
                    Some((ip, sym.to_string(), dso.trim_end_matches(')') == s(&bin)))
                })
                .collect::<Vec<_>>()
        })
        .filter(|frames| !frames.is_empty())
        .collect();
    // perf script prints file offsets: the executable segment's (readelf) turns them into addresses
    let o = Command::new("readelf").args(["-lW", s(&bin)]).output().expect("readelf");
    let segments = String::from_utf8_lossy(&o.stdout);
    let exec = segments.lines().find(|l| l.trim_start().starts_with("LOAD") && l.contains(" E ")).expect("text");
    let hex = |t: &str| u64::from_str_radix(t.trim_start_matches("0x"), 16).expect("hex");
    let f: Vec<&str> = exec.split_whitespace().collect();
    let delta = hex(f[2]) - hex(f[1]);
    let address = |i: usize, ip: u64| ip + delta - u64::from(i > 0);
    let mut addresses: Vec<u64> =
        samples.iter().flat_map(|f| f.iter().enumerate().filter(|(_, x)| x.2).map(|(i, x)| address(i, x.0))).collect();
    addresses.sort_unstable();
    addresses.dedup();
    let inlines = symbolizer_frames("llvm-symbolizer", &["--inlines", "-e", s(&bin)], &addresses).expect("symbolizer");
    let names: HashMap<u64, Vec<String>> =
        addresses.iter().zip(inlines).map(|(a, f)| (*a, f.into_iter().map(|(n, _)| n).collect())).collect();
    let mut theirs: HashMap<(String, bool), u64> = HashMap::new();
    let (mut inside, mut own) = (0u64, 0u64);
    for frames in &samples {
        if !frames.iter().any(|f| f.1.trim_start_matches('<').starts_with("tokio::runtime::")) {
            continue;
        }
        inside += 1;
        let mut root_first = Vec::new();
        for (i, (ip, sym, ours)) in frames.iter().enumerate().rev() {
            match names.get(&address(i, *ip)).filter(|_| *ours) {
                // innermost first: outermost first here
                Some(inl) => root_first.extend(inl.iter().rev().cloned()),
                None => root_first.push(sym.clone()),
            }
        }
        match future_of(&root_first) {
            Some(k) => *theirs.entry(k).or_default() += 1,
            None => own += 1,
        }
    }
    let ours: HashMap<(String, bool), u64> = a["futures"]
        .as_array()
        .expect("futures")
        .iter()
        .map(|f| {
            let k = (f["future"].as_str().expect("future").to_string(), f["blocking"].as_bool().expect("blocking"));
            (k, f["cost"].as_u64().expect("cost"))
        })
        .collect();
    assert_eq!(ours, theirs, "samples per future");
    assert_eq!((a["cost"].as_u64(), a["executor_own"].as_u64()), (Some(inside), Some(own)), "{a}");

    // what the fixture's source dictates
    let cost = |f: &str| ours.iter().find(|((k, _), _)| k == f).map_or(0, |(_, c)| *c) as f64;
    let ratio = cost("asyncpu::hash_chunks::{async_fn_env#0}") / cost("asyncpu::parse_records::{async_fn_env#0}");
    assert!((2.0..4.5).contains(&ratio), "hash_chunks does three times parse_records' work: {ratio}");
    let blocking: Vec<&(String, bool)> = ours.keys().filter(|(_, b)| *b).collect();
    assert_eq!(blocking.len(), 1, "{blocking:?}");
    assert!(blocking[0].0.starts_with("asyncpu::main::"), "the spawn_blocking closure: {blocking:?}");
    let text = stdout(&run(&["profile", s(&data)]));
    assert!(text.contains("Async (tokio):") && text.contains("asyncpu::hash_chunks  (async fn)"), "{text}");
    assert!(text.contains("asyncpu::main  (closure, spawn_blocking)"), "{text}");
}
