//! Bad profiles, made from real ones (the committed callgrind.out of the
//! hotspots fixture, cut, stripped of lines or edited; a saved profile of
//! it with a function id out of range; perf.data files the fuzzer found; a
//! perf.data recorded here, cut), give their kind of [`ProfileError`] with
//! the file and the byte where its line starts; the messages are one
//! snapshot.

use std::path::Path;

use fastware_profile::saved::read;
use fastware_profile::ProfileError;

/// The self cost a callgrind.out's cost lines add up to, by a raw walk:
/// the last figure of each cost line (the file has one event), but the
/// line after `calls=`, which is the call's inclusive cost.
fn raw_self_cost(text: &str) -> u64 {
    let mut after_calls = false;
    let mut sum = 0;
    for line in text.lines() {
        let first = line.bytes().next().unwrap_or(b' ');
        if first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'*') {
            if !after_calls {
                sum += line.split_whitespace().last().and_then(|c| c.parse::<u64>().ok()).expect("a cost");
            }
            after_calls = false;
        } else if line.starts_with("calls=") {
            after_calls = true;
        }
    }
    sum
}

#[test]
fn bad_profiles_are_told_apart_by_kind() {
    let real_path = fastware_testkit::fixture("profiles").join("hotspots-1.callgrind.out");
    let real = std::fs::read_to_string(&real_path).expect("callgrind.out");
    let tmp = fastware_testkit::temp_dir("profile-errors");
    let said = std::cell::RefCell::new(Vec::new());
    let check = |name: &str, path: &Path, want: ProfileError, byte: Option<u64>| {
        let e = read(path, None).err().unwrap_or_else(|| panic!("{name}: read"));
        assert_eq!(e.typed::<ProfileError>(), Some(&want), "{name}: {e}");
        assert_eq!((e.path.as_deref(), e.offset), (path.to_str(), byte), "{name}");
        said.borrow_mut().push(fastware_testkit::said(name, &e.message, e.hint.as_deref()));
    };
    let file = |name: &str, data: &[u8]| fastware_testkit::file_in(&tmp, name, data);
    let lines: Vec<&str> = real.split_inclusive('\n').collect();
    let start_of = |k: usize| lines[..k].iter().map(|l| l.len() as u64).sum::<u64>();

    check("directory", &fastware_testkit::fixture("profiles"), ProfileError::Directory, None);
    check("device", Path::new("/dev/null"), ProfileError::PipeOrDevice, None);
    check("empty", &file("empty", b""), ProfileError::Empty, None);
    let libtest = fastware_testkit::fixture("bench").join("libtest/base.txt");
    check("libtest output", &libtest, ProfileError::NotProfile, Some(0));

    // a cost figure that is not a number: the byte where its line starts
    let k = lines.iter().position(|l| l.as_bytes()[0].is_ascii_digit()).expect("a cost line");
    let mut edited = lines.clone();
    let bad = format!("{} x\n", lines[k].trim_end().rsplit_once(' ').expect("figures").0);
    edited[k] = &bad;
    let e = read(&file("figure.out", edited.concat().as_bytes()), None).expect_err("a bad figure");
    assert_eq!(e.offset, Some(start_of(k)), "{e}");
    assert!(matches!(e.typed::<ProfileError>(), Some(ProfileError::CallgrindDamaged { .. })), "{e}");
    said.borrow_mut().push(format!("figure: {}", e.message));

    // the header alone, before its `events:` line, and with it
    let events = lines.iter().position(|l| l.starts_with("events:")).expect("events");
    check(
        "no events",
        &file("no-events.out", lines[..events].concat().as_bytes()),
        ProfileError::CallgrindNoEvents,
        None,
    );
    let header = lines.iter().position(|l| l.starts_with("summary:")).expect("summary") + 1;
    check("no costs", &file("no-costs.out", lines[..header].concat().as_bytes()), ProfileError::CallgrindNoCosts, None);

    // cut short at a line's end: the costs so far against the `summary:`
    let half = lines.len() / 2;
    let cut = lines[..half].concat();
    let summary: u64 = lines[header - 1].trim_start_matches("summary:").trim().parse().expect("summary");
    let want = ProfileError::CostsDisagree {
        added: raw_self_cost(&cut),
        expected: summary,
        event: "Ir".into(),
        said_by: "`summary:` line (and no `totals:`)".into(),
    };
    check("cut at a line's end", &file("cut.out", cut.as_bytes()), want, None);
    // cut inside a line, with no `summary:` to judge by: the line's start
    let mut no_summary: Vec<&str> = lines[..half].to_vec();
    no_summary.remove(header - 1);
    let mut text = no_summary.concat();
    let last_start = text.len() - no_summary.last().expect("a line").len();
    text.truncate(last_start + 3);
    check("cut inside a line", &file("mid.out", text.as_bytes()), ProfileError::CutInsideLine, Some(last_start as u64));

    // a saved profile of the real one, a call edge naming a function past the table
    let p = read(&real_path, None).expect("reads");
    let mut v = serde_json::to_value(fastware_profile::saved::SavedProfile::from(&p)).expect("json");
    let n = v["functions"].as_array().expect("functions").len();
    v["edges"][0][1] = n.into();
    check("saved", &file("saved.json", v.to_string().as_bytes()), ProfileError::SavedFunctionOutOfRange, None);

    // perf.data: what the fuzzer found (damaged sections)
    let fuzz = fastware_testkit::fixture("fuzz").join("perf-data-05c167c0");
    let e = read(&fuzz, None).expect_err("damaged");
    assert!(matches!(e.typed::<ProfileError>(), Some(ProfileError::PerfDamaged { .. })), "{e}");
    said.borrow_mut().push(format!("fuzzed perf.data: {}", e.message));
    // one recorded here, cut in its data
    let data = tmp.join("perf.data");
    let recorded = std::process::Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-F", "999", "-o"])
        .arg(&data)
        .args(["--", "sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
        .output()
        .is_ok_and(|o| o.status.success());
    if recorded {
        let bytes = std::fs::read(&data).expect("perf.data");
        let e = read(&file("cut.data", &bytes[..bytes.len() * 2 / 3]), None).expect_err("cut");
        assert!(
            matches!(
                e.typed::<ProfileError>(),
                Some(
                    ProfileError::PerfTruncated { .. }
                        | ProfileError::PerfUnreadable { .. }
                        | ProfileError::PerfDamaged { .. }
                )
            ),
            "{e}"
        );
    } else {
        eprintln!("SKIPPED the recorded perf.data cases: perf record cannot run here");
    }
    let profile = read(&real_path, None).expect("the real file reads");
    // views that need stacks, an event the file has not, a pattern that
    // names nothing, profiles of two kinds
    use fastware_profile::views;
    let kind = |e: fastware_report::Error| e.typed::<ProfileError>().cloned();
    let per_thread = views::Shape { per_thread: true, ..Default::default() };
    assert_eq!(views::reshape(&profile, &per_thread).err().and_then(kind), Some(ProfileError::NeedsStacks));
    assert_eq!(views::folded(&profile).err().and_then(kind), Some(ProfileError::NoStacksToFold));
    let nothing = regex::Regex::new("no_such_function_here").expect("regex");
    let e = views::neighbours(&profile, views::By::Function, &nothing, true).expect_err("no match");
    let top: Vec<String> =
        views::grouped(&profile, views::By::Function).iter().take(5).map(|r| r.key.clone()).collect();
    assert_eq!(top.len(), 5);
    assert_eq!(kind(e), Some(ProfileError::NoMatch { pattern: "no_such_function_here".into(), top }));
    let e = fastware_profile::callgrind::read(&real_path, Some("Dr")).expect_err("an Ir-only file");
    assert_eq!(kind(e), Some(ProfileError::NoEvent { event: "Dr".into(), events: vec!["Ir".into()] }));
    assert_eq!(fastware_profile::model::merge(Vec::new()).err().and_then(kind), Some(ProfileError::NoProfile));
    let stacked = fastware_profile::model::Profile { stacks: Some(Vec::new()), ..profile.clone() };
    let e = fastware_profile::model::merge(vec![profile.clone(), stacked]).expect_err("two kinds");
    assert_eq!(kind(e), Some(ProfileError::MixedKinds));
    insta::assert_snapshot!(said.into_inner().join("\n"));
    let _ = std::fs::remove_dir_all(&tmp);
}
