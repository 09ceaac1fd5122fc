//! `fastware bench` on real results of `tests/fixtures/benchy` (committed by
//! `tests/fixtures/make-bench-fixtures.sh`: criterion, libtest, hyperfine,
//! critcmp's output and scipy's figures) and on live `cargo bench` runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use super::common::bench_data as data;
use super::common::bench_row as row;
use super::common::*;
use serde_json::Value;

fn compare(base: &str, new: &str, extra: &[&str]) -> Value {
    let mut args = vec!["bench", "compare", base, new, "--format", "json"];
    args.extend(extra);
    json(&run(&args))
}

fn reference() -> Value {
    let text =
        std::fs::read_to_string(fastware_testkit::workspace_root().join(data("reference.json"))).expect("reference");
    serde_json::from_str(&text).expect("reference JSON")
}

/// A time field of the JSON (microseconds) in nanoseconds, the unit of the references.
fn ns(v: &Value, field: &str) -> f64 {
    v[field].as_f64().unwrap_or_else(|| panic!("{field} in {v}")) * 1e3
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

#[test]
fn criterion_baselines_agree_with_scipy_and_critcmp() {
    let v = compare(&data("criterion@base"), &data("criterion@slow"), &[]);
    let r = reference();
    for name in ["checksum/4k", "parse/200", "xorshift/1000"] {
        let ours = row(&v, name);
        let theirs = &r["criterion"][name];
        assert_eq!(ours["basis"], "samples");
        assert_eq!(ours["test"], "welch");
        // p-values as small as 1e-165 too: they are computed from the t distribution's tail
        for (a, b) in [("base_us", "base_mean"), ("new_us", "new_mean"), ("t", "t"), ("df", "df"), ("p", "p")] {
            let x = if a.ends_with("_us") { ns(ours, a) } else { ours[a].as_f64().expect("ours") };
            let y = theirs[b].as_f64().expect("scipy");
            assert!(close(x, y, 1e-6), "{name} {a}: {x} vs scipy {y}");
        }
        // the mean criterion itself estimated from the same samples
        let dir = fastware_testkit::workspace_root().join(data("criterion")).join(name.replace('/', "_"));
        let est: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("base/estimates.json")).expect("est"))
            .expect("json");
        assert!(close(ns(ours, "base_us"), est["mean"]["point_estimate"].as_f64().expect("m"), 1e-9));
    }
    // q: scipy's p-values adjusted for the three benchmarks by hand (Benjamini–Hochberg:
    // sorted, p·m/rank, the smallest from each rank up)
    let names = ["checksum/4k", "parse/200", "xorshift/1000"];
    let mut by_p: Vec<(f64, &str)> =
        names.iter().map(|n| (r["criterion"][n]["p"].as_f64().expect("scipy p"), *n)).collect();
    by_p.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut smallest = 1.0f64;
    for (rank, (p, name)) in by_p.iter().enumerate().rev() {
        smallest = smallest.min(p * 3.0 / (rank + 1) as f64);
        let q = row(&v, name)["q"].as_f64().expect("q");
        assert!(close(q, smallest, 1e-6), "{name} q: {q} vs {smallest}");
    }
    assert_eq!(row(&v, "checksum/4k")["verdict"], "regressed");
    assert_eq!(row(&v, "parse/200")["verdict"], "regressed");
    assert_eq!(row(&v, "xorshift/1000")["verdict"], "no change", "the unchanged function");
    let text = stdout(&run(&["bench", "compare", &data("criterion@base"), &data("criterion@slow")]));
    assert!(text.contains("p adjusted for the 3 benchmarks tested (Benjamini–Hochberg)"), "{text}");
    // medians, and the Mann–Whitney U test on the same samples
    let m = compare(&data("criterion@base"), &data("criterion@slow"), &["--median"]);
    for name in ["checksum/4k", "parse/200", "xorshift/1000"] {
        let (ours, theirs) = (row(&m, name), &r["criterion"][name]);
        assert_eq!((&ours["statistic"], &ours["test"]), (&"median".into(), &"mann-whitney".into()));
        for (a, b) in [("base_us", "base_median"), ("new_us", "new_median"), ("u", "mw_u"), ("p", "mw_p")] {
            let x = if a.ends_with("_us") { ns(ours, a) } else { ours[a].as_f64().expect("ours") };
            let y = theirs[b].as_f64().expect("scipy");
            assert!(close(x, y, 1e-6), "{name} {a}: {x} vs scipy {y}");
        }
        assert_eq!(ours["verdict"], row(&v, name)["verdict"], "{name}");
    }
    // critcmp on the same directory: `name  ratio  mean±std unit  …` per baseline
    let critcmp =
        std::fs::read_to_string(fastware_testkit::workspace_root().join(data("critcmp.txt"))).expect("critcmp");
    let mut checked = 0;
    for line in critcmp.lines().skip(2) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let name = f[0];
        let ours = row(&v, name);
        let parse = |s: &str| -> f64 {
            let (num, rest) = s.split_once('±').expect("±");
            let unit = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
            let scale = match unit {
                "ns" => 1.0,
                "µs" => 1e3,
                "ms" => 1e6,
                "s" => 1e9,
                u => panic!("unit {u}"),
            };
            num.parse::<f64>().expect("number") * scale
        };
        // `… 1.00  4.1±0.03µs  ? ?/sec  1.99  8.3±0.13µs  ? ?/sec`
        let (base_mean, new_ratio, new_mean) = (parse(f[2]), f[5].parse::<f64>().expect("ratio"), parse(f[6]));
        let digits = |x: f64| 10f64.powi(-1) * if x >= 2e3 { 1e3 } else { 1.0 } * if x >= 2e6 { 1e3 } else { 1.0 };
        let b = ns(ours, "base_us");
        let n = ns(ours, "new_us");
        assert!((b - base_mean).abs() <= digits(b) / 2.0 + 1e-9, "{name}: base {b} vs critcmp {base_mean}");
        assert!((n - new_mean).abs() <= digits(n) / 2.0 + 1e-9, "{name}: new {n} vs critcmp {new_mean}");
        assert!((n / b - new_ratio).abs() <= 0.005 + 1e-9, "{name}: ratio {} vs critcmp {new_ratio}", n / b);
        checked += 1;
    }
    assert_eq!(checked, 3);
}

/// libtest's numbers, read from its text with a plain split here.
fn libtest_numbers(rel: &str) -> Vec<(String, f64, f64)> {
    let text = std::fs::read_to_string(fastware_testkit::workspace_root().join(data(rel))).expect("libtest");
    text.lines()
        .filter(|l| l.contains(" ns/iter "))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let num = |s: &str| s.trim_end_matches(')').replace(',', "").parse::<f64>().expect("number");
            (f[1].to_string(), num(f[4]), num(f[7]))
        })
        .collect()
}

#[test]
fn libtest_summaries_and_their_spreads() {
    let v = compare(&data("libtest/base.txt"), &data("libtest/slow.txt"), &[]);
    let base = libtest_numbers("libtest/base.txt");
    let slow = libtest_numbers("libtest/slow.txt");
    assert_eq!(base.len(), 3);
    for ((name, b, bs), (_, n, ns)) in base.iter().zip(&slow) {
        let r = row(&v, name);
        // exactly libtest's figures: the JSON has them in µs
        assert_eq!(r["base_us"].as_f64(), Some(*b / 1e3));
        assert_eq!(r["new_us"].as_f64(), Some(*n / 1e3));
        assert_eq!(r["base_spread_us"].as_f64(), Some(*bs / 1e3));
        assert_eq!(r["new_spread_us"].as_f64(), Some(*ns / 1e3));
        assert_eq!(r["basis"], "summaries");
        let overlap = n - ns <= b + bs && b - bs <= n + ns;
        let big = (n / b - 1.0).abs() >= 0.02;
        let expected = if big && !overlap { "regressed" } else { "no change" };
        assert_eq!(r["verdict"], expected, "{name}");
    }
    assert_eq!(row(&v, "checksum_4k")["verdict"], "regressed");
    // the JSON-lines form of the same harness, against the text form
    let v = compare(&data("libtest/base.jsonl"), &data("libtest/slow.txt"), &[]);
    assert_eq!(row(&v, "parse_200")["verdict"], "regressed");
    let text =
        String::from_utf8(run(&["bench", "compare", &data("libtest/base.txt"), &data("libtest/slow.txt")]).stdout)
            .expect("utf8");
    assert!(text.contains("based on summaries") || text.contains("from summaries"), "{text}");
}

#[test]
fn hyperfine_runs_agree_with_scipy() {
    let v = compare(&data("hyperfine/base.json"), &data("hyperfine/slow.json"), &[]);
    let r = &reference()["hyperfine"]["benchy 16"];
    let ours = row(&v, "benchy 16");
    for (a, b) in [("base_us", "base_mean"), ("new_us", "new_mean"), ("t", "t"), ("df", "df")] {
        let x = if a.ends_with("_us") { ns(ours, a) } else { ours[a].as_f64().expect("ours") };
        assert!(close(x, r[b].as_f64().expect("scipy"), 1e-6), "{a}");
    }
    assert!(close(ours["p"].as_f64().expect("p"), r["p"].as_f64().expect("p"), 1e-6), "p");
    assert_eq!(ours["verdict"], "regressed");
    assert_eq!(v["measure"], "run");
    // medians instead of means
    let v = compare(&data("hyperfine/base.json"), &data("hyperfine/slow.json"), &["--median"]);
    let ours = row(&v, "benchy 16");
    for (a, b) in [("base_us", "base_median"), ("new_us", "new_median"), ("u", "mw_u"), ("p", "mw_p")] {
        let x = if a.ends_with("_us") { ns(ours, a) } else { ours[a].as_f64().expect("ours") };
        assert!(close(x, r[b].as_f64().expect("scipy"), 1e-6), "{a}");
    }
}

#[test]
fn fail_on_regression_and_bad_inputs() {
    let (b, s) = (data("criterion@base"), data("criterion@slow"));
    let status = |args: &[&str]| run(args).status.code();
    assert_eq!(status(&["bench", "compare", &b, &s, "--fail-on-regression", "50"]), Some(1));
    let o = run(&["bench", "compare", &b, &s, "--fail-on-regression", "50"]);
    assert!(stderr(&o).contains("regressed by more than 50%"), "{}", stderr(&o));
    assert!(!o.stdout.is_empty(), "the comparison is still printed");
    assert_eq!(status(&["bench", "compare", &b, &s, "--fail-on-regression", "500"]), Some(0));
    assert_eq!(status(&["bench", "compare", &b, &b, "--fail-on-regression", "0"]), Some(0));
    assert_eq!(status(&["bench", "compare", &s, &b, "--fail-on-regression", "1"]), Some(0), "improvements never fail");

    let bad = |args: &[&str], says: &str| {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.starts_with("error: ") && e.contains(says) && !e.contains("panicked"), "{args:?}: {e}");
    };
    let dir = fastware_testkit::temp_dir("bench-bad");
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, "").expect("write");
    let e = empty.to_str().expect("utf-8");
    bad(&["bench", "compare", e, &data("libtest/base.txt")], "empty file");
    bad(&["bench", "compare", &data("criterion@nope"), &b], "no criterion baseline `nope`");
    let (crit, libtest, hyperfine) = (data("criterion@base"), data("libtest/base.txt"), data("hyperfine/base.json"));
    expect_kind(&["bench", "compare", &crit, &libtest], 2, "BenchError::NothingInCommon", &["no benchmark in common"]);
    expect_kind(&["bench", "compare", &hyperfine, &libtest], 2, "BenchError::MismatchedUnits", &["mismatched units"]);
    bad(&["bench", "compare", "Cargo.toml", &b], "no benchmark results recognised");
    // --save with --no-history is refused before anything is built or run
    // (here outside a project: the refusal comes before looking for one)
    let o = run_in(&dir, &["bench", "cargo", "--save", "kept", "--no-history"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--no-history keeps nothing"), "{}", stderr(&o));
    let o = run_in(&dir, &as_json(&["bench", "compare", "no-such-results", &b]));
    json_error_of(&o, 2, "BenchError::NoSuchSide", &["no-such-results: no such file or directory", "give a file"]);
    bad(&["bench", "compare", &b, &s, "--noise", "lots"], "--noise");
    // impossible times: libtest NaN and negative figures (at the line's byte), hyperfine
    // null and negative run times and a negative mean
    let libtest = std::fs::read_to_string(data("libtest/base.txt")).expect("libtest");
    let line = libtest.find("test checksum_4k").expect("the line");
    let figure = libtest[line..].split("bench:").nth(1).and_then(|r| r.split_whitespace().next()).expect("figure");
    for (name, value, says) in
        [("nan", "NaN".to_string(), "its median is NaN"), ("neg", format!("-{figure}"), "its median is -")]
    {
        let p = dir.join(format!("{name}.txt"));
        std::fs::write(&p, libtest.replacen(&format!(" {figure} ns/iter"), &format!(" {value} ns/iter"), 1))
            .expect("write");
        bad(&["bench", "compare", &data("libtest/base.txt"), p.to_str().expect("utf-8")], says);
        bad(
            &["bench", "compare", &data("libtest/base.txt"), p.to_str().expect("utf-8")],
            &format!("{name}.txt:{line})"),
        );
    }
    // a libtest output cut short (no `test result:` after `running`): read, and said
    let cut = dir.join("cut.txt");
    let upto = libtest.find("test parse_200").expect("the second line");
    std::fs::write(&cut, &libtest[..upto]).expect("write");
    let o =
        run_in(&dir, &["bench", "compare", &data("libtest/base.txt"), cut.to_str().expect("utf-8"), "--no-history"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: ") && stderr(&o).contains("ends before libtest's `test result:` line"));
    let o = run_in(&dir, &["bench", "compare", &data("libtest/base.txt"), &data("libtest/slow.txt"), "--no-history"]);
    assert!(!stderr(&o).contains("test result:"), "a whole output is not called cut: {}", stderr(&o));
    // libtest's JSON lines print a median it could not take as `NaN`, which
    // is not JSON: the line is still a benchmark's, refused by name
    let jsonl = std::fs::read_to_string(data("libtest/base.jsonl")).expect("jsonl");
    let line = jsonl.lines().find(|l| l.contains("\"bench\"")).expect("a bench line");
    let first: Value = serde_json::from_str(line).expect("json");
    let median = line.split("\"median\": ").nth(1).and_then(|r| r.split(',').next()).expect("median");
    let p = dir.join("nan.jsonl");
    std::fs::write(&p, jsonl.replacen(&format!("\"median\": {median},"), "\"median\": NaN,", 1)).expect("write");
    let name = first["name"].as_str().expect("name");
    bad(
        &["bench", "compare", &data("libtest/base.jsonl"), p.to_str().expect("utf-8")],
        &format!("libtest line of `{name}` without a readable time"),
    );
    let hyperfine: Value =
        serde_json::from_str(&std::fs::read_to_string(data("hyperfine/base.json")).expect("h")).expect("json");
    for (name, path, value, says) in [
        ("tiny", "/results/0/mean", 1e-300.into(), "its mean is"),
        ("huge", "/results/0/times/2", 1.7e308.into(), "sample 2 is"),
        ("null", "/results/0/times/3", Value::Null, "results[0].times[3] is null"),
        ("neg", "/results/0/times/3", (-0.01).into(), "sample 3 is -10.0 ms"),
        ("mean", "/results/0/mean", (-1.0).into(), "its mean is -1.00 s"),
    ] {
        let mut h = hyperfine.clone();
        *h.pointer_mut(path).expect("field") = value;
        let p = dir.join(format!("hyperfine-{name}.json"));
        std::fs::write(&p, h.to_string()).expect("write");
        bad(&["bench", "compare", &data("hyperfine/base.json"), p.to_str().expect("utf-8")], says);
    }
    // a damaged criterion file: the file and the byte serde stopped at
    let crit = dir.join("criterion");
    let from = Path::new(&data("criterion")).join("checksum_4k");
    let base = crit.join("checksum_4k/base");
    std::fs::create_dir_all(&base).expect("mkdir");
    for f in ["benchmark.json", "sample.json", "tukey.json"] {
        if from.join("base").join(f).is_file() {
            std::fs::copy(from.join("base").join(f), base.join(f)).expect("copy");
        }
    }
    let estimates = std::fs::read_to_string(from.join("base/estimates.json")).expect("estimates");
    let cut = estimates.find(',').expect("a comma");
    // a stray byte where a `,` belongs (the file is one line: its byte is its column)
    assert!(!estimates.trim_end().contains('\n'));
    std::fs::write(base.join("estimates.json"), format!("{}@{}", &estimates[..cut], &estimates[cut..])).expect("write");
    let spec = format!("{}@base", crit.display());
    bad(&["bench", "compare", &spec, &spec], &format!("estimates.json:{cut})"));
    bad(
        &["bench", "compare", &data("libtest/base.txt"), &data("libtest/slow.txt"), "--input-format", "hyperfine"],
        "not JSON",
    );
}

#[test]
fn cargo_bench_reads_libtest_output() {
    // the fixture without criterion: a dev-dependency every bench target
    // builds, and with RUSTC_BOOTSTRAP=1 (which build scripts watch) its
    // whole tree built again, over a minute; the libtest benches need none
    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("benchy"), "bench-cargo-libtest");
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).expect("manifest");
    let libtest_only = manifest
        .replace(
            "criterion = { version = \"0.8\", default-features = false, features = [\"cargo_bench_support\"] }\n",
            "",
        )
        .replace("[[bench]]\nname = \"crit\"\nharness = false\n", "");
    assert_eq!(manifest.len() - libtest_only.len(), 134, "criterion and its bench target taken out");
    std::fs::write(project.join("Cargo.toml"), libtest_only).expect("write");
    std::fs::remove_file(project.join("benches/crit.rs")).expect("remove");
    let o = Command::new(env!("CARGO_BIN_EXE_fastware"))
        .args([
            "bench",
            "cargo",
            "--save",
            "lt",
            "--format",
            "json",
            "--",
            "--features",
            "nightly",
            "--bench",
            "libtest",
        ])
        .current_dir(&project)
        .env_remove("CARGO_TARGET_DIR")
        // libtest's #[bench] is unstable: this fixture's own bench build only
        .env("RUSTC_BOOTSTRAP", "1")
        .output()
        .expect("run");
    let v = json(&o);
    assert_eq!(v["source"], "libtest");
    let names: Vec<&str> = v["benchmarks"].as_array().expect("b").iter().filter_map(|b| b["name"].as_str()).collect();
    assert_eq!(names, ["checksum_4k", "parse_200", "xorshift_1000"]);
    assert!(v["benchmarks"][0]["spread_us"].as_f64().is_some());
    // saved libtest (by its name, in the project's history) against the
    // committed libtest text: same names, same units
    let base = fastware_testkit::workspace_root().join(data("libtest/base.txt"));
    let v = json(&run_in(&project, &["bench", "compare", base.to_str().expect("p"), "lt", "--format", "json"]));
    assert_eq!(v["benchmarks"].as_array().expect("b").len(), 3);
}

/// A benchmark name holding a terminal escape (the committed libtest output
/// with one injected) is shown escaped, not sent to the terminal (issue 18,
/// item 15).
#[test]
fn control_characters_in_names_are_escaped() {
    let tmp = fastware_testkit::temp_dir("bench-escape");
    let mut paths = Vec::new();
    for side in ["base", "slow"] {
        let text = std::fs::read_to_string(fastware_testkit::fixture("bench").join(format!("libtest/{side}.txt")))
            .expect("libtest");
        let p = tmp.join(format!("{side}.txt"));
        std::fs::write(&p, text.replace("test checksum_4k", "test check\u{1b}[31msum_4k")).expect("write");
        paths.push(p);
    }
    let o = run(&["bench", "compare", s(&paths[0]), s(&paths[1])]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!o.stdout.contains(&0x1b), "an escape reached the output");
    assert!(stdout(&o).contains("check\\u{1b}[31msum_4k"), "{}", stdout(&o));
}

/// Past runs set the noise: eight quick `bench cargo` runs of the same code
/// are kept; comparing the last two, the six before them give each
/// benchmark a threshold (Q3 + 1.5·IQR of its five past run-to-run changes,
/// computed here from the exported runs), and no change inside it is called.
#[test]
fn past_runs_set_the_noise_threshold() {
    let project = benchy("bench-past");
    let short = [
        "--bench",
        "crit",
        "--",
        "--warm-up-time",
        "0.1",
        "--measurement-time",
        "0.2",
        "--sample-size",
        "10",
        "--noplot",
    ];
    for k in 1..=8 {
        let name = format!("r{k}");
        let mut args = vec!["bench", "cargo", "--save", &name, "--format", "json", "--"];
        args.extend(short);
        let o = run_in(&project, &args);
        assert!(o.status.success(), "{}", stderr(&o));
        if k == 1 {
            // what fastware built in the project's target directory is what
            // the user's own `cargo bench` builds: cargo finds it all fresh
            let o = Command::new(env!("CARGO"))
                .args(["bench", "--no-run", "--bench", "crit", "--message-format", "json"])
                .current_dir(&project)
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("RUSTC_BOOTSTRAP")
                .output()
                .expect("cargo");
            assert!(o.status.success(), "{}", stderr(&o));
            let built: Vec<Value> = stdout(&o)
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter(|m| m["reason"] == "compiler-artifact")
                .collect();
            assert!(built.len() > 20, "criterion and its dependencies: {}", built.len());
            let rebuilt: Vec<&Value> = built.iter().filter(|m| m["fresh"] != true).map(|m| &m["package_id"]).collect();
            assert!(rebuilt.is_empty(), "the user's build rebuilt {rebuilt:?}");
        }
    }
    // each benchmark's estimates in r1 … r6, from the exported runs (a DOM walk)
    let export = stdout(&run_in(&project, &["runs", "export"]));
    let mut series: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for line in export.lines() {
        let run: Value = serde_json::from_str(line).expect("run");
        let name = run["name"].as_str().unwrap_or("");
        if !["r1", "r2", "r3", "r4", "r5", "r6"].contains(&name) {
            continue;
        }
        for b in run["result"]["benchmarks"].as_array().expect("benchmarks") {
            series
                .entry(b["name"].as_str().expect("name").into())
                .or_default()
                .push(b["estimate_us"].as_f64().expect("f"));
        }
    }
    let threshold = |v: &[f64]| {
        let mut c: Vec<f64> = v.windows(2).map(|w| (w[1] / w[0] - 1.0).abs()).collect();
        c.sort_by(f64::total_cmp);
        assert_eq!(c.len(), 5);
        // numpy's linear quantiles of 5 values: Q1 is the 2nd, Q3 the 4th
        c[3] + 1.5 * (c[3] - c[1])
    };
    let v = json(&run_in(&project, &["bench", "compare", "r7", "r8", "--format", "json"]));
    assert!(
        v["history"].as_str().is_some_and(|h| h.contains("6 past run(s) on this machine set the threshold of 3")),
        "{v}"
    );
    for r in v["benchmarks"].as_array().expect("rows") {
        let t = threshold(&series[r["name"].as_str().expect("name")]);
        let change = r["change"].as_f64().expect("change").abs();
        let reason = r["reason"].as_str().expect("reason");
        if reason.contains("within its past noise") {
            assert!(change < t && reason.contains(&format!("({:.1}%", t * 100.0)), "{r} / {t}");
            assert_eq!(r["verdict"], "no change");
        } else if r["verdict"] != "no change" {
            assert!(change >= t, "{r} / {t}");
        }
    }
    // runs diff of the same two runs reads the same history
    let d = json(&run_in(&project, &["runs", "diff", "r7", "r8", "--format", "json"]));
    assert_eq!(d["benchmarks"], v["benchmarks"]);
    // the report page draws r8 compared with r7 (the bench run before it):
    // a dot per benchmark at the change bench compare gives
    let page = project.join("page.html");
    let o = run_in(&project, &["report", "r7", "r8", "-o", s(&page)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).expect("page");
    let (_, compared) = html.split_once("class=\"compared\"").expect("a comparison on the page");
    let changes: Vec<f64> = compared
        .match_indices("data-change=\"")
        .map(|(i, k)| compared[i + k.len()..].split('"').next().expect("value").parse().expect("number"))
        .collect();
    let want: Vec<f64> =
        v["benchmarks"].as_array().expect("rows").iter().map(|r| r["change"].as_f64().expect("f")).collect();
    // the same figure computed along two paths (the page's comparison of the
    // kept runs, bench compare's of the same runs by name): equal to the last
    // bits or so (one CI run differed in the 17th digit)
    assert!(
        changes.len() == want.len()
            && changes.iter().zip(&want).all(|(a, b)| (a - b).abs() <= 1e-12 * b.abs().max(1e-9)),
        "{changes:?} against {want:?}"
    );
    // without the history, the usual rules alone
    let plain = json(&run_in(&project, &["bench", "compare", "r7", "r8", "--no-history", "--format", "json"]));
    assert!(plain["history"].is_null(), "{plain}");
}

/// `--format markdown` (a pull-request comment): regressions first, largest
/// change first, then improvements, the rest collapsed; each row's change
/// that of the JSON; every benchmark once.
#[test]
fn markdown_puts_regressions_first_and_collapses_the_rest() {
    let (a, b) = (data("criterion@base"), data("criterion@slow"));
    let v = compare(&a, &b, &[]);
    let o = run(&["bench", "compare", &a, &b, "--format", "markdown", "--no-history"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(md.starts_with("### fastware bench: 2 regressed, 0 improved, 1 no change\n"), "{md}");
    let (shown, collapsed) = md.split_once("<details>").expect("the unchanged ones collapsed");
    let rows = |part: &str| -> Vec<(String, String, String)> {
        part.lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
                (cells[0].trim_matches('`').to_string(), cells[3].to_string(), cells[5].to_string())
            })
            .collect()
    };
    let (top, rest) = (rows(shown), rows(collapsed));
    let change = |name: &str| row(&v, name)["change"].as_f64().expect("change");
    // the regressions, largest change first, as the JSON says
    let names: Vec<&str> = top.iter().map(|r| r.0.as_str()).collect();
    let mut regressed: Vec<&str> = ["checksum/4k", "parse/200"].to_vec();
    regressed.sort_by(|x, y| change(y).total_cmp(&change(x)));
    assert_eq!(names, regressed);
    for (name, shown_change, verdict) in top.iter().chain(&rest) {
        assert_eq!(*shown_change, format!("{:+.1}%", change(name) * 100.0), "{name}");
        assert_eq!(verdict.trim_matches('*'), row(&v, name)["verdict"].as_str().expect("verdict"), "{name}");
    }
    assert_eq!(rest.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["xorshift/1000"]);
}
