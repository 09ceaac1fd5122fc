//! `bench cargo --instructions` on `tests/fixtures/counted` (criterion
//! benchmarks built against fastware's counting copy of criterion, run under
//! callgrind): counts per iteration against a hand count (1,000 and 2,000
//! `nop`s), against the raw recordings parsed here, the same on a second
//! run, a 20% longer loop called regressed by exactly 20% while a build
//! loads the machine, benchmarks that measure nothing flagged, and the
//! failures (an instruction valgrind does not know, no valgrind).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::common::*;

fn counted(name: &str) -> fastware_testkit::Project {
    fastware_testkit::copy_project_warm(&fastware_testkit::fixture("counted"), name)
}

/// `bench cargo --instructions ARGS` in `dir`, its JSON.
fn count(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["bench", "cargo", "--instructions", "--format", "json"];
    all.extend(args);
    let o = run_in(dir, &all);
    assert!(o.status.success(), "{}", stderr(&o));
    // stderr is not a terminal here: no progress bar
    assert!(!stderr(&o).contains("counting under callgrind"), "{}", stderr(&o));
    json(&o)
}

fn bench<'a>(v: &'a Value, name: &str) -> &'a Value {
    bench_row(v, name)
}

fn per_iteration(v: &Value, name: &str) -> f64 {
    bench(v, name)["per_iteration"]["instructions"].as_f64().expect("instructions")
}

/// A recording's instructions and iterations, read here from the raw file:
/// every cost line's `Ir` column summed (a line after `calls=` is a call's
/// inclusive cost, already counted in the callee, and is left out), and the
/// iterations from callgrind's `desc: Trigger:` line.
fn raw_count(recording: &Path) -> (u64, u64) {
    let text = std::fs::read_to_string(recording).expect("recording");
    let mut after_calls = false;
    let mut ir = 0u64;
    let mut iterations = 0u64;
    let mut positions = 1usize;
    for line in text.lines() {
        if let Some(p) = line.strip_prefix("positions:") {
            positions = p.split_whitespace().count();
        }
        if let Some(n) = line.strip_prefix("desc: Trigger: Client Request: fastware iterations=") {
            iterations = n.trim().parse().expect("iterations");
        }
        if line.starts_with("calls=") {
            after_calls = true;
            continue;
        }
        let first = line.chars().next().unwrap_or(' ');
        if first.is_ascii_digit() || first == '+' || first == '-' || first == '*' {
            if !after_calls {
                ir += line.split_whitespace().nth(positions).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            }
            after_calls = false;
        }
    }
    (ir, iterations)
}

#[test]
fn counts_per_iteration_are_exact_repeatable_and_flag_what_measures_nothing() {
    if !valgrind_works() {
        println!("SKIPPED bench --instructions: valgrind is not installed (.ci/run installs it)");
        return;
    }
    let dir = counted("instructions-counts");
    let v = count(&dir, &["--cache-sim", "--save", "first"]);
    // the hand count: 1,000 and 2,000 nops, plus the same few instructions of the loop
    let (n1, n2) = (per_iteration(&v, "nops/1000"), per_iteration(&v, "nops/2000"));
    assert!((1000.0..=1050.0).contains(&n1), "nops/1000: {n1}");
    assert_eq!(n2 - n1, 1000.0, "the loop's own instructions are the same for both");
    // against the raw recording, parsed here
    for b in v["benchmarks"].as_array().expect("benchmarks") {
        let (ir, iterations) = raw_count(Path::new(b["recording"].as_str().expect("recording")));
        assert_eq!(b["iterations"].as_u64(), Some(iterations), "{}", b["name"]);
        let want = ir as f64 / iterations as f64;
        assert_eq!(b["per_iteration"]["instructions"].as_f64(), Some(want), "{}", b["name"]);
    }
    // reads, writes and the cache simulation are there; estimated cycles at least the instructions
    let mix = &bench(&v, "mix/loop")["per_iteration"];
    assert!(mix["reads"].as_f64().is_some() && mix["writes"].as_f64().is_some());
    assert!(mix["estimated_cycles"].as_f64().expect("cycles") >= mix["instructions"].as_f64().expect("ir"));
    // both threads of the routine are counted
    assert!(per_iteration(&v, "threads/two") > 2.0 * per_iteration(&v, "mix/loop"));
    // measures nothing: the folded one, and the one whose input is ignored; not the others
    let flagged: Vec<&str> = v["benchmarks"]
        .as_array()
        .expect("b")
        .iter()
        .filter(|b| b["measures_nothing"].is_string())
        .map(|b| b["name"].as_str().expect("name"))
        .collect();
    assert_eq!(flagged, ["fold/folded", "scan/ignored/100", "scan/ignored/1000"], "{v}");
    let text = stdout(&run_in(&dir, &["runs", "show", "first"]));
    assert!(text.contains("May measure nothing") && text.contains("black_box"), "{text}");
    // on a terminal (a pty from util-linux's script): a bar with done/total
    // and the time left, one benchmark here
    match on_a_terminal(&dir, "bench cargo --instructions --no-history --format json -- nops/1000") {
        Some(drawn) => {
            assert!(drawn.lines().any(|l| l.contains("counting under callgrind [") && l.contains("/1 (")), "{drawn}");
        }
        None => eprintln!("SKIPPED the progress bar on a terminal: util-linux's script cannot run here"),
    }
    // the evidence: the machine code the folded benchmark's iterations ran —
    // a loop of a store, `dec` and `jne`, each run once per iteration (hand
    // count: 10 iterations)
    let evidence = v["evidence"].as_array().expect("evidence");
    let shown: Vec<&str> = evidence.iter().map(|e| e["benchmark"].as_str().expect("benchmark")).collect();
    assert_eq!(shown, flagged, "{v}");
    let folded = evidence[0]["code"]["lines"].as_array().expect("lines");
    let looped: Vec<&str> =
        folded.iter().filter(|l| l["cost"] == 10).map(|l| l["text"].as_str().expect("text")).collect();
    assert_eq!(looped.len(), 3, "{folded:?}");
    assert!(looped[1].starts_with("dec ") && looped[2].starts_with("jne "), "{looped:?}");

    // --annotate: of the generic function every benchmark has an instance
    // of, the instance this benchmark ran — 2,000 nops, each 10 times
    let a = count(&dir, &["--annotate", "^criterion::bencher::Bencher<M>::iter$", "--", "nops/2000"]);
    assert_eq!(a["benchmarks"].as_array().expect("b").len(), 1, "cargo's BENCHNAME filters: {a}");
    let lines = a["annotated"][0]["code"]["lines"].as_array().expect("annotated lines");
    let nops = lines.iter().filter(|l| l["text"] == "nop" && l["cost"] == 10).count();
    assert_eq!(nops, 2000, "{}", a["annotated"][0]["code"]["function"]);

    // the same binary again: the same counts, to the instruction — but where
    // other threads ran, whose waiting moves the count a little (README: up
    // to about 0.1%; compared against 0.5%)
    let again = count(&dir, &["--save", "second"]);
    for b in v["benchmarks"].as_array().expect("b") {
        let name = b["name"].as_str().expect("name");
        if b["threads"] == true {
            let (x, y) = (per_iteration(&v, name), per_iteration(&again, name));
            assert!((x - y).abs() / x < fastware_bench::instructions::THREADS_NOISE, "{name}: {x} then {y}");
        } else {
            assert_eq!(bench(&again, name)["totals"], b["totals"], "{name}");
        }
    }
    assert_eq!(bench(&v, "threads/two")["threads"], true);
    let c = json(&run_in(&dir, &["bench", "compare", "first", "second", "--format", "json"]));
    assert_eq!((c["regressed"].as_u64(), c["improved"].as_u64()), (Some(0), Some(0)), "{c}");
    // the report page: each run's instructions per iteration as bars (the
    // figures checked against the raw recordings above), then the second
    // run compared with the first as a forest plot of bench compare's changes
    let page = dir.join("page.html");
    run_in(&dir, &["report", "first", "second", "-o", s(&page)]);
    let html = std::fs::read_to_string(&page).expect("page");
    let per: Vec<f64> = v["benchmarks"]
        .as_array()
        .expect("b")
        .iter()
        .map(|b| b["per_iteration"]["instructions"].as_f64().expect("ir"))
        .collect();
    let again_per: Vec<f64> = again["benchmarks"]
        .as_array()
        .expect("b")
        .iter()
        .map(|b| b["per_iteration"]["instructions"].as_f64().expect("ir"))
        .collect();
    assert_eq!(attr(&html, "data-value"), [per, again_per].concat(), "bars: first, then second");
    let changes: Vec<f64> =
        c["benchmarks"].as_array().expect("b").iter().map(|b| b["change"].as_f64().expect("change")).collect();
    assert_eq!(attr(&html, "data-change"), changes, "the forest plot's dots");
    // both at once: counts and times (two short timed runs a side), the
    // times compared between runs next to the exact counts
    let quick = ["--bench", "count", "nops", "--", "--warm-up-time", "0.05", "--measurement-time", "0.1"];
    for name in ["timed1", "timed2"] {
        let t = count(&dir, &[&["--repeat", "2", "--save", name, "--"][..], &quick[..]].concat());
        assert_eq!(t["timing"]["benchmarks"].as_array().map(Vec::len), Some(2), "{t}");
    }
    let c = json(&run_in(&dir, &["bench", "compare", "timed1", "timed2", "--format", "json"]));
    for r in c["benchmarks"].as_array().expect("rows") {
        assert_eq!(r["change"], 0.0, "{r}");
        let verdict = r["time"]["verdict"].as_str().unwrap_or_else(|| panic!("a time change: {r}"));
        assert!(["regressed", "improved", "no change"].contains(&verdict), "{r}");
        assert!(r["time"]["low"].as_f64() <= r["time"]["high"].as_f64(), "{r}");
    }
    let text = stdout(&run_in(&dir, &["bench", "compare", "timed1", "timed2"]));
    assert!(text.contains("time (between runs)"), "{text}");

    // a trend of counts
    let t = json(&run_in(&dir, &["runs", "trend", "bench:nops/1000:instructions", "--format", "json"]));
    assert_eq!(t["unit"], "count");
    let values: Vec<f64> = t["points"].as_array().expect("p").iter().map(|p| p["value"].as_f64().expect("v")).collect();
    assert_eq!(values, [n1; 4], "first, second, timed1, timed2");
}

#[test]
fn a_longer_loop_is_called_regressed_by_its_count_while_a_build_loads_the_machine() {
    if !valgrind_works() {
        println!("SKIPPED bench ab --instructions: valgrind is not installed (.ci/run installs it)");
        return;
    }
    let dir = counted("instructions-ab");
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("git");
        assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    };
    std::fs::write(dir.join(".gitignore"), "target/\n").expect("write");
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "base"]);
    // a change to the code alone, as most are (a changed feature would also
    // change what cargo calls the build: two revisions once shared one
    // target directory, and a change to the code alone ran the base's build
    // on both sides)
    let bench = dir.join("benches/count.rs");
    let code = std::fs::read_to_string(&bench).expect("bench source");
    assert!(code.contains("cfg!(feature = \"more\")"));
    std::fs::write(&bench, code.replace("cfg!(feature = \"more\")", "true")).expect("write");
    git(&["commit", "-qam", "20% more iterations"]);

    // a parallel build keeps the cores busy the whole time: at the lowest
    // priority (`nice -n 19`), so that it takes every cycle the counting and
    // the suite's other tests leave, and slows them little (the counts do
    // not move either way; the suite's wall time does)
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let stop = stop.clone();
        let src = fastware_testkit::copy_project(&fastware_testkit::fixture("tracee"), "instructions-load");
        let niced = Command::new("nice").arg("--version").output().is_ok_and(|o| o.status.success());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = std::fs::remove_dir_all(src.join("target"));
                let mut build = if niced {
                    let mut c = Command::new("nice");
                    c.args(["-n", "19", env!("CARGO")]);
                    c
                } else {
                    Command::new(env!("CARGO"))
                };
                let _ = build.args(["build", "--release", "-q"]).current_dir(&src).output();
            }
        })
    };
    let ab = |base: &str, new: &str, save: &str| {
        let o = run_in(
            &dir,
            &["bench", "ab", base, new, "--instructions", "--save", save, "--format", "json", "--", "--bench", "count"],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        json(&o)
    };
    let aa = ab("HEAD~1", "HEAD~1", "aa");
    // a dirty working tree: each side is still kept at its own, clean, revision
    std::fs::write(dir.join("notes.txt"), "uncommitted\n").expect("write");
    git(&["add", "notes.txt"]);
    let v = ab("HEAD~1", "HEAD", "ab");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = load.join();

    let rev = |r: &str| {
        let o = Command::new("git").args(["rev-parse", r]).current_dir(&dir).output().expect("git");
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let runs = json(&run_in(&dir, &["runs", "list", "--format", "json"]));
    for (name, commit) in [("ab-base", rev("HEAD~1")), ("ab-new", rev("HEAD"))] {
        let r = runs["runs"].as_array().expect("runs").iter().find(|r| r["name"] == name).expect(name);
        assert_eq!((r["git_commit"].as_str(), &r["git_dirty"]), (Some(commit.as_str()), &Value::Bool(false)), "{r}");
    }
    // the kept sides compare again, exactly; --fail-on-regression on counts
    let o = run_in(&dir, &["bench", "compare", "ab-base", "ab-new", "--fail-on-regression", "19"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 benchmark regressed by more than 19%: mix/loop (+"), "{}", stderr(&o));
    let o = run_in(&dir, &["bench", "compare", "ab-base", "ab-new", "--fail-on-regression", "21"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let d = json(&run_in(&dir, &["runs", "diff", "ab-base", "ab-new", "--format", "json"]));
    assert_eq!(d["regressed"].as_u64(), Some(1), "runs diff of two counts: {d}");

    // explain with a bench target as the workload: the routine once a side
    let e = json(&run_in(&dir, &["explain", "HEAD~1", "HEAD", "--bench", "count", "mix/loop", "--format", "json"]));
    assert_eq!(e["command"], "bench count --bench mix/loop --test", "{e}");
    let (b, n) = (e["instructions"]["base"].as_u64().expect("base"), e["instructions"]["new"].as_u64().expect("new"));
    assert!(n > b, "20% more loop iterations run more instructions: {b} → {n}");
    // the whole run's change is the routine's, once: what bench ab counted
    // per iteration (criterion's search for its directory, `cargo metadata`
    // read back, once hid it: its count moved with the project's files)
    let row = bench_row(&v, "mix/loop");
    let per = |side: &str| row[side]["instructions"].as_f64().expect("per iteration");
    let routine = per("new") - per("base");
    assert!(((n - b) as f64 - routine).abs() <= 0.1 * routine, "the run's change {} is the routine's {routine}", n - b);
    assert!(e["time"].is_null(), "a benchmark is counted, not timed: {e}");

    assert_eq!((aa["regressed"].as_u64(), aa["improved"].as_u64()), (Some(0), Some(0)), "A/A: {aa}");
    let rows = v["benchmarks"].as_array().expect("rows");
    for r in rows {
        let name = r["name"].as_str().expect("name");
        if name == "mix/loop" {
            let change = r["change"].as_f64().expect("change");
            assert!((change - 0.20).abs() <= 0.01, "{r}");
            assert_eq!(r["verdict"], "regressed", "{r}");
            assert!(!r["functions"].as_array().expect("functions").is_empty(), "the functions that changed: {r}");
        } else {
            assert_eq!(r["verdict"], "no change", "{r}");
        }
    }
}

#[test]
fn ctrl_c_keeps_the_benchmarks_counted_so_far() {
    if !valgrind_works() {
        println!("SKIPPED bench --instructions interrupted: valgrind is not installed (.ci/run installs it)");
        return;
    }
    let dir = counted("instructions-interrupted");
    let mut child = command_in(&dir)
        .args(["bench", "cargo", "--instructions", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("fastware starts");
    // two benchmarks run at a time on two cores: a third one's dump means
    // one of the first has finished (the dump comes before a process ends;
    // on more cores, more dumps are awaited)
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let recordings = dir.join("target/fastware/instructions/recordings");
    let dumps = || {
        std::fs::read_dir(&recordings)
            .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".out.1")).count())
            .unwrap_or(0)
    };
    let started = std::time::Instant::now();
    while dumps() <= workers {
        assert!(child.try_wait().expect("wait").is_none(), "fastware ended before it was interrupted");
        assert!(started.elapsed().as_secs() < 600, "no benchmark was counted in 10 minutes");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let o = child.wait_with_output().expect("fastware ends");
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let v = json_of(&o);
    assert_eq!(v["interrupted"], true, "{v}");
    let kept = v["benchmarks"].as_array().expect("benchmarks").len();
    assert!((1..11).contains(&kept), "{kept} of 11 counted: {v}");
    assert!(v["failed"].is_null(), "the benchmarks stopped are not called failed: {v}");
    assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
    let runs = json(&run_in(&dir, &["runs", "list", "--format", "json"]));
    assert_eq!(runs["runs"].as_array().map(Vec::len), Some(1), "the counted ones are kept: {runs}");
}

#[test]
fn a_benchmark_valgrind_cannot_run_fails_alone_and_valgrind_missing_is_said() {
    if !valgrind_works() {
        println!("SKIPPED bench --instructions failures: valgrind is not installed (.ci/run installs it)");
        return;
    }
    let dir = counted("instructions-avx");
    let o = run_in(&dir, &["bench", "cargo", "--instructions", "--format", "json", "--", "--features", "avx512"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json_of(&o);
    let failed = v["failed"].as_array().expect("failed");
    assert_eq!(failed.len(), 1, "{v}");
    assert_eq!(failed[0]["name"], "avx512/add");
    assert!(failed[0]["why"].as_str().expect("why").contains("valgrind cannot run an instruction"), "{}", failed[0]);
    assert!(per_iteration(&v, "nops/1000") >= 1000.0, "the others are counted");
    assert!(stderr(&o).contains("could not be counted"), "{}", stderr(&o));

    // a command counted whole: its run, against the raw recording
    let v = count(&dir, &["--run", "true"]);
    let t = bench(&v, "true");
    assert_eq!((t["measure"].as_str(), t["iterations"].as_u64()), (Some("run"), Some(1)));
    let (ir, _) = raw_count(Path::new(t["recording"].as_str().expect("recording")));
    assert_eq!(t["per_iteration"]["instructions"].as_f64(), Some(ir as f64));

    // no valgrind on PATH: said before anything is built, with the package
    let empty = fastware_testkit::temp_dir("instructions-no-valgrind");
    let o = command_in(&dir).env("PATH", &empty).args(["bench", "cargo", "--instructions"]).output().expect("run");
    error_of(&o, 1, &["valgrind is not installed", "apt-get install valgrind"]);
}
