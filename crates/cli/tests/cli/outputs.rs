//! Every output option of every command, walked (issue 27, items 1, 2, 5):
//! pointed at the command's own input, at the run history's store, at files
//! cargo and git read — refused, `--force` or not, the input unchanged —
//! written into a FIFO with a reader attached (the reader gets the output,
//! the command ends), and written to a closed pipe (`-o - | head -c1`: exit
//! 0, quietly).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::common::*;

/// Runs `c`, killing it after `limit`: a command that blocks (on a FIFO no
/// one reads) fails the test instead of hanging the suite.
fn bounded(mut c: Command, limit: Duration) -> Output {
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn fastware");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let o = child.wait_with_output().expect("output");
            panic!("still running after {limit:?}: {:?}\n{}", c.get_args().collect::<Vec<_>>(), stderr(&o));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A copy of the tracee fixture in a git repository of its own (so that
/// `.git/HEAD` and tracked files exist), with one build kept in its history.
fn project(name: &str) -> fastware_testkit::Project {
    let dir = fastware_testkit::copy_project(&fastware_testkit::fixture("tracee"), name);
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("git");
        assert!(ok.status.success(), "git {args:?}: {}", stderr(&ok));
    };
    git(&["init", "-q"]);
    git(&["add", "Cargo.toml", "Cargo.lock", "app", "types"]);
    git(&["commit", "-q", "-m", "fixture"]);
    let o = run_in(&dir, &["build", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    dir
}

/// The committed inputs each file-reading command takes, copied into `dir`.
struct Inputs {
    trace: PathBuf,
    selfprof: PathBuf,
    callgrind: PathBuf,
    callgrind2: PathBuf,
    /// Two perf profiles of a shell loop (`None` where perf cannot record here).
    perf: Option<(PathBuf, PathBuf)>,
}

/// A perf profile of a shell loop, recorded into `to`; `false` when perf
/// cannot record on this machine.
fn record_perf(to: &Path) -> bool {
    Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-F", "999", "-g", "-o"])
        .arg(to)
        .args(["--", "sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        && to.is_file()
}

fn inputs(dir: &Path) -> Inputs {
    let copy = |from: PathBuf, name: &str| {
        let to = dir.join(name);
        std::fs::copy(&from, &to).expect("copy fixture");
        to
    };
    let root = fastware_testkit::fixture("");
    Inputs {
        trace: copy(root.join("traces/tracee/tracee_app.llvm_timings.json.zst"), "app.llvm_timings.json.zst"),
        selfprof: copy(root.join("profiles/traity-0001385.mm_profdata"), "traity.mm_profdata"),
        callgrind: copy(root.join("profiles/hotspots-1.callgrind.out"), "callgrind.out.1"),
        callgrind2: copy(root.join("profiles/hotspots-3.callgrind.out"), "callgrind.out.3"),
        perf: {
            let (a, b) = (dir.join("a.perf.data"), dir.join("b.perf.data"));
            if record_perf(&a) && record_perf(&b) {
                Some((a, b))
            } else {
                println!("SKIPPED: profile flamegraph and profile diff --flamegraph (perf cannot record here)");
                None
            }
        },
    }
}

/// Every output option, as the arguments that write to `OUT` (replaced by
/// the target): what each command reads, and where its output goes.
fn commands(i: &Inputs) -> Vec<Vec<String>> {
    let p = |p: &Path| p.display().to_string();
    let v = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let mut all = vec![
        [v(&["trace", "slim"]), vec![p(&i.trace)], v(&["-o", "OUT", "--min-dur", "0"])].concat(),
        [v(&["self-profile", "flamegraph"]), vec![p(&i.selfprof)], v(&["-o", "OUT"])].concat(),
        [v(&["self-profile", "chrome"]), vec![p(&i.selfprof)], v(&["-o", "OUT"])].concat(),
        v(&["runs", "export", "-o", "OUT"]),
        v(&["runs", "trend", "build.wall", "--svg", "OUT"]),
        v(&["report", "-o", "OUT"]),
    ];
    if let Some((a, b)) = &i.perf {
        all.push([v(&["profile", "flamegraph"]), vec![p(a)], v(&["-o", "OUT"])].concat());
        all.push([v(&["profile", "export"]), vec![p(a)], v(&["--speedscope", "OUT"])].concat());
        all.push([v(&["profile", "export"]), vec![p(a)], v(&["--firefox", "OUT"])].concat());
        all.push([v(&["profile", "diff"]), vec![p(a), p(b)], v(&["--flamegraph", "OUT"])].concat());
    }
    all
}

fn with_target(args: &[String], target: &Path) -> Vec<String> {
    args.iter().map(|a| if a == "OUT" { target.display().to_string() } else { a.clone() }).collect()
}

fn run_args(dir: &Path, args: &[String]) -> Output {
    let mut c = command_in(dir);
    c.args(args);
    bounded(c, Duration::from_secs(120))
}

/// The command's inputs, the store (and its write-ahead log), the project's
/// manifest, a source file, git's HEAD: never replaced, `--force` or not.
#[test]
fn no_output_replaces_an_input_the_store_or_a_project_file() {
    let dir = project("outputs-inputs");
    let i = inputs(&dir);
    let store = dir.join("target/fastware/history.sqlite");
    let protected: Vec<(PathBuf, Vec<Vec<String>>)> = {
        let all = commands(&i);
        let reads = |needle: &Path| {
            all.iter().filter(|c| c.iter().any(|a| a == &needle.display().to_string())).cloned().collect::<Vec<_>>()
        };
        let store_readers: Vec<Vec<String>> =
            all.iter().filter(|c| c[0] == "runs" || c[0] == "report").cloned().collect();
        let everyone = all.clone();
        vec![
            (i.trace.clone(), reads(&i.trace)),
            (i.selfprof.clone(), reads(&i.selfprof)),
            (i.callgrind.clone(), reads(&i.callgrind)),
            (i.callgrind2.clone(), reads(&i.callgrind2)),
            (store.clone(), store_readers),
            (dir.join("Cargo.toml"), everyone.clone()),
            (dir.join("app/src/main.rs"), everyone.clone()),
            (dir.join(".git/HEAD"), everyone),
        ]
    };
    for (target, cmds) in &protected {
        let before = std::fs::read(target).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
        for args in cmds.iter().filter(|c| c.iter().any(|a| a == "OUT")) {
            for force in [false, true] {
                let mut args = with_target(args, target);
                if force {
                    args.push("--force".into());
                }
                // profile diff has no --force: its refusal is the same without
                if force && args[0] == "profile" && args[1] == "diff" {
                    continue;
                }
                let o = run_args(&dir, &args);
                let err = stderr(&o);
                assert_eq!(o.status.code(), Some(2), "{args:?} must be refused\n{err}");
                assert!(err.starts_with("error: "), "{args:?}: {err}");
                assert!(!err.contains("add --force"), "{args:?}: --force is no way round it: {err}");
                assert_eq!(
                    std::fs::read(target).expect("still there"),
                    before,
                    "{args:?} changed {}",
                    target.display()
                );
            }
        }
    }
    // the store named by --store, too
    let o = run_args(
        &dir,
        &with_target(
            &[
                "--store".into(),
                store.display().to_string(),
                "report".into(),
                "-o".into(),
                "OUT".into(),
                "--force".into(),
            ],
            &store,
        ),
    );
    error_of(&o, 2, &["input"]);

    // build --html onto the manifest, a source, git's HEAD: refused before the build
    for (target, force) in [("Cargo.toml", true), ("app/src/main.rs", true), (".git/HEAD", true), ("Cargo.lock", false)]
    {
        let before = std::fs::read(dir.join(target)).expect("read");
        let mut args = vec!["build", "--html", target];
        if force {
            args.push("--force");
        }
        let o = run_in(&dir, &args);
        error_of(&o, 2, &[target]);
        assert!(!stderr(&o).contains("add --force"), "{}", stderr(&o));
        assert!(!stderr(&o).contains("Compiling"), "refused before cargo ran: {}", stderr(&o));
        assert_eq!(std::fs::read(dir.join(target)).expect("read"), before, "{target}");
    }

    // a matrix plan is the input of its cells: --cell K -o PLAN is refused
    // before the cell is built, and the plan stays as it was
    let plan = dir.join("plan.json");
    let o = run_in(&dir, &["matrix", "--set", "profile.release.opt-level=1,2", "--plan", s(&plan)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read(&plan).expect("plan");
    let o = run_in(&dir, &["matrix", "--plan", s(&plan), "--cell", "1", "-o", s(&plan)]);
    error_of(&o, 2, &["input"]);
    assert!(!stderr(&o).contains("Compiling"), "refused before the build: {}", stderr(&o));
    assert_eq!(std::fs::read(&plan).expect("plan"), before);

    // a dangling symlink is not replaced by a file
    let link = dir.join("dangling.json");
    std::os::unix::fs::symlink(dir.join("nowhere/x.json"), &link).expect("symlink");
    let o = run_in(&dir, &["trace", "slim", s(&i.trace), "-o", s(&link)]);
    error_of(&o, 2, &["symlink"]);
    assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    // a symlink to a file fastware wrote: the file is written, the link stays
    let real = dir.join("real.json");
    let o = run_in(&dir, &["trace", "slim", s(&i.trace), "-o", s(&real), "--min-dur", "1ms"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = std::fs::read(&real).expect("slim");
    let link = dir.join("link.json");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let o = run_in(&dir, &["trace", "slim", s(&i.trace), "-o", s(&link), "--min-dur", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    assert!(std::fs::read(&real).expect("slim").len() > first.len(), "the linked file was rewritten");
}

/// Reads a FIFO to its end on another thread; `finish` unblocks a reader
/// still waiting for a writer (the command never opened it) and returns
/// what was read.
struct FifoReader {
    path: PathBuf,
    thread: std::thread::JoinHandle<Vec<u8>>,
}

impl FifoReader {
    fn new(path: PathBuf) -> FifoReader {
        let _ = std::fs::remove_file(&path);
        assert!(Command::new("mkfifo").arg(&path).status().expect("mkfifo").success());
        let p = path.clone();
        let thread = std::thread::spawn(move || std::fs::read(&p).expect("read the FIFO"));
        FifoReader { path, thread }
    }

    fn finish(self) -> Vec<u8> {
        if !self.thread.is_finished() {
            // opening for writing completes the reader's open; closing gives it its end
            let _ = std::fs::OpenOptions::new().write(true).open(&self.path);
        }
        self.thread.join().expect("reader")
    }
}

/// Each output into a FIFO that a reader holds open: the reader gets the
/// whole output and the command ends (`report -o FIFO` used to open the
/// FIFO once to check it — its reader saw an empty file — and then block
/// forever on the second open). Then each output to standard output, read
/// one byte and closed: exit 0 and no error.
#[test]
fn every_output_streams_into_a_fifo_and_stops_quietly_at_a_closed_pipe() {
    let dir = project("outputs-streams");
    // a second build, so that the trend has two points
    assert!(run_in(&dir, &["build", "--format", "json"]).status.success());
    let i = inputs(&dir);
    let mut all = commands(&i);
    all.push(vec!["build".into(), "--html".into(), "OUT".into()]);
    all.push(
        ["matrix", "--set", "profile.release.opt-level=1,2", "--svg", "OUT"].iter().map(|a| a.to_string()).collect(),
    );
    for args in &all {
        let reader = FifoReader::new(dir.join("out.fifo"));
        let o = run_args(&dir, &with_target(args, &reader.path));
        let got = reader.finish();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(got.len() > 20, "{args:?}: the reader got {} bytes", got.len());
        let text = String::from_utf8_lossy(&got);
        assert!(text.contains("fastware") || text.contains("<svg"), "{args:?}: {}", &text[..text.len().min(200)]);
        assert!(std::fs::symlink_metadata(dir.join("out.fifo")).is_ok_and(|m| {
            use std::os::unix::fs::FileTypeExt;
            m.file_type().is_fifo()
        }));
    }
    // `-o - | head -c1`
    for args in &all {
        let args = with_target(args, Path::new("-"));
        let mut child =
            command_in(&dir).args(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
        let mut one = [0u8; 1];
        let mut stdout = child.stdout.take().expect("stdout");
        let _ = stdout.read(&mut one);
        drop(stdout);
        let started = Instant::now();
        while child.try_wait().expect("wait").is_none() {
            assert!(started.elapsed() < Duration::from_secs(120), "{args:?} still running");
            std::thread::sleep(Duration::from_millis(20));
        }
        let o = child.wait_with_output().expect("output");
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("error") && !err.contains("Broken pipe"), "{args:?}: {err}");
    }
}
