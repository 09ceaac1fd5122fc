//! `fastware trace` end to end: the real binary on real rustc traces.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::common::*;
use fastware_symbols::Name;
use fastware_testkit::llvm_reference::compute;
use serde_json::Value;

/// The values of `field` in the rows of list `list` of a JSON report.
fn column<'a>(v: &'a Value, list: &str, field: &str) -> Vec<&'a str> {
    v[list].as_array().expect("list").iter().map(|r| r[field].as_str().expect("text field")).collect()
}

/// The row of list `list` whose `field` is `value`.
fn row<'a>(v: &'a Value, list: &str, field: &str, value: &str) -> &'a Value {
    v[list]
        .as_array()
        .expect("list")
        .iter()
        .find(|r| r[field] == value)
        .unwrap_or_else(|| panic!("no {field} = {value}"))
}

fn traces() -> PathBuf {
    fastware_testkit::tracee_traces()
}

fn app_trace() -> PathBuf {
    fastware_testkit::files_with_suffix(&traces(), ".llvm_timings.json")
        .into_iter()
        .find(|p| p.to_string_lossy().contains("tracee_app"))
        .expect("app trace")
}

#[test]
fn help_works_as_fastware_and_as_cargo_subcommand() {
    let o = run(&["trace", "--help"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("Examples:") && text.contains("fastware trace slim"), "{text}");
    assert!(text.contains("--by") && text.contains("--format") && text.contains("--top"));

    // cargo runs `cargo-fastware fastware trace --help`
    let o =
        Command::new(env!("CARGO_BIN_EXE_cargo-fastware")).args(["fastware", "trace", "--help"]).output().expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Usage: cargo fastware trace"), "{}", stdout(&o));

    // and through cargo itself, with cargo-fastware on PATH
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cargo-fastware")).parent().expect("bin dir");
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let o = Command::new(cargo).args(["fastware", "trace", "--help"]).env("PATH", path).output().expect("run cargo");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Examples:"));

    let o = run(&["slim"]);
    assert_eq!(o.status.code(), Some(2), "unknown subcommand is a usage error");
}

#[test]
fn json_figures_equal_the_reference() {
    let dir = traces();
    let files = fastware_testkit::files_with_suffix(&dir, ".llvm_timings.json");
    let reference = compute(&files, "OptFunction");

    let v = run_json(&["trace", s(&dir), "--by", "function", "--format", "json", "--top", "0"]);
    assert_eq!(ns(&v["inputs"]["busy_us"]), reference.busy_ns);
    let ours: HashMap<String, (i64, i64, u64)> = v["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .map(|f| {
            let key = f["function"].as_str().expect("key").to_string();
            (key, (ns(&f["llvm_time_us"]), ns(&f["event_time_us"]), f["event_count"].as_u64().expect("count")))
        })
        .collect();
    let expected: HashMap<String, (i64, i64, u64)> = reference
        .group(|sym, _| vec![Name::new(sym).function()])
        .into_iter()
        .map(|(k, f)| (k, (f.llvm_ns, f.event_ns, f.event_count)))
        .collect();
    assert_eq!(ours, expected);

    let v = run_json(&["trace", s(&dir), "--by", "crate", "--format", "json", "--top", "0"]);
    let ours: HashMap<String, i64> = v["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .map(|c| (c["crate"].as_str().expect("crate").to_string(), ns(&c["llvm_time_us"])))
        .collect();
    let expected: HashMap<String, i64> = reference
        .group(|sym, file_crate| {
            let n = Name::new(sym);
            vec![n.instantiating_crate().or(file_crate).unwrap_or("(not Rust)").to_string()]
        })
        .into_iter()
        .map(|(k, f)| (k, f.llvm_ns))
        .collect();
    assert_eq!(ours, expected);

    let v = run_json(&["trace", s(&dir), "--by", "pass", "--format", "json", "--top", "0"]);
    let ours: HashMap<String, i64> = v["passes"]
        .as_array()
        .expect("passes")
        .iter()
        .map(|p| {
            let (pass, event) = (p["pass"].as_str().expect("pass"), p["event"].as_str().expect("event"));
            let key = if pass == event { pass.to_string() } else { format!("{pass} ({event})") };
            (key, ns(&p["self_time_us"]))
        })
        .collect();
    let expected: HashMap<String, i64> = reference.passes.iter().map(|(k, p)| (k.clone(), p.self_ns)).collect();
    assert_eq!(ours, expected);
    // LLVM's own totals are listed apart and not added into the passes
    let totals = v["llvm_totals"].as_array().expect("llvm_totals");
    assert!(totals.iter().any(|t| t["name"] == "OptFunction"));
    let self_sum: i64 = v["passes"].as_array().expect("passes").iter().map(|p| ns(&p["self_time_us"])).sum();
    assert_eq!(self_sum, ns(&v["inputs"]["busy_us"]));
}

#[test]
fn groupings_fold_closures_keep_generics_and_attribute_crates() {
    let dir = traces();
    let view = |by: &str, filter: Option<&str>| {
        let mut args = vec!["trace", s(&dir), "--by", by, "--format", "json", "--top", "0"];
        args.extend(filter.iter().flat_map(|f| ["--filter", *f]));
        run_json(&args)
    };
    let functions = view("function", None);
    let keys = column(&functions, "functions", "function");
    // the async fn's body `pipeline::{closure#0}` (and the closure inside it) fold into the fn
    assert!(keys.contains(&"tracee_app::pipeline"), "{keys:?}");
    assert!(keys.iter().all(|k| !k.contains("{closure")), "no closures left: {keys:?}");
    let pipeline = row(&functions, "functions", "function", "tracee_app::pipeline");
    assert_eq!(pipeline["instances"].as_u64(), Some(2), "body and inner closure");

    let instances = view("instance", None);
    let keys = column(&instances, "instances", "instance");
    assert!(keys.contains(&"tracee_types::summarize::<&str>") && keys.contains(&"tracee_types::summarize::<u64>"));
    assert!(keys.contains(&"tracee_app::pipeline::{closure#0}"));

    // drop glue of tracee_types::Record, optimised in tracee_app, counts for tracee_types
    let glue = "core::ptr::drop_in_place::<tracee_types::Record>";
    let glue_ns = ns(&row(&instances, "instances", "instance", glue)["llvm_time_us"]);
    assert!(glue_ns > 0);
    let only_glue = format!("^{}$", regex_escape(glue));
    let type_crates = view("type-crate", Some(&only_glue));
    assert_eq!(column(&type_crates, "type_crates", "crate"), ["tracee_types"]);
    assert_eq!(ns(&type_crates["type_crates"][0]["llvm_time_us"]), glue_ns);
    assert_eq!(column(&view("defining-crate", Some(&only_glue)), "defining_crates", "crate"), ["core"]);

    // the v0 suffix says tracee_app instantiated tracee_types::summarize
    assert_eq!(column(&view("crate", Some(r"^tracee_types::summarize::<")), "crates", "crate"), ["tracee_app"]);
}

fn regex_escape(s: &str) -> String {
    s.chars().flat_map(|c| if "()[]{}.*+?^$|\\".contains(c) { vec!['\\', c] } else { vec![c] }).collect()
}

#[test]
fn table_and_csv_output() {
    let dir = traces();
    let o = run(&["trace", s(&dir)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for section in ["Functions by LLVM time", "Crates by LLVM time", "Passes by self time", "Codegen units"] {
        assert!(text.contains(section), "{section} missing:\n{text}");
    }
    assert!(text.starts_with("2 files, "), "{text}");
    // on a terminal, reading 64 MiB or more shows what it reads: the app's
    // trace three times over (each under 64 MiB alone, checked), and nothing
    // for one copy
    let app = app_trace();
    let size = std::fs::metadata(&app).expect("trace").len();
    assert!(size < 64 << 20 && 3 * size >= 64 << 20, "{size} bytes: the test needs another input");
    let a = s(&app);
    match on_a_terminal(&dir, &format!("trace {a} {a} {a} --by function --top 1")) {
        Some(drawn) => {
            assert!(drawn.lines().any(|l| l.contains("reading 3 inputs (")), "{drawn}");
            let one = on_a_terminal(&dir, &format!("trace {a} --by function --top 1")).expect("script");
            assert!(!one.contains("reading "), "{one}");
        }
        None => eprintln!("SKIPPED the progress on a terminal: util-linux's script cannot run here"),
    }
    let o = run(&["trace", s(&dir), "--by", "file", "--format", "csv"]);
    assert!(o.status.success());
    let csv = stdout(&o);
    assert!(csv.starts_with("busy_us,share_of_busy,event_time_us,span_us"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "header and one line per file: {csv}");
    let o = run(&["trace", s(&dir), "--format", "csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--format csv writes one table"));
}

#[test]
fn compressed_stdin_and_bare_array_inputs_give_the_same_figures() {
    let tmp = fastware_testkit::temp_dir("trace-inputs");
    let plain = std::fs::read(app_trace()).expect("read trace");
    let gz = tmp.join("app.llvm_timings.json.gz");
    let mut enc =
        flate2::write::GzEncoder::new(std::fs::File::create(&gz).expect("create"), flate2::Compression::fast());
    enc.write_all(&plain).expect("gzip");
    enc.finish().expect("gzip");
    // The committed .zst was made by the zstd tool: decompress it and compare with itself compressed.
    let zst = fastware_testkit::workspace_root().join("tests/fixtures/traces/tracee/tracee_app.llvm_timings.json.zst");
    let mut from_zst = Vec::new();
    ruzstd::decoding::StreamingDecoder::new(std::fs::File::open(&zst).expect("open"))
        .expect("zstd")
        .read_to_end(&mut from_zst)
        .expect("decompress");
    let zst_plain = tmp.join("zst-plain.json");
    std::fs::write(&zst_plain, &from_zst).expect("write");
    // A bare array without its closing `]`: the same events, the other layout.
    let text = std::str::from_utf8(&plain).expect("utf-8");
    let start = text.find('[').expect("array start");
    let end = text.rfind(']').expect("array end");
    let bare = tmp.join("bare.json");
    std::fs::write(&bare, format!("{}\n", &text[start..end])).expect("write");

    let args = |p: &str| {
        vec![
            "trace".to_string(),
            p.to_string(),
            "--by".into(),
            "function".into(),
            "--format".into(),
            "json".into(),
            "--top".into(),
            "0".into(),
        ]
    };
    let figures = |v: Value| v["functions"].clone();
    let plain_v = run_json(&args(s(&app_trace())).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        figures(run_json(&args(s(&gz)).iter().map(String::as_str).collect::<Vec<_>>())),
        figures(plain_v.clone()),
        "gzip"
    );
    assert_eq!(
        figures(run_json(&args(s(&bare)).iter().map(String::as_str).collect::<Vec<_>>())),
        figures(plain_v.clone()),
        "bare array"
    );
    assert_eq!(
        figures(run_json(&args(s(&zst)).iter().map(String::as_str).collect::<Vec<_>>())),
        figures(run_json(&args(s(&zst_plain)).iter().map(String::as_str).collect::<Vec<_>>())),
        "zstd"
    );
    // stdin, gzip-compressed
    let mut child = fastware()
        .args(args("-"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let data = std::fs::read(&gz).expect("read");
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let o = child.wait_with_output().expect("wait");
    writer.join().expect("join").expect("write stdin");
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(figures(v), figures(plain_v));
}

#[test]
fn closed_stdout_ends_quietly() {
    let dir = traces();
    for args in [
        vec!["trace", s(&dir), "--by", "instance", "--top", "0"],
        vec!["trace", s(&dir), "--by", "instance", "--top", "0", "--format", "json"],
    ] {
        let mut child = fastware().args(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
        let mut out = child.stdout.take().expect("stdout");
        let mut first = [0u8; 200];
        out.read_exact(&mut first).expect("some output");
        drop(out); // like `| head -3`
        let o = child.wait_with_output().expect("wait");
        assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
        assert!(stderr(&o).is_empty(), "no panic, no message: {}", stderr(&o));
    }
}

#[test]
fn bad_inputs_get_one_clear_error_each() {
    let tmp = fastware_testkit::temp_dir("trace-bad");
    let trace = std::fs::read(app_trace()).expect("read");

    // truncated: a real trace cut mid-event, as when rustc is killed
    let cut = trace.len() / 2 + 17;
    let truncated = tmp.join("truncated.llvm_timings.json");
    std::fs::write(&truncated, &trace[..cut]).expect("write");
    let path = s(&truncated);
    expect_kind(
        &["trace", path],
        2,
        "TraceError::Truncated",
        &["truncated trace", &format!("{path}:{cut})"), "--allow-truncated"],
    );
    let o = run(&["trace", path, "--allow-truncated", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("is truncated at byte {cut}")), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["inputs"]["truncated"][0]["at_byte"], cut as u64);
    assert!(v["inputs"]["events"].as_u64().expect("events") > 1000, "the events before the cut are reported");

    // a second document after the trace (two traces in one file), or junk
    let end = trace.iter().rposition(|b| !b.is_ascii_whitespace()).expect("the trace") + 1;
    for (name, tail) in [("two", &trace[..]), ("junk", &b"appended"[..])] {
        let p = tmp.join(format!("{name}.llvm_timings.json"));
        std::fs::write(&p, [&trace[..end], b"\n", tail].concat()).expect("write");
        expect_kind(
            &["trace", s(&p)],
            2,
            "TraceError::Syntax",
            &["data after the end of the JSON document", &format!("{}:{})", s(&p), end + 1)],
        );
    }

    // JSON that is not a trace: a real cargo fingerprint file
    let target = fastware_testkit::tracee_traces();
    let fingerprint = walk_find(target.parent().expect("release").join(".fingerprint").as_path(), ".json")
        .expect("a cargo .json file");
    expect_kind(&["trace", s(&fingerprint)], 2, "TraceError::NotChromeTrace", &["not a Chrome trace", s(&fingerprint)]);

    // empty file
    let empty = tmp.join("empty.json");
    std::fs::write(&empty, b"").expect("write");
    expect_kind(&["trace", s(&empty)], 2, "TraceError::Empty", &["empty file", s(&empty)]);

    // binary file: the tracee executable
    let exe = target.parent().expect("release").join("tracee-app");
    expect_kind(
        &["trace", s(&exe)],
        2,
        "TraceError::NotJson",
        &["not a JSON trace: starts with byte 0x7f", &format!("{}:0)", s(&exe))],
    );

    // missing file
    let missing = tmp.join("missing.json");
    expect_error(&["trace", s(&missing)], 2, &["No such file or directory", s(&missing)]);

    // a directory without traces
    let empty_dir = tmp.join("nothing-here");
    std::fs::create_dir_all(&empty_dir).expect("mkdir");
    expect_kind(&["trace", s(&empty_dir)], 2, "TraceError::NoTraces", &["no *.llvm_timings.json files"]);

    // corrupt compressed data: a real gzip stream with its middle damaged
    let mut gz = Vec::new();
    let mut enc = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::fast());
    enc.write_all(&trace[..200_000]).expect("gzip");
    enc.finish().expect("gzip");
    let mid = gz.len() / 2;
    for b in &mut gz[mid..mid + 64] {
        *b ^= 0x5a;
    }
    let bad_gz = tmp.join("corrupt.json.gz");
    std::fs::write(&bad_gz, &gz).expect("write");
    // (damaged deflate data may decode to garbage that the JSON reader rejects first)
    let o = run(&["trace", s(&bad_gz)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("corrupt or truncated gzip data") || stderr(&o).contains("invalid trace JSON"),
        "{}",
        stderr(&o)
    );
    let cut_gz = tmp.join("cut.json.gz");
    std::fs::write(&cut_gz, &gz[..mid]).expect("write");
    expect_kind(&["trace", s(&cut_gz)], 2, "TraceError::Compressed", &["corrupt or truncated gzip data", s(&cut_gz)]);

    // impossible times in a real event: each refused at the byte of the value
    let text = String::from_utf8_lossy(&trace).into_owned();
    let dur = text.find("\"dur\":").expect("a dur") + "\"dur\":".len();
    let end = dur + text[dur..].find([',', '}']).expect("end of the number");
    for (name, value, says) in [
        ("negative", "-5", "negative `dur`"),
        ("null", "null", "`dur` is not a number"),
        ("string", "\"12\"", "`dur` is not a number"),
    ] {
        let p = tmp.join(format!("{name}.llvm_timings.json"));
        std::fs::write(&p, format!("{}{value}{}", &text[..dur], &text[end..])).expect("write");
        expect_kind(&["trace", s(&p)], 2, "TraceError::Syntax", &[says, &format!("{}:{dur})", s(&p))]);
    }
    // a complete event without its `dur`: refused at the event's start
    let member = text[..dur].rfind(",\"dur\":").expect("the member");
    let start = text[..member].rfind('{').expect("the event");
    let p = tmp.join("no-dur.llvm_timings.json");
    std::fs::write(&p, format!("{}{}", &text[..member], &text[end..])).expect("write");
    expect_kind(
        &["trace", s(&p)],
        2,
        "TraceError::Syntax",
        &["a complete (`X`) event without `dur`", &format!("{}:{start})", s(&p))],
    );

    // bad arguments
    expect_error(&["trace", s(&app_trace()), "--filter", "("], 2, &["invalid regex"]);
    expect_error(&["trace", s(&app_trace()), "--by", "colour"], 2, &["invalid value 'colour'"]);
    // clap's errors as every error is: one line, then a hint
    for bad in [["--top", "-1"], ["--format", "JSON"]] {
        let err = error_of(&run(&[&["trace", s(&app_trace())][..], &bad].concat()), 2, &[]);
        let lines: Vec<&str> = err.lines().collect();
        assert!(lines.len() == 2 && lines[1].starts_with("hint: "), "{bad:?}: {err}");
    }
    // regexes with Unicode features: case folding, classes
    for re in ["(?i)TRACEE", r"\p{L}+"] {
        let o = run(&["trace", s(&app_trace()), "--filter", re, "--format", "json"]);
        assert!(o.status.success(), "{re}: {}", stderr(&o));
    }
}

fn walk_find(dir: &Path, suffix: &str) -> Option<PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = walk_find(&p, suffix) {
                return Some(f);
            }
        } else if p.to_string_lossy().ends_with(suffix) {
            return Some(p);
        }
    }
    None
}

#[test]
fn slim_writes_a_valid_subset_with_thread_names() {
    let tmp = fastware_testkit::temp_dir("trace-slim");
    let input = app_trace();
    let out = tmp.join("slim.json");
    let o = run(&["trace", "slim", s(&input), "-o", s(&out), "--min-dur", "1ms"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with(&format!("wrote {}", s(&out))), "{}", stdout(&o));

    let read_events = |p: &Path| -> Vec<Value> {
        let v: Value = serde_json::from_slice(&std::fs::read(p).expect("read")).expect("output parses as JSON");
        v["traceEvents"].as_array().expect("traceEvents").clone()
    };
    let all = read_events(&input);
    let kept = read_events(&out);
    assert!(!kept.is_empty() && kept.len() < all.len() / 10, "{} of {}", kept.len(), all.len());
    let input_set: std::collections::HashSet<String> = all.iter().map(|e| e.to_string()).collect();
    for e in &kept {
        assert!(input_set.contains(&e.to_string()), "not in the input: {e}");
        if e["ph"] == "X" {
            assert!(e["dur"].as_i64().expect("dur") >= 1000, "{e}");
        }
    }
    let names = |events: &[Value]| -> Vec<String> {
        let mut v: Vec<String> = events.iter().filter(|e| e["name"] == "thread_name").map(|e| e.to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(names(&kept), names(&all), "every thread name kept");
    assert!(!names(&all).is_empty());

    // --keep keeps short events of a name; --demangle rewrites symbols
    let out2 = tmp.join("slim2.json");
    let o =
        run(&["trace", "slim", s(&input), "-o", s(&out2), "--min-dur", "10s", "--keep", "OptFunction", "--demangle"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let kept = read_events(&out2);
    let optfn: Vec<&Value> = kept.iter().filter(|e| e["name"] == "OptFunction").collect();
    assert_eq!(optfn.len(), all.iter().filter(|e| e["name"] == "OptFunction").count());
    assert!(optfn.iter().all(|e| !e["args"]["detail"].as_str().expect("detail").starts_with("_R")));
    // names of the fixture's own code, demangled (which functions got an
    // OptFunction event varies: rustc's codegen threads' events are not
    // always all merged into the trace — one CI build lost `tracee_app::main`)
    let demangled = |e: &&&Value| e["args"]["detail"].as_str().is_some_and(|d| d.contains("tracee_types::"));
    assert!(optfn.iter().any(|e| demangled(&e)), "{optfn:?}");

    // the output never overwrites an input, and nothing is left behind on error
    expect_error(&["trace", "slim", s(&input), "-o", s(&input)], 2, &["would overwrite an input"]);
    expect_error(&["trace", "slim", s(&input), "-o", s(&out), "--min-dur", "soon"], 2, &["--min-dur"]);
    let leftovers: Vec<_> = std::fs::read_dir(&tmp)
        .expect("ls")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[cfg(unix)]
fn file_type(p: &Path) -> std::fs::FileType {
    std::fs::metadata(p).expect("stat").file_type()
}

#[test]
#[cfg(unix)]
fn outputs_that_are_streams_are_written_as_streams() {
    use std::os::unix::fs::FileTypeExt;
    let input = app_trace();
    let tmp = fastware_testkit::temp_dir("trace-streams");
    // a device stays a device: written, never replaced by a regular file
    let null = Path::new("/dev/null");
    for args in [
        vec!["trace", "slim", s(&input), "-o", "/dev/null"],
        vec!["self-profile", "chrome", s(&selfprof_fixture()), "-o", "/dev/null"],
        vec!["self-profile", "flamegraph", s(&selfprof_fixture()), "-o", "/dev/null"],
    ] {
        let o = run(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(file_type(null).is_char_device(), "{args:?} replaced /dev/null");
    }
    // standard output: the trace there, what was written said on stderr.
    // The file is read in pieces, merged by whichever thread ends one: a
    // worker writing to stdout waited forever for the lock the main thread
    // held (about one run in two), hence several runs
    assert!(std::fs::metadata(&input).expect("input").len() > 24 << 20, "a trace read in pieces");
    for _ in 0..4 {
        let o = run(&["trace", "slim", s(&input), "-o", "-", "--min-dur", "1ms"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: Value = serde_json::from_slice(&o.stdout).expect("the slim trace on stdout");
        assert!(!v["traceEvents"].as_array().expect("events").is_empty());
        assert!(stderr(&o).starts_with("note: wrote -: "), "{}", stderr(&o));
    }
    // a FIFO: read by another process, still a FIFO afterwards
    let fifo = tmp.join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).expect("read the FIFO"))
    };
    let o = run(&["trace", "slim", s(&input), "-o", s(&fifo), "--min-dur", "1ms"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = reader.join().expect("reader");
    let v: Value = serde_json::from_slice(&got).expect("the slim trace through the FIFO");
    assert!(!v["traceEvents"].as_array().expect("events").is_empty());
    assert!(file_type(&fifo).is_fifo());
    let names: Vec<_> = std::fs::read_dir(&tmp).expect("list").flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("fifo")], "nothing else written");
}

fn selfprof_fixture() -> PathBuf {
    fastware_testkit::fixture("profiles/traity-0001385.mm_profdata")
}

#[test]
fn a_file_fastware_did_not_write_is_never_replaced() {
    let input = app_trace();
    let tmp = fastware_testkit::temp_dir("trace-users-file");
    let notes = tmp.join("notes.json");
    std::fs::write(&notes, b"my own notes\n").expect("write");
    for args in [
        vec!["trace", "slim", s(&input), "-o", s(&notes)],
        vec!["self-profile", "chrome", s(&selfprof_fixture()), "-o", s(&notes)],
        vec!["self-profile", "flamegraph", s(&selfprof_fixture()), "-o", s(&notes)],
    ] {
        expect_error(&args, 2, &["the file exists and was not written by fastware", "--force", s(&notes)]);
        assert_eq!(std::fs::read(&notes).expect("read"), b"my own notes\n");
    }
    // fastware's own outputs are replaced, keeping their permissions; --force replaces the user's
    let out = tmp.join("slim.json");
    let svg = tmp.join("rustc.svg");
    for _ in 0..2 {
        let o = run(&["trace", "slim", s(&input), "-o", s(&out)]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = run(&["self-profile", "flamegraph", s(&selfprof_fixture()), "-o", s(&svg)]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let o = run(&["trace", "slim", s(&input), "-o", s(&out)]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(std::fs::metadata(&out).expect("stat").permissions().mode() & 0o777, 0o600);
    }
    let o = run(&["trace", "slim", s(&input), "-o", s(&notes), "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&std::fs::read(&notes).expect("read")).expect("a trace now");
    assert!(v["traceEvents"].is_array());
}

#[test]
#[cfg(unix)]
fn an_interrupted_write_leaves_no_temporary_file() {
    // a trace fed through stdin and held open: fastware is mid-write when the signal comes
    let bytes = std::fs::read(app_trace()).expect("read");
    for (signal, status) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let tmp = fastware_testkit::temp_dir(&format!("trace-signal-{signal}"));
        let out = tmp.join("slim.json");
        let mut child = fastware()
            .args(["trace", "slim", "-", "-o", s(&out)])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(&bytes[..bytes.len() / 2]).expect("feed half");
        stdin.flush().expect("flush");
        // wait until the temporary output exists (output has started)
        let started = std::time::Instant::now();
        while std::fs::read_dir(&tmp).expect("list").count() == 0 {
            assert!(started.elapsed().as_secs() < 60, "no output started");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let kill = Command::new("kill").args([format!("-{signal}"), child.id().to_string()]).status();
        assert!(kill.expect("kill").success());
        let o = child.wait_with_output().expect("wait");
        drop(stdin);
        assert_eq!(o.status.code(), Some(status), "SIG{signal}: {}", stderr(&o));
        let left: Vec<_> = std::fs::read_dir(&tmp).expect("list").flatten().map(|e| e.path()).collect();
        assert!(left.is_empty(), "SIG{signal} left {left:?}");
    }
}

/// A compressed trace whose checksum does not match its data is damaged,
/// and said to be (issue 18, item 9): the committed zstd file (the zstd
/// tool writes a checksum) and a gzip of its content, each with one bit of
/// the checksum flipped.
#[test]
fn damaged_compressed_traces_are_refused() {
    let tmp = fastware_testkit::temp_dir("trace-checksums");
    let zst = fastware_testkit::workspace_root().join("tests/fixtures/traces/tracee/tracee_app.llvm_timings.json.zst");
    let mut bytes = std::fs::read(&zst).expect("zst");
    let plain = {
        let mut out = Vec::new();
        ruzstd::decoding::StreamingDecoder::new(&bytes[..]).expect("zstd").read_to_end(&mut out).expect("decode");
        out
    };
    let n = bytes.len();
    bytes[n - 2] ^= 0x01; // the frame's content checksum is its last 4 bytes
    let bad_zst = tmp.join("bad.json.zst");
    std::fs::write(&bad_zst, &bytes).expect("write");
    expect_kind(&["trace", s(&bad_zst)], 2, "TraceError::Compressed", &["damaged zstd data", "bad.json.zst"]);
    // junk after the frame is refused; a second frame (as `cat a.zst b.zst`
    // makes, and `zstd -dc` reads) is read: here an empty one, made by ruzstd
    let good = std::fs::read(&zst).expect("zst");
    let junk = tmp.join("junk.json.zst");
    std::fs::write(&junk, [&good[..], b"appended by mistake"].concat()).expect("write");
    expect_kind(&["trace", s(&junk)], 2, "TraceError::Compressed", &["not zstd", "junk.json.zst"]);
    let empty = ruzstd::encoding::compress_to_vec(&b""[..], ruzstd::encoding::CompressionLevel::Fastest);
    let two = tmp.join("two.json.zst");
    std::fs::write(&two, [&good[..], &empty[..]].concat()).expect("write");
    let one = run(&["trace", s(&zst), "--format", "json"]);
    let both = run(&["trace", s(&two), "--format", "json"]);
    assert!(both.status.success(), "{}", stderr(&both));
    assert_eq!(json(&one)["inputs"], json(&both)["inputs"]);

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).expect("gzip");
    let mut gz = gz.finish().expect("gzip");
    let n = gz.len();
    gz[n - 6] ^= 0x01; // the trailer: CRC32, then the size
    let bad_gz = tmp.join("bad.json.gz");
    std::fs::write(&bad_gz, &gz).expect("write");
    expect_kind(&["trace", s(&bad_gz)], 2, "TraceError::Compressed", &["checksum", "bad.json.gz"]);
}

/// A trace from a FIFO (as `<(zstd -dc f.zst)` gives) is read once, its
/// compression told from the same bytes; a FIFO named like a trace inside a
/// directory is skipped with a note instead of blocking the scan (issue 18,
/// item 11).
#[test]
fn fifos_are_read_once_and_skipped_in_directories() {
    let tmp = fastware_testkit::temp_dir("trace-fifo");
    let zst = fastware_testkit::workspace_root().join("tests/fixtures/traces/tracee/tracee_app.llvm_timings.json.zst");
    let want = run_json(&["trace", s(&zst), "--format", "json"]);
    for (name, bytes) in [
        ("plain", {
            let mut out = Vec::new();
            ruzstd::decoding::StreamingDecoder::new(std::fs::File::open(&zst).expect("zst"))
                .expect("zstd")
                .read_to_end(&mut out)
                .expect("decode");
            out
        }),
        ("zst", std::fs::read(&zst).expect("zst")),
    ] {
        let fifo = tmp.join(format!("{name}.fifo"));
        let _ = std::fs::remove_file(&fifo);
        assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(&fifo, &bytes).expect("write fifo"))
        };
        let got = run_json(&["trace", s(&fifo), "--format", "json"]);
        writer.join().expect("writer");
        assert_eq!(got["functions"], want["functions"], "{name}");
        assert_eq!(got["llvm_totals"], want["llvm_totals"], "{name}");
    }
    let dir = tmp.join("build");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::copy(&zst, dir.join("tracee_app.llvm_timings.json.zst")).expect("copy");
    let fifo = dir.join("stuck.llvm_timings.json");
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let o = run(&["trace", s(&dir), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("skipped") && stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    assert_eq!(json(&o)["functions"], want["functions"]);
}
