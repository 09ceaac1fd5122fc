//! Bad benchmark results, made from the committed real ones (criterion's
//! directories, hyperfine's export, libtest's output, a file fastware
//! saved) by an edit through a DOM or a text change the test makes, give
//! their kind of [`BenchError`], with the file (and the byte, for libtest)
//! they concern; the messages are one snapshot.

use std::path::Path;

use fastware_bench::input::{read, Format};
use fastware_bench::BenchError;
use serde_json::Value;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let q = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &q);
        } else {
            std::fs::copy(e.path(), q).expect("copy");
        }
    }
}

fn edited(path: &Path, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
    edit(&mut v);
    v.to_string().into_bytes()
}

#[test]
fn bad_benchmark_results_are_told_apart_by_kind() {
    let bench = fastware_testkit::fixture("bench");
    let tmp = fastware_testkit::temp_dir("bench-errors");
    let mut said = Vec::new();
    let mut check = |name: &str, path: &Path, baseline: Option<&str>, force: Option<Format>, want: BenchError| {
        let e = read(path, baseline, force).err().unwrap_or_else(|| panic!("{name}: read"));
        assert_eq!(e.typed::<BenchError>(), Some(&want), "{name}: {e}");
        said.push(fastware_testkit::said(name, &e.message, e.hint.as_deref()));
        e
    };
    let file = |name: &str, data: &[u8]| fastware_testkit::file_in(&tmp, name, data);

    // files of no known kind
    let p = file("empty.txt", b" \n");
    let e = check("empty", &p, None, None, BenchError::Empty);
    assert_eq!(e.path.as_deref(), p.to_str());
    let other = fastware_testkit::fixture("profiles").join("hotspots-1.callgrind.out");
    check("callgrind", &other, None, None, BenchError::Unrecognised);
    let libtest = bench.join("libtest/base.txt");
    check("libtest as hyperfine", &libtest, None, Some(Format::Hyperfine), BenchError::NotJson);
    let hyperfine = bench.join("hyperfine/base.json");
    check("hyperfine as libtest", &hyperfine, None, Some(Format::Libtest), BenchError::NoLibtestResults);
    check("no criterion results", &bench.join("hyperfine"), None, None, BenchError::NoCriterionResults);

    // libtest: a benchmark's figure that does not read, at its line's byte
    let text = std::fs::read_to_string(&libtest).expect("libtest");
    let line = text.lines().find(|l| l.contains("bench:")).expect("a bench line");
    let name = line.split_whitespace().nth(1).expect("name").to_string();
    let figure = line.split_whitespace().nth(4).expect("figure");
    let offset = text.find(line).expect("line") as u64;
    let p = file("libtest.txt", text.replacen(line, &line.replacen(figure, "four", 1), 1).as_bytes());
    let e = check("libtest figure", &p, None, None, BenchError::LibtestLine { name });
    assert_eq!(e.offset, Some(offset));

    // hyperfine: a time that is not a number, a result without mean or
    // times, no results, a negative mean
    let command = |v: &Value| v["results"][0]["command"].as_str().expect("command").to_string();
    let real: Value = serde_json::from_slice(&std::fs::read(&hyperfine).expect("read")).expect("json");
    let p = file("time.json", &edited(&hyperfine, |v| v["results"][0]["times"][3] = "x".into()));
    let want = BenchError::HyperfineTime { name: command(&real), index: 0, sample: 3, value: "\"x\"".into() };
    check("hyperfine time", &p, None, None, want);
    let p = file(
        "no-mean.json",
        &edited(&hyperfine, |v| {
            let r = v["results"][0].as_object_mut().expect("result");
            r.remove("mean");
            r.remove("times");
        }),
    );
    check("hyperfine without mean", &p, None, None, BenchError::HyperfineNoMean { name: command(&real) });
    let p = file("none.json", &edited(&hyperfine, |v| v["results"] = Value::Array(Vec::new())));
    check("hyperfine empty", &p, None, Some(Format::Hyperfine), BenchError::HyperfineEmpty);
    let p = file("negative.json", &edited(&hyperfine, |v| v["results"][0]["mean"] = (-1.0).into()));
    let e = read(&p, None, None).expect_err("negative mean");
    assert!(
        matches!(e.typed::<BenchError>(), Some(BenchError::ImpossibleTime { name, .. }) if *name == command(&real)),
        "{e}"
    );

    // criterion: a baseline that is not there (those that are, listed),
    // samples whose iters and times do not match, neither samples nor estimates
    let crit = tmp.join("criterion");
    copy_dir(&bench.join("criterion"), &crit);
    let mut found: Vec<String> = std::fs::read_dir(crit.join("checksum_4k"))
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let want = BenchError::NoBaseline { baseline: "nope".into(), found };
    check("criterion baseline", &crit, Some("nope"), None, want);
    let sample = crit.join("checksum_4k/base/sample.json");
    let cut = edited(&sample, |v| {
        v["times"].as_array_mut().expect("times").pop();
    });
    std::fs::write(&sample, cut).expect("write");
    let e = check("criterion sample", &crit, Some("base"), None, BenchError::CriterionSample);
    assert_eq!(e.path.as_deref(), sample.to_str());
    std::fs::remove_file(&sample).expect("rm");
    std::fs::remove_file(crit.join("checksum_4k/base/estimates.json")).expect("rm");
    check("criterion without figures", &crit, Some("base"), None, BenchError::CriterionNoEstimate);

    // a file fastware saved: an unknown source, no benchmarks
    let saved = fastware_testkit::fixture("results/bench-results.json");
    let p = file("source.json", &edited(&saved, |v| v["source"] = "stopwatch".into()));
    check("saved source", &p, None, None, BenchError::UnknownSource { from: "stopwatch".into() });
    let p = file("saved-empty.json", &edited(&saved, |v| v["benchmarks"] = Value::Array(Vec::new())));
    check("saved empty", &p, None, None, BenchError::SavedEmpty);

    insta::assert_snapshot!(said.join("\n").replace(&tmp.display().to_string(), "TMP"));
    let _ = std::fs::remove_dir_all(&tmp);
}
