//! Benchmarks built to be counted (`fastware bench cargo --instructions`):
//! the project's benchmarks built against a copy of the criterion they use,
//! with fastware's measurement put into criterion's `Bencher`, through
//! `cargo --config patch.crates-io.criterion.path=…` — the project's files
//! and its own build untouched, everything under `<target-dir>/fastware/`.
//!
//! Run under callgrind with `FASTWARE_ITERATIONS=N` (and criterion's
//! `--test`, so that each benchmark's routine is handed to `Bencher` once),
//! every `Bencher::iter*` call runs one warm-up iteration, prepares the
//! inputs, zeroes callgrind's counters, runs the routine N times, and dumps
//! the counters with the description `fastware iterations=N` — so a dump
//! holds the N iterations, every thread's, and nothing else but the loop's
//! own few instructions and the two client requests around it. Without the
//! variable the copy behaves as criterion does.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::bench::BenchBinary;
use crate::project::Project;
use crate::run::{read_messages, Profile, Selection};
use crate::{CargoError, Error};

/// The variable that turns the measurement on: the iterations to count.
pub const ITERATIONS_ENV: &str = "FASTWARE_ITERATIONS";

/// The description callgrind gives a dump the measurement made
/// (`desc: Trigger: Client Request: fastware iterations=N`).
pub const DUMP_MARK: &str = "fastware iterations=";

/// The module put into the criterion copy (`src/fastware_counting.rs`).
/// Valgrind's client requests are its documented x86-64 "special
/// instruction" sequence (valgrind.h): four rotations of rdi that leave it
/// as it was, then `xchg rbx, rbx`; outside valgrind they do nothing.
const COUNTING: &str = r#"//! Put here by fastware (`bench --instructions`): with FASTWARE_ITERATIONS
//! set, each Bencher::iter* call has its iterations counted by callgrind.
#![allow(dead_code, unused_unsafe)]

use std::hint::black_box;

const BASE: usize = ((b'C' as usize) << 24) | ((b'T' as usize) << 16);
const ZERO_STATS: usize = BASE + 1;
const DUMP_STATS_AT: usize = BASE + 3;

#[inline(always)]
fn request(code: usize, arg: usize) {
    let args: [usize; 6] = [code, arg, 0, 0, 0, 0];
    let mut result: usize = 0;
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            in("rax") args.as_ptr(),
            inout("rdx") result,
            options(nostack)
        );
    }
    black_box(result);
}

fn iterations() -> Option<u64> {
    std::env::var("FASTWARE_ITERATIONS").ok()?.parse().ok().filter(|n: &u64| *n > 0)
}

fn label(n: u64) -> Vec<u8> {
    format!("fastware iterations={n}\0").into_bytes()
}

pub fn measure<O, R: FnMut() -> O>(routine: &mut R) {
    let Some(n) = iterations() else { return };
    black_box(routine());
    let label = label(n);
    request(ZERO_STATS, 0);
    for _ in 0..n {
        black_box(routine());
    }
    request(DUMP_STATS_AT, label.as_ptr() as usize);
}

pub fn measure_custom<V, R: FnMut(u64) -> V>(routine: &mut R) {
    let Some(n) = iterations() else { return };
    black_box(routine(1));
    let label = label(n);
    request(ZERO_STATS, 0);
    black_box(routine(n));
    request(DUMP_STATS_AT, label.as_ptr() as usize);
}

pub fn measure_batched<I, O, S: FnMut() -> I, R: FnMut(I) -> O>(setup: &mut S, routine: &mut R) {
    let Some(n) = iterations() else { return };
    black_box(routine(setup()));
    let inputs: Vec<I> = (0..n).map(|_| setup()).collect();
    let mut outputs: Vec<O> = Vec::with_capacity(n as usize);
    let label = label(n);
    request(ZERO_STATS, 0);
    for input in inputs {
        outputs.push(routine(input));
    }
    request(DUMP_STATS_AT, label.as_ptr() as usize);
    drop(black_box(outputs));
}

pub fn measure_batched_ref<I, O, S: FnMut() -> I, R: FnMut(&mut I) -> O>(setup: &mut S, routine: &mut R) {
    let Some(n) = iterations() else { return };
    black_box(routine(&mut setup()));
    let mut inputs: Vec<I> = (0..n).map(|_| setup()).collect();
    let mut outputs: Vec<O> = Vec::with_capacity(n as usize);
    let label = label(n);
    request(ZERO_STATS, 0);
    for input in inputs.iter_mut() {
        outputs.push(routine(input));
    }
    request(DUMP_STATS_AT, label.as_ptr() as usize);
    drop(black_box(outputs));
    drop(black_box(inputs));
}
"#;

/// Where each of `Bencher`'s methods that run the routine hands it to the
/// measurement first: the method's signature as criterion writes it, and the
/// call put at the start of its body.
const HOOKS: &[(&str, &str)] = &[
    ("pub fn iter<O, R>(&mut self, mut routine: R)", "crate::fastware_counting::measure(&mut routine);"),
    ("pub fn iter_custom<R>(&mut self, mut routine: R)", "crate::fastware_counting::measure_custom(&mut routine);"),
    (
        "pub fn iter_batched<I, O, S, R>(&mut self, mut setup: S, mut routine: R, size: BatchSize)",
        "crate::fastware_counting::measure_batched(&mut setup, &mut routine);",
    ),
    (
        "pub fn iter_batched_ref<I, O, S, R>(&mut self, mut setup: S, mut routine: R, size: BatchSize)",
        "crate::fastware_counting::measure_batched_ref(&mut setup, &mut routine);",
    ),
];

/// `bencher.rs` with the hooks put in: each signature's first occurrence
/// (the synchronous `Bencher`; the async one comes after it), the call at the
/// start of the body that follows. `None` when a signature is not there.
fn hooked(source: &str) -> Option<String> {
    let mut out = source.to_string();
    // criterion 0.5.1 was published with CRLF line ends
    let eol = if source.contains("\r\n") { "\r\n" } else { "\n" };
    let open = format!("{eol}    {{{eol}");
    for (signature, call) in HOOKS {
        let at = out.find(signature)?;
        let body = at + out[at..].find(&open)? + open.len();
        out.insert_str(body, &format!("        {call}{eol}"));
    }
    Some(out)
}

/// The criterion the project's benchmarks use: its version and where cargo
/// keeps its source (from `cargo metadata`, resolved with fastware's copy of
/// the lock file).
pub fn criterion_source(cargo: &str, project: &Project) -> Result<Option<(String, PathBuf)>, Error> {
    let mut cmd = Command::new(cargo);
    cmd.args(["metadata", "--format-version", "1"]);
    crate::run::user_build_with_lock_copy(&mut cmd, project)?;
    cmd.current_dir(&project.workspace_root).stdin(Stdio::null());
    let out = cmd.output().map_err(|e| CargoError::CannotRun { program: cargo.to_string(), why: e.to_string() })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().find(|l| l.starts_with("error")).unwrap_or("cargo metadata failed");
        return Err(CargoError::Metadata {
            what: "cannot resolve the project's dependencies".into(),
            why: first.into(),
        }
        .into());
    }
    let m: cargo_metadata::Metadata = serde_json::from_slice(&out.stdout).map_err(|e| CargoError::Metadata {
        what: "cargo metadata gave unreadable output".into(),
        why: e.to_string(),
    })?;
    let mut found: Vec<(String, PathBuf)> = m
        .packages
        .iter()
        .filter(|p| p.name.as_str() == "criterion" && p.source.is_some())
        .filter_map(|p| Some((p.version.to_string(), p.manifest_path.parent()?.to_path_buf().into_std_path_buf())))
        .collect();
    found.sort();
    found.dedup();
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => Err(CargoError::SeveralCriterions { versions: found.into_iter().map(|(v, _)| v).collect() }.into()),
    }
}

/// [`criterion_source`], remembered in `dir` for as long as the lock file
/// and the members' manifests stay as they are: resolving the whole graph
/// costs a quarter of a second that a count of small benchmarks would
/// otherwise spend again each time.
fn remembered_criterion(cargo: &str, project: &Project, dir: &Path) -> Result<Option<(String, PathBuf)>, Error> {
    use sha2::Digest;
    let mut key = sha2::Sha256::new();
    let manifests = project.members.iter().map(|m| m.manifest_path.clone());
    for file in std::iter::once(project.workspace_root.join("Cargo.lock"))
        .chain(std::iter::once(project.workspace_root.join("Cargo.toml")))
        .chain(manifests)
    {
        key.update(file.as_os_str().as_encoded_bytes());
        key.update(std::fs::read(&file).unwrap_or_default());
        key.update([0]);
    }
    let key: String = key.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect();
    let memo = dir.join("criterion-source.json");
    let known = std::fs::read(&memo)
        .ok()
        .and_then(|t| serde_json::from_slice::<(String, Option<(String, PathBuf)>)>(&t).ok())
        .filter(|(k, found)| *k == key && found.as_ref().is_none_or(|(_, p)| p.join("Cargo.toml").is_file()));
    if let Some((_, found)) = known {
        return Ok(found);
    }
    let found = criterion_source(cargo, project)?;
    if std::fs::create_dir_all(dir).is_ok() {
        if let Ok(text) = serde_json::to_vec(&(&key, &found)) {
            let _ = std::fs::write(&memo, text);
        }
    }
    Ok(found)
}

/// A copy of criterion `version` (its source in `from`) with the hooks put
/// in, under `dir`; returns the copy's directory. Files already there with
/// the same bytes are left alone, so that cargo finds the copy fresh and
/// the next count does not rebuild criterion and the benchmarks.
pub fn patched_criterion(version: &str, from: &Path, dir: &Path) -> Result<PathBuf, Error> {
    let to = dir.join(format!("criterion-{version}"));
    let read = |rel: &str| {
        let p = from.join(rel);
        std::fs::read_to_string(&p)
            .map_err(|e| Error::from(CargoError::Io { what: "read".into(), path: p, why: e.to_string() }))
    };
    let hooked = hooked(&read("src/bencher.rs")?)
        .ok_or_else(|| CargoError::UncountableCriterion { version: version.to_string() })?;
    let lib = read("src/lib.rs")? + "\n#[doc(hidden)]\npub mod fastware_counting;\n";
    let changed = [
        (Path::new("src/bencher.rs"), hooked.as_str()),
        (Path::new("src/lib.rs"), lib.as_str()),
        (Path::new("src/fastware_counting.rs"), COUNTING),
    ];
    copy_tree(from, &to, Path::new(""), &changed).map_err(|e| CargoError::Io {
        what: "copy criterion to".into(),
        path: to.clone(),
        why: e.to_string(),
    })?;
    Ok(to)
}

/// Copies the tree `from` to `to` (but `target/`), with the files of
/// `changed` (paths relative to the top) holding their new text.
fn copy_tree(from: &Path, to: &Path, rel: &Path, changed: &[(&Path, &str)]) -> std::io::Result<()> {
    std::fs::create_dir_all(to.join(rel))?;
    for (path, text) in changed.iter().filter(|(p, _)| p.parent() == Some(rel)) {
        write_if_changed(&to.join(path), text.as_bytes())?;
    }
    for entry in std::fs::read_dir(from.join(rel))? {
        let entry = entry?;
        let name = rel.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            if name != Path::new("target") {
                copy_tree(from, to, &name, changed)?;
            }
        } else if !changed.iter().any(|(p, _)| *p == name) {
            write_if_changed(&to.join(&name), &std::fs::read(from.join(&name))?)?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` unless it holds them already (its time kept).
fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    std::fs::write(path, bytes)
}

/// What to build for counting.
#[derive(Debug, Clone)]
pub struct CountedBuild {
    pub cargo: String,
    pub selection: Selection,
    /// `cargo bench` arguments before the harness's (`--bench NAME`, `-p P` …).
    pub cargo_args: Vec<String>,
    /// `<target-dir>/fastware/instructions`: the counting criterion's copy.
    pub dir: PathBuf,
    /// Where the benchmarks build (`<dir>/target`, or a revision's own).
    pub target_dir: PathBuf,
}

/// The bench binaries built against the counting criterion (or as they
/// are, when the project uses no criterion: they are counted whole), and
/// the criterion version when there is one.
#[derive(Debug, Clone)]
pub struct Counted {
    pub binaries: Vec<BenchBinary>,
    pub criterion: Option<String>,
}

/// Builds the project's benchmarks for counting, in `b.dir`.
pub fn build(project: &Project, b: &CountedBuild) -> Result<Counted, Error> {
    let criterion = remembered_criterion(&b.cargo, project, &b.dir)?;
    let mut cmd = Command::new(&b.cargo);
    cmd.args(["bench", "--no-run", "--message-format", "json-render-diagnostics"]);
    cmd.arg("--target-dir").arg(&b.target_dir);
    crate::run::user_build_with_lock_copy(&mut cmd, project)?;
    if let Some((version, from)) = &criterion {
        let copy = patched_criterion(version, from, &b.dir)?;
        let path = copy.display().to_string().replace('\\', "\\\\").replace('"', "\\\"");
        cmd.arg("--config").arg(format!("patch.crates-io.criterion.path=\"{path}\""));
    }
    b.selection.add_to(&mut cmd, &Profile::Named("bench".into()));
    cmd.args(&b.cargo_args);
    cmd.current_dir(&project.workspace_root).env_remove("CARGO_TARGET_DIR");
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = crate::run::spawn_group(cmd, &b.cargo)?;
    let mut binaries = Vec::new();
    if let Some(out) = child.stdout.take() {
        read_messages(
            out,
            |a| {
                // bench targets only: the library's own test harness, built
                // by `cargo bench` too, holds #[bench] functions at most
                if let (true, true, Some(path)) = (a.test, a.kinds.iter().any(|k| k == "bench"), a.executable) {
                    binaries.push(BenchBinary { target: a.target, path, fresh: a.fresh });
                }
            },
            |_| {},
        );
    }
    if !crate::run::wait_child(&mut child)? {
        return Err(CargoError::BuildFailed { what: "cargo failed to build the benchmarks".into() }.into());
    }
    Ok(Counted { binaries, criterion: criterion.map(|(v, _)| v) })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_hooks_go_at_the_start_of_each_body() {
        let source = "impl<'a, M: Measurement> Bencher<'a, M> {\n    pub fn iter<O, R>(&mut self, mut routine: R)\n    where\n        R: FnMut() -> O,\n    {\n        self.iterated = true;\n    }\n    pub fn iter_custom<R>(&mut self, mut routine: R)\n    where\n        R: FnMut(u64) -> M::Value,\n    {\n        x();\n    }\n    pub fn iter_batched<I, O, S, R>(&mut self, mut setup: S, mut routine: R, size: BatchSize)\n    where\n        S: FnMut() -> I,\n    {\n        y();\n    }\n    pub fn iter_batched_ref<I, O, S, R>(&mut self, mut setup: S, mut routine: R, size: BatchSize)\n    where\n        S: FnMut() -> I,\n    {\n        z();\n    }\n}\n";
        let out = super::hooked(source).expect("hooks");
        assert!(out.contains(
            "    {\n        crate::fastware_counting::measure(&mut routine);\n        self.iterated = true;"
        ));
        assert!(out.contains("measure_custom(&mut routine);\n        x();"));
        assert!(out.contains("measure_batched(&mut setup, &mut routine);\n        y();"));
        assert!(out.contains("measure_batched_ref(&mut setup, &mut routine);\n        z();"));
        assert!(super::hooked("fn other() {}").is_none());
        // criterion 0.5.1's files have CRLF line ends
        let crlf = super::hooked(&source.replace('\n', "\r\n")).expect("hooks");
        assert!(crlf.contains(
            "    {\r\n        crate::fastware_counting::measure(&mut routine);\r\n        self.iterated = true;"
        ));
    }
}
