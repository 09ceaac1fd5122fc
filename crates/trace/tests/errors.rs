//! Bad trace inputs, each made from real data (a real rustc trace cut,
//! doubled or compressed and damaged; a real cargo JSON file; a real
//! executable), give their kind of [`TraceError`] at the right file and
//! byte; the messages people read are one snapshot.

use std::io::Write;
use std::path::{Path, PathBuf};

use fastware_trace::{summarize, Error, TraceError, TraceQuery};

fn read(paths: &[&Path]) -> Error {
    let q = TraceQuery { paths: paths.iter().map(|p| p.to_path_buf()).collect(), ..TraceQuery::default() };
    summarize(&q).expect_err("refused")
}

fn kind(e: &Error) -> &TraceError {
    e.typed::<TraceError>().unwrap_or_else(|| panic!("not a TraceError: {e}"))
}

fn find(dir: &Path, suffix: &str) -> Option<PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = find(&p, suffix) {
                return Some(f);
            }
        } else if p.to_string_lossy().ends_with(suffix) {
            return Some(p);
        }
    }
    None
}

#[test]
fn bad_inputs_are_told_apart_by_kind() {
    let deps = fastware_testkit::tracee_traces();
    let app = fastware_testkit::files_with_suffix(&deps, ".llvm_timings.json")
        .into_iter()
        .find(|p| p.to_string_lossy().contains("tracee_app"))
        .expect("app trace");
    let trace = std::fs::read(&app).expect("read");
    let tmp = fastware_testkit::temp_dir("trace-errors");
    let mut said = Vec::new();
    let mut say = |name: &str, e: &Error| {
        said.push(format!(
            "{name}: {}{}",
            e.message,
            e.hint.as_ref().map_or(String::new(), |h| format!("\n  hint: {h}"))
        ))
    };

    // cut mid-event, as when rustc is killed
    let cut = trace.len() / 2 + 17;
    let truncated = tmp.join("truncated.llvm_timings.json");
    std::fs::write(&truncated, &trace[..cut]).expect("write");
    let e = read(&[&truncated]);
    let TraceError::Truncated { last_event_end } = *kind(&e) else { panic!("{e}") };
    assert!(last_event_end > 0 && last_event_end < cut as u64, "{last_event_end}");
    // the last complete event ends with `}` just before the next `,`
    assert_eq!(trace[last_event_end as usize - 1], b'}');
    assert_eq!((e.path.as_deref(), e.offset), (Some(truncated.to_str().expect("utf-8")), Some(cut as u64)));
    // (the byte differs from build to build: the snapshot has N)
    let mut shown = e.clone();
    shown.message = shown.message.replace(&last_event_end.to_string(), "N");
    say("truncated", &shown);

    // a second document after the trace
    let end = trace.iter().rposition(|b| !b.is_ascii_whitespace()).expect("the trace") + 1;
    let two = tmp.join("two.llvm_timings.json");
    std::fs::write(&two, [&trace[..end], b"\n", &trace[..]].concat()).expect("write");
    let e = read(&[&two]);
    assert_eq!(kind(&e), &TraceError::Syntax { what: "data after the end of the JSON document" });
    assert_eq!(e.offset, Some(end as u64 + 1));
    say("two documents", &e);

    // JSON that is not a trace: a real cargo fingerprint file
    let fingerprint = find(&deps.parent().expect("release").join(".fingerprint"), ".json").expect("a cargo .json file");
    let e = read(&[&fingerprint]);
    assert!(matches!(kind(&e), TraceError::NotChromeTrace { .. }), "{e}");
    say("cargo's JSON", &e);

    let empty = tmp.join("empty.json");
    std::fs::write(&empty, b"").expect("write");
    let e = read(&[&empty]);
    assert_eq!(kind(&e), &TraceError::Empty);
    say("empty", &e);

    // an executable: ELF's first byte
    let exe = deps.parent().expect("release").join("tracee-app");
    let e = read(&[&exe]);
    assert_eq!(kind(&e), &TraceError::NotJson { first: std::fs::read(&exe).expect("exe")[0] });
    assert_eq!(e.offset, Some(0));
    say("executable", &e);

    let nothing = tmp.join("nothing-here");
    std::fs::create_dir_all(&nothing).expect("mkdir");
    let e = read(&[&nothing]);
    assert_eq!(kind(&e), &TraceError::NoTraces);
    say("empty directory", &e);

    // gzip cut in half
    let mut gz = Vec::new();
    let mut enc = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::fast());
    enc.write_all(&trace[..200_000]).expect("gzip");
    enc.finish().expect("gzip");
    let cut_gz = tmp.join("cut.json.gz");
    std::fs::write(&cut_gz, &gz[..gz.len() / 2]).expect("write");
    let e = read(&[&cut_gz]);
    assert!(matches!(kind(&e), TraceError::Compressed { format: "gzip", .. }), "{e}");
    say("gzip cut", &e);

    let stdin = Path::new("-");
    let e = read(&[stdin, stdin]);
    assert_eq!(kind(&e), &TraceError::StdinTwice);
    say("stdin twice", &e);

    // a missing file is the machine's word, not a TraceError
    let e = read(&[&tmp.join("missing.json")]);
    assert!(e.typed::<TraceError>().is_none() && e.is_bad_input(), "{e}");

    insta::assert_snapshot!(said.join("\n"));
}
