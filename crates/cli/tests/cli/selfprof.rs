//! `fastware self-profile` end to end, on real rustc self-profiles. The
//! independent reference is measureme's own reader and analysis (analyzeme).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::common::*;
use analyzeme::{EventPayload, ProfilingData, Timestamp};
use serde_json::Value;

fn profiles(dir: &Path) -> Vec<PathBuf> {
    fastware_testkit::files_with_suffix(dir, ".mm_profdata")
        .into_iter()
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("___-")))
        .collect()
}

fn release() -> PathBuf {
    fastware_testkit::self_profiles("tracee", None, &["--release"])
}

fn dev() -> PathBuf {
    fastware_testkit::self_profiles("tracee", None, &[])
}

fn traity() -> PathBuf {
    fastware_testkit::self_profiles("traity", Some("default,args"), &[])
}

fn analysis(path: &Path) -> analyzeme::AnalysisResults {
    ProfilingData::new(&path.with_extension("")).expect("analyzeme reads it").perform_analysis()
}

/// Label → (self, time, count, hits), summed over profiles, by analyzeme.
fn reference_labels(files: &[PathBuf]) -> HashMap<String, (i64, i64, u64, u64)> {
    let mut out: HashMap<String, (i64, i64, u64, u64)> = HashMap::new();
    for f in files {
        for q in analysis(f).query_data {
            let e = out.entry(q.label).or_default();
            e.0 += q.self_time.as_nanos() as i64;
            e.1 += q.time.as_nanos() as i64;
            e.2 += q.invocation_count as u64;
            e.3 += q.number_of_cache_hits as u64;
        }
    }
    out
}

fn our_labels(v: &Value) -> HashMap<String, (i64, i64, u64, u64)> {
    v["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| {
            let f = (
                ns(&l["self_time_us"]),
                ns(&l["time_us"]),
                l["count"].as_u64().expect("count"),
                l["cache_hits"].as_u64().expect("hits"),
            );
            (l["label"].as_str().expect("label").to_string(), f)
        })
        .collect()
}

#[test]
fn summary_of_a_whole_build_equals_measureme() {
    let dir = release();
    let files = profiles(&dir);
    assert_eq!(files.len(), 2);
    let v = run_json(&["self-profile", s(&dir), "--format", "json", "--top", "0"]);
    assert_eq!(our_labels(&v), reference_labels(&files));
    let total: i64 = files.iter().map(|f| analysis(f).total_time.as_nanos() as i64).sum();
    assert_eq!(ns(&v["inputs"]["total_time_us"]), total);
    assert_eq!(v["inputs"]["profiles"], 2);
    // artifact sizes summed over the build
    let mut reference: HashMap<String, u64> = HashMap::new();
    for f in &files {
        for a in analysis(f).artifact_sizes {
            *reference.entry(a.label).or_default() += a.value;
        }
    }
    let ours: HashMap<String, u64> = v["artifact_sizes"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| (a["artifact"].as_str().expect("name").to_string(), a["bytes"].as_u64().expect("bytes")))
        .collect();
    assert_eq!(ours, reference);

    // --by crate: each crate's total, and a table on a terminal-less stdout
    let v = run_json(&["self-profile", s(&dir), "--by", "crate", "--format", "json"]);
    for c in v["crates"].as_array().expect("crates") {
        let name = c["crate"].as_str().expect("crate");
        let f = files.iter().find(|f| f.to_string_lossy().contains(&format!("/{name}-"))).expect("profile of crate");
        assert_eq!(ns(&c["total_time_us"]), analysis(f).total_time.as_nanos() as i64, "{name}");
        assert_eq!(c["top_labels"].as_array().expect("top").len(), 3);
    }
    let o = run(&["self-profile", s(&dir), "--by", "crate"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("tracee_app") && text.contains("tracee_types") && text.contains("top labels"), "{text}");
}

#[test]
fn trait_heavy_crate_shows_its_trait_solving_and_typeck() {
    let dir = traity();
    let v = run_json(&[
        "self-profile",
        s(&dir),
        "--format",
        "json",
        "--top",
        "0",
        "--filter",
        "^(evaluate_obligation|typeck)$",
    ]);
    let labels = our_labels(&v);
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert!(labels["evaluate_obligation"].2 > 50 && labels["typeck"].2 >= 10, "{labels:?}");
    assert_eq!(labels, reference_labels(&profiles(&dir)).into_iter().filter(|(l, _)| labels.contains_key(l)).collect());
}

#[test]
fn diff_of_two_builds_crate_by_crate_and_of_two_files() {
    let (base, new) = (dev(), release());
    let v = run_json(&["self-profile", "diff", s(&base), s(&new), "--format", "json", "--top", "0"]);
    let (rb, rn) = (reference_labels(&profiles(&base)), reference_labels(&profiles(&new)));
    for l in v["labels"].as_array().expect("labels") {
        let label = l["label"].as_str().expect("label");
        let b = rb.get(label).map_or(0, |f| f.0);
        let n = rn.get(label).map_or(0, |f| f.0);
        assert_eq!(ns(&l["self_change_us"]), n - b, "{label}");
        assert_eq!(ns(&l["base"]["self_time_us"]), b);
    }
    let all: std::collections::HashSet<&String> = rb.keys().chain(rn.keys()).collect();
    let changed = all.iter().filter(|l| rb.get(**l).map_or(0, |f| f.0) != rn.get(**l).map_or(0, |f| f.0)).count();
    let listed: std::collections::HashSet<&str> =
        v["labels"].as_array().expect("labels").iter().map(|l| l["label"].as_str().expect("label")).collect();
    assert_eq!(listed.len(), changed, "every changed label is listed");
    let crates: Vec<&str> =
        v["crates"].as_array().expect("crates").iter().map(|c| c["crate"].as_str().expect("c")).collect();
    assert_eq!(crates.len(), 2, "matched by crate name: {crates:?}");
    for c in v["crates"].as_array().expect("crates") {
        let name = c["crate"].as_str().expect("crate");
        let total = |dir: &Path| {
            let f = profiles(dir)
                .into_iter()
                .find(|f| f.to_string_lossy().contains(&format!("/{name}-")))
                .expect("profile");
            analysis(&f).total_time.as_nanos() as i64
        };
        assert_eq!(ns(&c["change_us"]), total(&new) - total(&base), "{name}");
    }
    // sorted by absolute change, and a threshold hides small changes
    let deltas: Vec<i64> =
        v["labels"].as_array().expect("labels").iter().map(|l| ns(&l["self_change_us"]).abs()).collect();
    assert!(deltas.windows(2).all(|w| w[0] >= w[1]));
    let few =
        run_json(&["self-profile", "diff", s(&base), s(&new), "--format", "json", "--top", "0", "--threshold", "50"]);
    assert!(few["labels"].as_array().expect("labels").len() < listed.len());

    // two single files
    let (fb, fnew) = (&profiles(&base)[0], &profiles(&new)[0]);
    let v = run_json(&["self-profile", "diff", s(fb), s(fnew), "--format", "json"]);
    assert_eq!(
        ns(&v["new_total_time_us"]) - ns(&v["base_total_time_us"]),
        analysis(fnew).total_time.as_nanos() as i64 - analysis(fb).total_time.as_nanos() as i64
    );
    let o = run(&["self-profile", "diff", s(&base), s(&new), "--by", "crate"]);
    assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains("Crates by change of total time"));
}

#[test]
fn longest_evaluate_obligation_with_its_argument() {
    let dir = traity();
    let file = &profiles(&dir)[0];
    // reference: the longest evaluate_obligation by analyzeme's own iteration
    let data = ProfilingData::new(&file.with_extension("")).expect("read");
    let (dur, args) = data
        .iter_full()
        .filter(|e| e.label == "evaluate_obligation")
        .filter_map(|e| match e.payload {
            EventPayload::Timestamp(Timestamp::Interval { start, end }) => Some((
                end.duration_since(start).expect("ordered").as_nanos() as i64,
                e.additional_data.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            )),
            _ => None,
        })
        .max_by_key(|(d, _)| *d)
        .expect("evaluate_obligation events");
    assert!(!args.is_empty() && args[0].contains("TraitPredicate"), "{args:?}");

    let v = run_json(&[
        "self-profile",
        "longest",
        s(&dir),
        "--label",
        "evaluate_obligation",
        "--format",
        "json",
        "--top",
        "3",
    ]);
    let first = &v["events"][0];
    assert_eq!(ns(&first["duration_us"]), dur);
    let ours: Vec<String> =
        first["args"].as_array().expect("args").iter().map(|a| a.as_str().expect("arg").to_string()).collect();
    assert_eq!(ours, args, "whole text in JSON");

    let o = run(&["self-profile", "longest", s(&dir), "--label", "evaluate_obligation", "--top", "3"]);
    let text = String::from_utf8_lossy(&o.stdout);
    let line = text.lines().nth(2).expect("first row");
    assert!(line.contains("TraitPredicate(<") && !line.contains("CanonicalQueryInput"), "readable: {line}");
    assert!(line.len() < args[0].len(), "abbreviated in the table");

    let o = run(&["self-profile", "longest", s(&dir), "--label", "no_such_query"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no events labelled no_such_query"));
    // a profile recorded without arguments says how to get them
    let o = run(&["self-profile", "longest", s(&release()), "--top", "1"]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("-Zself-profile-events=default,args"), "{}", stderr(&o));
}

#[test]
fn folded_flamegraph_and_chrome() {
    let dir = release();
    let files = profiles(&dir);
    // folded: self time per stack; per crate it adds up to the crate's busy time
    let o = run(&["self-profile", "folded", s(&dir)]);
    assert!(o.status.success());
    let mut per_crate: HashMap<String, i64> = HashMap::new();
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let (stack, weight) = line.rsplit_once(' ').expect("stack weight");
        *per_crate.entry(stack.split(';').next().expect("crate").to_string()).or_default() +=
            weight.parse::<i64>().expect("number");
    }
    for f in &files {
        let busy: i64 = analysis(f).query_data.iter().map(|q| q.self_time.as_nanos() as i64).sum();
        let name = fastware_selfprof::file::crate_from_file_name(f);
        assert_eq!(per_crate[&name], busy, "{name}");
    }

    let tmp = fastware_testkit::temp_dir("selfprof-out");
    let svg = tmp.join("rustc.svg");
    let o = run(&["self-profile", "flamegraph", s(&dir), "-o", s(&svg)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(
        text.starts_with("<?xml")
            && text.contains("<svg")
            && text.contains("typeck")
            && text.trim_end().ends_with("</svg>")
    );

    let o = run(&["self-profile", "flamegraph", s(&dir), "-o", s(&svg), "--force", "--format", "csv"]);
    let size = std::fs::metadata(&svg).expect("svg").len();
    assert_eq!(stdout(&o), format!("output,bytes\n{},{size}\n", s(&svg)), "{}", stderr(&o));

    let trace = tmp.join("rustc.json");
    let o = run(&["self-profile", "chrome", s(&dir), "-o", s(&trace), "--min-dur", "200us", "--collapse-threads"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&std::fs::read(&trace).expect("read")).expect("valid JSON");
    let events = v["traceEvents"].as_array().expect("events");
    let complete: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X").collect();
    let mut expected = 0;
    for f in &files {
        let data = ProfilingData::new(&f.with_extension("")).expect("read");
        expected += data
            .iter()
            .filter(|e| matches!(e.payload, EventPayload::Timestamp(Timestamp::Interval { start, end }) if end.duration_since(start).expect("ordered").as_nanos() >= 200_000))
            .count();
    }
    assert_eq!(complete.len(), expected);
    assert!(complete.iter().all(|e| e["dur"].as_f64().expect("dur") >= 200.0));
    let names: Vec<&str> = events
        .iter()
        .filter(|e| e["name"] == "process_name")
        .map(|e| e["args"]["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names.len(), 2);
    // collapsed rows never hold two events at once
    let mut by_row: HashMap<(i64, i64), Vec<(f64, f64)>> = HashMap::new();
    for e in &complete {
        let ts = e["ts"].as_f64().expect("ts");
        by_row
            .entry((e["pid"].as_i64().expect("pid"), e["tid"].as_i64().expect("tid")))
            .or_default()
            .push((ts, ts + e["dur"].as_f64().expect("dur")));
    }
    for spans in by_row.values_mut() {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        // nested is fine, partial overlap is not
        let mut stack: Vec<f64> = Vec::new();
        for &(a, b) in spans.iter() {
            while stack.last().is_some_and(|&end| end <= a + 1e-6) {
                stack.pop();
            }
            assert!(stack.last().is_none_or(|&end| b <= end + 1e-3), "overlapping events in one row");
            stack.push(b);
        }
    }
}

#[test]
fn closed_stdout_ends_quietly() {
    let dir = release();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fastware"))
        .args(["self-profile", s(&dir), "--top", "0", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    let mut first = [0u8; 100];
    out.read_exact(&mut first).expect("output");
    drop(out);
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn bad_profiles_get_one_clear_error_each() {
    let tmp = fastware_testkit::temp_dir("selfprof-bad");
    let real = profiles(&traity())[0].clone();
    let bytes = std::fs::read(&real).expect("read");
    let write = |name: &str, data: &[u8]| {
        let p = tmp.join(name);
        std::fs::write(&p, data).expect("write");
        p
    };
    // truncated: a real profile cut short
    let cut = write("cut-1.mm_profdata", &bytes[..bytes.len() / 2]);
    expect_kind(&["self-profile", s(&cut)], 2, "SelfProfError::TruncatedPage", &["truncated self-profile", s(&cut)]);
    // empty
    let empty = write("empty-1.mm_profdata", b"");
    expect_kind(&["self-profile", s(&empty)], 2, "SelfProfError::Empty", &["empty file", s(&empty)]);
    // wrong format version: the real header with version 8
    let mut old = bytes.clone();
    old[4..8].copy_from_slice(&8u32.to_le_bytes());
    let old = write("old-1.mm_profdata", &old);
    expect_kind(
        &["self-profile", s(&old)],
        2,
        "SelfProfError::Version",
        &["format version 8", "fastware reads version 9", &format!("{}:4)", s(&old))],
    );
    // not a profile: an ELF binary
    let elf = fastware_testkit::tracee_traces().parent().expect("release").join("tracee-app");
    expect_kind(
        &["self-profile", s(&elf)],
        2,
        "SelfProfError::NotSelfProfile",
        &["not a rustc self-profile: no MMPD header", &format!("{}:0)", s(&elf))],
    );
    // corrupt: the event data damaged in the middle
    let mut bad = bytes.clone();
    let mid = bad.len() / 2;
    for b in &mut bad[mid..mid + 4096] {
        *b ^= 0xa5;
    }
    let bad = write("bad-1.mm_profdata", &bad);
    let o = run(&["self-profile", s(&bad)]);
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "no panic reaches the user: {err}");
    if !o.status.success() {
        assert_eq!(o.status.code(), Some(2));
        assert!(err.contains("corrupt") && err.contains(s(&bad)), "{err}");
    }
    // missing file, empty directory
    expect_error(&["self-profile", s(&tmp.join("missing.mm_profdata"))], 2, &["No such file or directory"]);
    let none = tmp.join("none");
    std::fs::create_dir_all(&none).expect("mkdir");
    expect_kind(&["self-profile", s(&none)], 2, "SelfProfError::NoProfiles", &["no *.mm_profdata files"]);
    // output never overwrites an input
    expect_error(&["self-profile", "chrome", s(&real), "-o", s(&real)], 2, &["would overwrite an input"]);
}

/// The string data stream of a profile: (file offset of each stream byte).
/// An independent walk of the page layout: `[tag u8][len u32 LE][bytes]`.
fn string_stream_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut pos = 8;
    let mut offsets = Vec::new();
    while pos < bytes.len() {
        let tag = bytes[pos];
        let len = u32::from_le_bytes(bytes[pos + 1..pos + 5].try_into().expect("4 bytes")) as usize;
        if tag == 1 {
            offsets.extend(pos + 5..pos + 5 + len);
        }
        pos += 5 + len;
    }
    offsets
}

/// A string of the string data stream: where it starts, and its references
/// (the stream offset of each reference's tag, and the id it holds).
struct StringEntry {
    start: usize,
    refs: Vec<(usize, u64)>,
    /// The stream offsets of its literal bytes.
    literal: Vec<usize>,
}

const FIRST_REGULAR_STRING_ID: u64 = 100_000_000 + 3;

/// An independent walk of the string data (measureme's layout: literal UTF-8,
/// `0xFE` + 8-byte id for a reference, `0xFF` at the end of each string).
fn string_entries(data: &[u8]) -> Vec<StringEntry> {
    let mut out = Vec::new();
    let mut i = 8;
    let mut cur = StringEntry { start: i, refs: Vec::new(), literal: Vec::new() };
    while i < data.len() {
        match data[i] {
            0xFF => {
                i += 1;
                out.push(std::mem::replace(&mut cur, StringEntry { start: i, refs: Vec::new(), literal: Vec::new() }));
            }
            0xFE => {
                cur.refs.push((i, u64::from_le_bytes(data[i + 1..i + 9].try_into().expect("8 bytes"))));
                i += 9;
            }
            _ => {
                cur.literal.push(i);
                i += 1;
            }
        }
    }
    out
}

/// Rewrites the first string reference of a real profile to point at the
/// string that holds it (what one flipped bit did in the field: measureme's
/// decoder then recursed until the stack overflowed). Returns the damaged
/// bytes and the file offset of the reference.
fn self_referring(bytes: &[u8]) -> (Vec<u8>, usize) {
    let map = string_stream_offsets(bytes);
    let data: Vec<u8> = map.iter().map(|&o| bytes[o]).collect();
    let e = string_entries(&data).into_iter().find(|e| !e.refs.is_empty()).expect("a string reference");
    let tag = e.refs[0].0;
    let mut out = bytes.to_vec();
    for (k, b) in (e.start as u64 + FIRST_REGULAR_STRING_ID).to_le_bytes().iter().enumerate() {
        out[map[tag + 1 + k]] = *b;
    }
    (out, map[tag])
}

#[test]
fn a_string_table_that_refers_to_itself_is_a_clean_error_in_every_subcommand() {
    let tmp = fastware_testkit::temp_dir("selfprof-loop");
    let real = profiles(&traity())[0].clone();
    let (bytes, at) = self_referring(&std::fs::read(&real).expect("read"));
    let bad = tmp.join("loop-1.mm_profdata");
    std::fs::write(&bad, bytes).expect("write");
    let out = tmp.join("out");
    let place = format!("({}:{at})", s(&bad));
    for args in [
        vec!["self-profile", s(&bad)],
        vec!["self-profile", s(&bad), "--by", "crate"],
        vec!["self-profile", "longest", s(&bad)],
        vec!["self-profile", "folded", s(&bad)],
        vec!["self-profile", "flamegraph", s(&bad), "-o", s(&out)],
        vec!["self-profile", "chrome", s(&bad), "-o", s(&out)],
        vec!["self-profile", "diff", s(&real), s(&bad)],
    ] {
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err, format!("error: corrupt self-profile: a string that refers to itself {place}\n"), "{args:?}");
        assert!(!out.exists(), "{args:?} wrote an output");
    }
}

#[test]
fn an_event_id_the_decoder_cannot_parse_is_an_error_not_a_message() {
    // a control character in the label of a real event id (`label\x1earg`):
    // measureme's parser printed its complaint and carried on
    let tmp = fastware_testkit::temp_dir("selfprof-eventid");
    let real = profiles(&traity())[0].clone();
    let mut bytes = std::fs::read(&real).expect("read");
    let map = string_stream_offsets(&bytes);
    let data: Vec<u8> = map.iter().map(|&o| bytes[o]).collect();
    let entries = string_entries(&data);
    // an event id with an argument: [label ref, separator, argument ref]
    let id = entries
        .iter()
        .find(|e| e.refs.len() == 2 && e.literal.len() == 1 && data[e.literal[0]] == 0x1E)
        .expect("an event id with an argument");
    let label = (id.refs[0].1 - FIRST_REGULAR_STRING_ID) as usize;
    bytes[map[label]] = 0x01;
    let bad = tmp.join("ctl-1.mm_profdata");
    std::fs::write(&bad, bytes).expect("write");
    let o = run(&["self-profile", s(&bad)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error: corrupt self-profile: an event id with a control character ("), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// A self-profile from a FIFO (as `<(zstd -dc p.zst)` gives) reads as the
/// file does: read once, into memory (issue 18, item 11).
#[test]
fn a_profile_from_a_fifo_reads_like_the_file() {
    let file = fastware_testkit::workspace_root().join("tests/fixtures/profiles/traity-0001385.mm_profdata");
    let want = run_json(&["self-profile", s(&file), "--format", "json", "--top", "0"]);
    let fifo = fastware_testkit::temp_dir("selfprof-fifo").join("traity.fifo");
    let _ = std::fs::remove_file(&fifo);
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let bytes = std::fs::read(&file).expect("profile");
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(&fifo, &bytes).expect("write fifo"))
    };
    let got = run_json(&["self-profile", s(&fifo), "--format", "json", "--top", "0"]);
    writer.join().expect("writer");
    assert_eq!(got["labels"], want["labels"]);
    assert!(got["labels"].as_array().is_some_and(|l| !l.is_empty()));
}

/// A flamegraph title with control characters still makes valid XML (XML
/// 1.0 allows none of them, escaped or not) (issue 18, item 15).
#[test]
fn flamegraph_titles_drop_control_characters() {
    let file = fastware_testkit::workspace_root().join("tests/fixtures/profiles/traity-0001385.mm_profdata");
    let svg = fastware_testkit::temp_dir("selfprof-title").join("t.svg");
    let o = run(&["self-profile", "flamegraph", s(&file), "-o", s(&svg), "--title", "a\u{1}b\u{1b}c", "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&svg).expect("svg");
    assert!(!bytes.iter().any(|&b| b < 0x20 && !b"\n\r\t".contains(&b)), "a control character in the SVG");
    assert!(String::from_utf8_lossy(&bytes).contains("a b c"));
}
