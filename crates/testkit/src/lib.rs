//! Test support: real rustc output from the fixture crates in
//! `tests/fixtures/`, built on demand and cached under
//! `target/fastware-testkit/<fixture>-<hash of its sources and flags>/`, so
//! every test binary of a `cargo test` run shares one build. A file lock keeps
//! concurrent test binaries from building the same fixture twice.

pub mod llvm_reference;
pub mod output;

use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    workspace_root().join("tests/fixtures").join(name)
}

/// Where test builds and scratch files go.
pub fn scratch_root() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"));
    target.join("fastware-testkit")
}

/// A fresh empty directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = scratch_root().join("tmp").join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

fn hash_tree(dir: &Path, h: &mut DefaultHasher) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read fixture dir").filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let name = e.file_name();
        if name == "target" || name == "Cargo.lock" {
            continue;
        }
        name.hash(h);
        if p.is_dir() {
            hash_tree(&p, h);
        } else {
            std::fs::read(&p).expect("read fixture file").hash(h);
        }
    }
}

/// A cargo build of fixture `name` with extra `RUSTFLAGS` and arguments, done
/// once per distinct input. Returns the target directory.
///
/// `RUSTC_BOOTSTRAP=1` is set for this build only (it lives in its own target dir).
pub fn cargo_build(name: &str, rustflags: &str, args: &[&str]) -> PathBuf {
    cargo_build_with(name, rustflags, args, |_| String::new())
}

/// [`cargo_build`] with flags that depend on the target directory (appended
/// to `RUSTFLAGS`, not part of the cache key), e.g. `-Zself-profile=<dir>`.
pub fn cargo_build_with(name: &str, rustflags: &str, args: &[&str], extra: impl Fn(&Path) -> String) -> PathBuf {
    build(name, rustflags, args, extra, true)
}

/// A cargo build of fixture `name` as a user on stable Rust makes it: no
/// `RUSTC_BOOTSTRAP` (which would also change rustc's defaults, such as the
/// symbol mangling). Done once per distinct input; returns the target directory.
pub fn cargo_build_stable(name: &str, rustflags: &str, args: &[&str]) -> PathBuf {
    build(name, rustflags, args, |_| String::new(), false)
}

fn build(name: &str, rustflags: &str, args: &[&str], extra: impl Fn(&Path) -> String, bootstrap: bool) -> PathBuf {
    let src = fixture(name);
    let mut h = DefaultHasher::new();
    hash_tree(&src, &mut h);
    rustflags.hash(&mut h);
    args.hash(&mut h);
    bootstrap.hash(&mut h);
    let root = scratch_root();
    std::fs::create_dir_all(&root).expect("scratch root");
    let target = root.join(format!("{name}-{:016x}", h.finish()));
    let lock = File::create(root.join(format!("{name}.lock"))).expect("lock file");
    lock.lock().expect("lock");
    let done = target.join(".fastware-testkit-done");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&target);
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.arg("build").args(args).arg("--target-dir").arg(&target).current_dir(&src);
        if bootstrap {
            cmd.env("RUSTC_BOOTSTRAP", "1");
        } else {
            cmd.env_remove("RUSTC_BOOTSTRAP");
        }
        let status = cmd
            .env("RUSTFLAGS", format!("{rustflags} {}", extra(&target)))
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .status()
            .expect("run cargo");
        assert!(status.success(), "building fixture {name} failed");
        std::fs::write(&done, b"").expect("mark done");
    }
    lock.unlock().expect("unlock");
    target
}

/// Release build of `tests/fixtures/tracee` under `-Zllvm-time-trace` (v0
/// mangling, rustc's default). Returns the `deps` directory holding one
/// `*.llvm_timings.json` per crate.
pub fn tracee_traces() -> PathBuf {
    cargo_build("tracee", "-Zllvm-time-trace", &["--release"]).join("release/deps")
}

/// The same build with legacy symbol mangling.
pub fn tracee_traces_legacy() -> PathBuf {
    cargo_build("tracee", "-Zllvm-time-trace -Csymbol-mangling-version=legacy -Zunstable-options", &["--release"])
        .join("release/deps")
}

/// Self-profiles (`-Zself-profile`) of a build of fixture `name`: returns the
/// directory holding one `<crate>-<pid>.mm_profdata` per rustc run.
/// `events` is passed as `-Zself-profile-events` when given.
pub fn self_profiles(name: &str, events: Option<&str>, args: &[&str]) -> PathBuf {
    let flags = match events {
        Some(e) => format!("-Zself-profile-events={e}"),
        None => String::new(),
    };
    let target = cargo_build_with(name, &flags, args, |t| format!("-Zself-profile={}", t.join("profiles").display()));
    target.join("profiles")
}

/// Copies a project (sources only, no `target/`) into a fresh directory, so
/// a test can build it as a user's project without sharing state.
pub fn copy_project(src: &Path, name: &str) -> Project {
    let dest = temp_dir(name);
    copy_tree(src, &dest);
    Project { dir: dest, warm: None }
}

/// [`copy_project`] with a `target/` already holding what earlier tests
/// built of the same fixture (its registry dependencies: criterion's take
/// ~30 s of a release build here, the project's own crate ~2 s). The files
/// keep their modification times, so cargo's fingerprints find them fresh;
/// the project's own crates are rebuilt (their dep-info names the earlier
/// copy's sources, which are gone). When the test passes, what its build
/// added to `target/` is moved into the template for the next test.
///
/// While there is no template yet, the first copy keeps the template's lock
/// until its test ends: a second test of the same fixture then waits and
/// copies what the first built, instead of building the same dependencies
/// beside it (in a clean clone, two tests building criterion at once each
/// took over a minute). A test holds one warm copy of a fixture at a time.
pub fn copy_project_warm(src: &Path, name: &str) -> Project {
    let mut h = DefaultHasher::new();
    hash_tree(src, &mut h);
    let key = src.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let template = scratch_root().join("warm").join(format!("{key}-{:016x}", h.finish()));
    let dest = temp_dir(name);
    copy_tree(src, &dest);
    let lock = warm_lock(&template);
    let first = if template.is_dir() {
        fastware_core::tree::copy_keeping_times(&template, &dest.join("target"), &[]).expect("copy the template");
        drop(lock);
        None
    } else {
        Some(lock)
    };
    Project { dir: dest, warm: Some(Warm { template, first }) }
}

fn warm_lock(template: &Path) -> File {
    let parent = template.parent().expect("warm root");
    std::fs::create_dir_all(parent).expect("warm root");
    let lock = File::create(template.with_extension("lock")).expect("lock file");
    lock.lock().expect("lock");
    lock
}

/// A copied project: removed with its builds when the test that made it
/// passes (a whole suite's builds filled a CI disk), kept when it fails so
/// that it can be looked at.
#[derive(Debug)]
pub struct Project {
    dir: PathBuf,
    warm: Option<Warm>,
}

/// Where a warm copy's builds go back to, and the template's lock when this
/// copy is the first (see [`copy_project_warm`]).
#[derive(Debug)]
struct Warm {
    template: PathBuf,
    first: Option<File>,
}

impl std::ops::Deref for Project {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.dir
    }
}

impl AsRef<Path> for Project {
    fn as_ref(&self) -> &Path {
        &self.dir
    }
}

impl AsRef<std::ffi::OsStr> for Project {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.dir.as_os_str()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        if let Some(warm) = &mut self.warm {
            let _lock = warm.first.take().unwrap_or_else(|| warm_lock(&warm.template));
            move_new_files(&self.dir.join("target"), &warm.template);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Moves cargo's build outputs under `from` (files under `<release|debug>/
/// {deps,build,.fingerprint}` at any depth, so fastware's own builds inside
/// `target/fastware/` count too) that `to` does not have into `to` (same file
/// system: a rename, times kept). Nothing else: criterion's saved baselines
/// and fastware's history stay with the test that wrote them; nor the builds
/// of git revisions (`target/fastware/revisions/<commit>` and `ab/`, each
/// revision's own), whose commits a test makes afresh each time, so that no
/// later copy would use them. Best effort: a file that cannot be moved only
/// makes a later build slower.
fn move_new_files(from: &Path, to: &Path) {
    fn walk(from: &Path, to: &Path, last: &str, built: bool) {
        let Ok(entries) = std::fs::read_dir(from) else { return };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if last == "fastware" && matches!(name.as_str(), "revisions" | "ab") {
                continue;
            }
            let (p, q) = (e.path(), to.join(&name));
            let built = built
                || (matches!(last, "release" | "debug") && matches!(name.as_str(), "deps" | "build" | ".fingerprint"));
            match e.file_type() {
                Ok(t) if t.is_dir() => walk(&p, &q, &name, built),
                Ok(_) if built && std::fs::symlink_metadata(&q).is_err() => {
                    let _ = std::fs::create_dir_all(to);
                    let _ = std::fs::rename(&p, &q);
                }
                _ => {}
            }
        }
    }
    walk(from, to, "", false)
}

fn copy_tree(src: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).expect("mkdir");
    for e in std::fs::read_dir(src).expect("read dir").flatten() {
        let p = e.path();
        if e.file_name() == "target" {
            continue;
        }
        if p.is_dir() {
            copy_tree(&p, &dest.join(e.file_name()));
        } else {
            std::fs::copy(&p, dest.join(e.file_name())).expect("copy");
        }
    }
}

/// Every file under `dir` (but `skip`), with a hash of its contents and its
/// modification time: to show a command changed nothing.
pub fn snapshot(dir: &Path, skip: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    snap(dir, skip, &mut out);
    out.sort();
    out
}

fn snap(dir: &Path, skip: &Path, out: &mut Vec<(PathBuf, u64, std::time::SystemTime)>) {
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p == skip {
            continue;
        }
        if p.is_dir() {
            snap(&p, skip, out);
        } else {
            let mut h = DefaultHasher::new();
            std::fs::read(&p).expect("read").hash(&mut h);
            let mtime = e.metadata().and_then(|m| m.modified()).expect("mtime");
            out.push((p, h.finish(), mtime));
        }
    }
}

/// One entry of an error-messages snapshot: `name: message`, then the hint
/// on an indented line when there is one.
pub fn said(name: &str, message: &str, hint: Option<&str>) -> String {
    format!("{name}: {message}{}", hint.map_or(String::new(), |h| format!("\n  hint: {h}")))
}

/// Writes `data` to `dir/name` (a bad input a test made); its path.
pub fn file_in(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write a test input");
    p
}

/// Files in `dir` whose name ends with `suffix`, sorted.
pub fn files_with_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    v.sort();
    v
}

/// A fresh, empty PostgreSQL database named after the test, on the server
/// `FASTWARE_TEST_POSTGRES` names (`.ci/run` starts one), as a URL; `None`
/// with SKIPPED printed when there is no server or no `psql`.
pub fn postgres_database(test: &str) -> Option<String> {
    let Some(url) = std::env::var("FASTWARE_TEST_POSTGRES").ok().filter(|u| !u.is_empty()) else {
        eprintln!("SKIPPED the PostgreSQL part of {test}: FASTWARE_TEST_POSTGRES is not set (.ci/run starts a server and sets it)");
        return None;
    };
    let db = format!("fw_{}_{}", test.replace(|c: char| !c.is_ascii_alphanumeric(), "_"), std::process::id());
    let ok = std::process::Command::new("psql")
        .args(["-q", "-v", "ON_ERROR_STOP=1", &url])
        .args(["-c", &format!("DROP DATABASE IF EXISTS {db}"), "-c", &format!("CREATE DATABASE {db}")])
        .output()
        .map_err(|e| e.to_string())
        .and_then(|o| if o.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&o.stderr).into_owned()) });
    if let Err(e) = ok {
        panic!("cannot create a database on {url}: {e}");
    }
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    Some(format!("{base}/{db}"))
}
