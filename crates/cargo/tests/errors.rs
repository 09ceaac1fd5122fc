//! Each kind of [`CargoError`] made for real: a directory that is no cargo
//! project, one outside git, a git repository without the revision asked
//! for or without the project at it, a project with two binaries, a build
//! that fails, and cargo's own `--timings` page and JSON messages cut; the
//! messages are one snapshot (the scratch directory written as `$TMP`).

use std::path::{Path, PathBuf};
use std::process::Command;

use fastware_cargo::artifact::{build_artifact, ArtifactOptions, Which};
use fastware_cargo::log::{parse_build_analysis, parse_timings_html};
use fastware_cargo::project::locate;
use fastware_cargo::revision::unpack;
use fastware_cargo::{CargoError, ErrorKind};

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let o = Command::new(program)
        .args(
            ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
                .iter()
                .filter(|_| program == "git"),
        )
        .args(args)
        .current_dir(dir)
        .output()
        .expect(program);
    assert!(o.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn options(project: &Path, which: Which) -> ArtifactOptions {
    ArtifactOptions {
        cargo: cargo(),
        manifest_path: Some(project.join("Cargo.toml")),
        selection: Default::default(),
        which,
        profile: None,
        debuginfo: false,
        frame_pointers: false,
        target_dir: None,
    }
}

#[test]
fn projects_revisions_builds_and_logs_are_told_apart_by_kind() {
    // outside any git repository (the scratch root is inside fastware's)
    let tmp: PathBuf = std::env::temp_dir().join(format!("fastware-cargo-errors-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("tmp");
    let mut said = Vec::new();
    let mut check = |name: &str, e: fastware_cargo::Error, fault: ErrorKind, is: &dyn Fn(&CargoError) -> bool| {
        let kind = e.typed::<CargoError>().unwrap_or_else(|| panic!("{name}: untyped: {e}"));
        assert!(is(kind), "{name}: {kind:?}");
        assert_eq!(e.kind, fault, "{name}");
        let text = fastware_testkit::said(name, &e.message, e.hint.as_deref());
        said.push(text.replace(tmp.to_str().expect("utf-8"), "$TMP"));
    };

    // a directory that is no cargo project
    let empty = tmp.join("empty");
    std::fs::create_dir_all(&empty).expect("dir");
    let e = locate(&cargo(), None, &empty).expect_err("no project");
    check("no project", e, ErrorKind::BadInput, &|k| matches!(k, CargoError::NotAProject { .. }));

    // a project with two binaries, made by cargo
    run(&tmp, &cargo(), &["new", "-q", "--vcs", "none", "two"]);
    let two = tmp.join("two");
    std::fs::create_dir_all(two.join("src/bin")).expect("bin dir");
    std::fs::write(two.join("src/bin/other.rs"), "fn main() {}\n").expect("other");
    let project = locate(&cargo(), None, &two).expect("a project");
    let e = unpack(&two, "HEAD", &tmp.join("store")).expect_err("outside git");
    check("outside git", e, ErrorKind::BadInput, &|k| matches!(k, CargoError::NotInGit { .. }));
    let e = build_artifact(&project, &options(&two, Which::Default)).expect_err("two binaries");
    let names = ["other".to_string(), "two".to_string()];
    check(
        "two binaries",
        e,
        ErrorKind::BadInput,
        &|k| matches!(k, CargoError::ManyBinaries { names: n } if n == &names),
    );
    let built = build_artifact(&project, &options(&two, Which::Bin("two".into()))).expect("builds");
    assert!(built.path.ends_with("release/two"), "{}", built.path.display());

    // a build that fails: cargo's errors go to the terminal
    std::fs::write(two.join("src/bin/other.rs"), "fn main() { let x: u8 = \"no\"; }\n").expect("broken");
    let e = build_artifact(&project, &options(&two, Which::Bin("other".into()))).expect_err("fails");
    check("failed build", e, ErrorKind::Failed, &|k| matches!(k, CargoError::BuildFailed { .. }));
    std::fs::remove_file(two.join("src/bin/other.rs")).expect("rm");

    // git: a revision that is not there, one from before the project
    run(&two, "git", &["init", "-q"]);
    std::fs::write(two.join("README"), "before the project\n").expect("readme");
    run(&two, "git", &["add", "README"]);
    run(&two, "git", &["commit", "-qm", "readme"]);
    run(&two, "git", &["add", "-A"]);
    run(&two, "git", &["commit", "-qm", "project"]);
    let store = tmp.join("store");
    let e = unpack(&two, "no-such-branch", &store).expect_err("no revision");
    check(
        "no such revision",
        e,
        ErrorKind::BadInput,
        &|k| matches!(k, CargoError::NoSuchRevision { rev } if rev == "no-such-branch"),
    );
    let commit = run(&two, "git", &["rev-parse", "HEAD~1"]);
    let e = unpack(&two, "HEAD~1", &store).expect_err("no project then");
    check(
        "before the project",
        e,
        ErrorKind::BadInput,
        &|k| matches!(k, CargoError::NoProjectInRevision { rev, at, .. } if rev == "HEAD~1" && at == "."),
    );
    assert!(unpack(&two, "HEAD", &store).expect("HEAD").project_dir.join("Cargo.toml").is_file());

    // cargo's own --timings page with its unit data cut out, and its JSON messages cut mid-line
    run(&two, &cargo(), &["build", "-q", "--timings", "--message-format", "json", "--target-dir", "t"]);
    let page = std::fs::read_to_string(two.join("t/cargo-timings/cargo-timing.html")).expect("timings page");
    let p = two.join("t/cargo-timings/cargo-timing.html");
    assert!(parse_timings_html(&page, &p).is_ok(), "the real page reads");
    let cut = page.replace("const UNIT_DATA = ", "const UNITS = ");
    let e = parse_timings_html(&cut, &p).expect_err("no unit data");
    check("no unit data", e, ErrorKind::BadInput, &|k| matches!(k, CargoError::BadTimingsPage { .. }));
    let at = page.find("const UNIT_DATA = ").expect("unit data") + "const UNIT_DATA = ".len();
    let broken = format!("{}[{{\"i\": }}{}", &page[..at], &page[at + 1..]);
    let e = parse_timings_html(&broken, &p).expect_err("unreadable unit data");
    check("unreadable unit data", e, ErrorKind::BadInput, &|k| matches!(k, CargoError::BadTimingsPage { .. }));
    let messages = run(&two, &cargo(), &["build", "-q", "--message-format", "json", "--target-dir", "t"]);
    let first = messages.lines().next().expect("a message");
    // cut inside `"reason"`'s value, before anything that names the scratch directory
    let log = format!("{first}\n{}\n", &first[..14]);
    let e = parse_build_analysis(&log, Path::new("build.jsonl")).expect_err("cut line");
    check("cut log line", e, ErrorKind::BadInput, &|k| matches!(k, CargoError::BadBuildLog { line: 2, .. }));

    let _ = std::fs::remove_dir_all(&tmp);
    insta::assert_snapshot!(said.join("\n").replace(&commit[..12], "$COMMIT"));
}
