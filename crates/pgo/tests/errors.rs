//! Requests the project cannot serve and profiles llvm-profdata cannot
//! read give their kind of [`PgoError`], made from the dispatch fixture
//! (a binary and a libtest bench target) before anything is built; the
//! messages are one snapshot.

use fastware_pgo::flow::{run, BenchWorkload, Request};
use fastware_pgo::PgoError;
use fastware_report::ErrorKind;

#[test]
fn requests_and_profiles_are_told_apart_by_kind() {
    let dir = fastware_testkit::fixture("dispatch");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let project = fastware_cargo::project::locate(&cargo, None, &dir).expect("the fixture is a project");
    let request =
        Request { train: Vec::new(), bench: None, compare: None, runs: 1, selection: Default::default(), bin: None };
    let mut said = Vec::new();
    let mut check = |name: &str, e: fastware_report::Error, fault: ErrorKind, is: &dyn Fn(&PgoError) -> bool| {
        let kind = e.typed::<PgoError>().unwrap_or_else(|| panic!("{name}: untyped: {e}"));
        assert!(is(kind), "{name}: {kind:?}");
        assert_eq!(e.kind, fault, "{name}");
        said.push(fastware_testkit::said(name, &e.message, e.hint.as_deref()));
    };
    let quiet = |_: &str| {};

    let e = run(&project, &request, &quiet).expect_err("no workload");
    check("no workload", e, ErrorKind::BadInput, &|k| matches!(k, PgoError::NoWorkload));
    let bench = Request { bench: Some(BenchWorkload { name: "nope".into(), args: Vec::new() }), ..request.clone() };
    let e = run(&project, &bench, &quiet).expect_err("no such bench");
    check(
        "no such bench",
        e,
        ErrorKind::BadInput,
        &|k| matches!(k, PgoError::NoSuchTarget { kind, name, known } if kind == "bench" && name == "nope" && known == &["steps".to_string()]),
    );
    let bin = Request { train: vec!["dispatch 1".into()], bin: Some("nope".into()), ..request.clone() };
    let e = run(&project, &bin, &quiet).expect_err("no such bin");
    check(
        "no such bin",
        e,
        ErrorKind::BadInput,
        &|k| matches!(k, PgoError::NoSuchTarget { kind, known, .. } if kind == "bin" && known == &["dispatch".to_string()]),
    );

    insta::assert_snapshot!(said.join("\n"));

    // a file that is no raw profile (the fixture's manifest), to every llvm-profdata found
    let tmp = fastware_testkit::temp_dir("pgo-errors");
    let e =
        fastware_pgo::profdata::merge(&[dir.join("Cargo.toml")], &tmp.join("merged.profdata")).expect_err("no profile");
    match e.typed::<PgoError>() {
        Some(PgoError::ProfdataCannotRead { tried, .. }) => {
            assert!(!tried.is_empty());
            assert_eq!(e.kind, ErrorKind::Failed);
        }
        Some(PgoError::NoProfdata) => println!("SKIPPED: no llvm-profdata here, so none refused the file"),
        other => panic!("not a raw profile: {other:?} {e}"),
    }
}
