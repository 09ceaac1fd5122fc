//! `fastware doctor`: each line against what the tool itself says (its own
//! `--version`, /proc, `rustc -vV`, readelf's section list, the store's rows
//! counted by SQLite), and nothing built, created or changed.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::common::*;

fn doctor(dir: &Path, env: &[(&str, &str)], extra: &[&str]) -> Value {
    let mut c = command_in(dir);
    c.args(["doctor", "--format", "json"]).args(extra);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("run fastware");
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["schema"], "fastware/doctor/1");
    v
}

fn check<'a>(v: &'a Value, name: &str) -> &'a Value {
    item(v, "checks", "check", name)
}

/// The first non-empty line `program args` prints (stdout, else stderr).
fn says(program: &str, args: &[&str]) -> Option<String> {
    let o = Command::new(program).args(args).output().ok()?;
    let text = if o.stdout.iter().any(|b| !b.is_ascii_whitespace()) { o.stdout } else { o.stderr };
    String::from_utf8_lossy(&text).lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string)
}

/// The raw profile version rustc's profiler runtime writes, by binutils:
/// `__llvm_profile_raw_version`'s 8 bytes in the sysroot's profiler_builtins
/// rlib (`ar x` its member, `objdump -s` its data section), flags masked.
fn rustc_raw_version() -> u64 {
    let out = |cmd: &mut Command| String::from_utf8_lossy(&cmd.output().expect("run").stdout).trim().to_string();
    let sysroot = out(Command::new("rustc").args(["--print", "sysroot"]));
    let host = out(Command::new("rustc").arg("-vV")).lines().find_map(|l| l.strip_prefix("host: ").map(String::from));
    let lib = Path::new(&sysroot).join("lib/rustlib").join(host.expect("host")).join("lib");
    let rlib = std::fs::read_dir(&lib)
        .expect("sysroot")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libprofiler_builtins-") && n.ends_with(".rlib"))
        })
        .expect("profiler_builtins");
    let dir = fastware_testkit::temp_dir("doctor-raw-version");
    let members = out(Command::new("ar").arg("t").arg(&rlib));
    let member =
        members.lines().find(|m| m.ends_with("InstrProfilingVersionVar.o")).expect("the version's object").to_string();
    assert!(Command::new("ar").arg("x").arg(&rlib).arg(&member).current_dir(&dir).status().expect("ar").success());
    let dump =
        out(Command::new("objdump").args(["-s", "-j", ".data.__llvm_profile_raw_version"]).arg(dir.join(&member)));
    // ` 0000 0a000000 00000000  ........`: little-endian bytes
    let line = dump.lines().find(|l| l.trim_start().starts_with("0000 ")).expect("the data");
    let hex: String = line.split_whitespace().skip(1).take(2).collect();
    let bytes: Vec<u8> = (0..8).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex")).collect();
    u64::from_le_bytes(bytes.try_into().expect("8 bytes")) & 0x00ff_ffff
}

/// readelf's section names of `file`.
fn sections(file: &Path) -> Vec<String> {
    let o = Command::new("readelf").args(["-S", "-W"]).arg(file).output().expect("readelf");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_once("] ").map(|(_, r)| r.split_whitespace().next().unwrap_or("").to_string()))
        .collect()
}

#[test]
fn each_line_is_what_the_tool_says_and_nothing_changes() {
    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("hotspots"), "doctor");
    let history = project.join("target/fastware/history.sqlite");

    // before any build: the binary is not built, the history not started,
    // and doctor made neither
    let v = doctor(&project, &[], &[]);
    let bin = check(&v, "release binary hotspots");
    assert_eq!(bin["status"], "info", "{bin}");
    assert!(bin["found"].as_str().unwrap().starts_with("not built yet"), "{bin}");
    let h = check(&v, "history");
    assert!(h["found"].as_str().unwrap().contains("not started"), "{h}");
    assert!(!project.join("target").exists(), "doctor created {}", project.join("target").display());

    // the tools, as they name themselves
    match says("perf", &["--version"]) {
        Some(line) => assert_eq!(
            (&check(&v, "perf")["status"], check(&v, "perf")["found"].as_str()),
            (&"ok".into(), Some(line.as_str()))
        ),
        None => eprintln!("SKIPPED doctor's perf version: perf is not installed"),
    }
    let level = std::fs::read_to_string("/proc/sys/kernel/perf_event_paranoid").expect("/proc").trim().to_string();
    assert_eq!(check(&v, "perf allowed")["found"], format!("kernel.perf_event_paranoid = {level}"));
    match says("valgrind", &["--version"]) {
        Some(line) => assert_eq!(check(&v, "valgrind")["found"], line),
        None => eprintln!("SKIPPED doctor's valgrind version: valgrind is not installed"),
    }
    let llvm = says("rustc", &["-vV"]).map(|_| {
        let o = Command::new("rustc").arg("-vV").output().expect("rustc");
        String::from_utf8_lossy(&o.stdout).lines().find_map(|l| l.strip_prefix("LLVM version: ").map(String::from))
    });
    let profdata = check(&v, "llvm-profdata")["found"].as_str().unwrap().to_string();
    let raw = rustc_raw_version();
    let rustc = format!("rustc (LLVM {}) writes raw profiles of version {raw}", llvm.flatten().expect("LLVM version"));
    assert!(profdata.contains(&rustc), "{profdata}");
    match says("llvm-profdata-19", &["merge", "--version"]) {
        Some(line) => {
            let version = line.rsplit(' ').next().unwrap();
            assert!(
                profdata.contains(&format!("llvm-profdata-19 (LLVM {version}, reads version 10)")),
                "{profdata} / {line}"
            );
            // the one pgo would use alone: it reads rustc's raw version (10)
            let c = check(
                &doctor(&project, &[("FASTWARE_LLVM_PROFDATA", "/usr/bin/llvm-profdata-19")], &[]),
                "llvm-profdata",
            )
            .clone();
            assert_eq!(c["status"], if raw == 10 { "ok" } else { "fix" }, "{c}");
        }
        None => eprintln!("SKIPPED doctor's llvm-profdata-19 version: llvm-19 is not installed"),
    }
    // an old llvm-profdata alone (14: raw version 8): it cannot read rustc's
    // raw profiles (the pgo tests see it refuse them), and doctor says so
    match says("llvm-profdata-14", &["merge", "--version"]) {
        Some(_) => {
            let c = check(
                &doctor(&project, &[("FASTWARE_LLVM_PROFDATA", "/usr/bin/llvm-profdata-14")], &[]),
                "llvm-profdata",
            )
            .clone();
            assert_eq!(c["status"], "fix", "{c}");
            assert!(
                c["found"].as_str().unwrap().contains("llvm-profdata-14 (LLVM 14.")
                    && c["found"].as_str().unwrap().contains("reads version 8)"),
                "{c}"
            );
            assert!(c["found"].as_str().unwrap().ends_with("none reads it"), "{c}");
            assert!(c["fix"].as_str().unwrap().contains("rustup component add llvm-tools"), "{c}");
        }
        None => eprintln!("SKIPPED doctor's old llvm-profdata: llvm-profdata-14 is not installed"),
    }

    // built as the fixture's profile says (line tables): symbols and line tables, as readelf lists them
    let built = |strip: &str| {
        let st = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--release", "-q"])
            .current_dir(&project)
            .env_remove("CARGO_TARGET_DIR")
            .env("CARGO_PROFILE_RELEASE_STRIP", strip)
            .status()
            .expect("cargo");
        assert!(st.success());
        let file = project.join("target/release/hotspots");
        let s = sections(&file);
        (s.iter().any(|n| n == ".symtab") && s.iter().any(|n| n == ".debug_line"), file)
    };
    let (whole, file) = built("false");
    assert!(whole, "readelf: {:?}", sections(&file));
    let bin = check(&doctor(&project, &[], &[]), "release binary hotspots").clone();
    assert_eq!(bin["status"], "ok", "{bin}");
    // stripped: readelf has neither; doctor says so, with the setting to change
    let (whole, file) = built("symbols");
    let listed = sections(&file);
    assert!(!whole && !listed.iter().any(|n| n == ".symtab"), "{listed:?}");
    let bin = check(&doctor(&project, &[], &[]), "release binary hotspots").clone();
    assert_eq!(bin["status"], "fix", "{bin}");
    assert!(bin["found"].as_str().unwrap().contains("no symbol table"), "{bin}");
    assert!(bin["fix"].as_str().unwrap().contains("debug = \"line-tables-only\""), "{bin}");
    assert!(!history.exists(), "doctor started the history");

    // a store with runs: their number as SQLite counts them, the file unchanged
    let store = project.join("v1.sqlite");
    std::fs::copy(fastware_testkit::fixture("history/v1.sqlite"), &store).expect("copy");
    let before = std::fs::read(&store).expect("read");
    let db = rusqlite::Connection::open_with_flags(&store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let n: i64 = db.query_row("SELECT count(*) FROM runs", [], |r| r.get(0)).expect("count");
    drop(db);
    let h = check(&doctor(&project, &[], &["--store", s(&store)]), "history").clone();
    assert_eq!(h["status"], "ok", "{h}");
    let found = h["found"].as_str().unwrap();
    assert!(found.starts_with(&format!("{}: {n} runs (schema 1:", store.display())), "{found}");
    assert!(
        std::fs::read(&store).expect("read") == before,
        "doctor changed the store (an older schema is not upgraded)"
    );

    // without perf and valgrind on PATH: each says what to install
    let bin_dir = fastware_testkit::temp_dir("doctor-path");
    for tool in ["cargo", "rustc", "git"] {
        if let Some(p) = which(tool) {
            std::os::unix::fs::symlink(p, bin_dir.join(tool)).expect("symlink");
        }
    }
    let v = doctor(&project, &[("PATH", s(&bin_dir))], &[]);
    for (name, fix) in [("perf", "sudo apt-get install linux-perf"), ("valgrind", "sudo apt-get install valgrind")] {
        let c = check(&v, name);
        assert_eq!((&c["status"], c["fix"].as_str()), (&"fix".into(), Some(fix)), "{c}");
    }
    // nor lld nor mold: matrix --linker's, each with its package
    for (name, program) in [("lld", "ld.lld"), ("mold", "mold")] {
        let c = check(&v, name);
        assert_eq!(c["status"], "fix", "{c}");
        assert_eq!(c["found"], format!("{program} not found"), "{c}");
        assert!(c["fix"].as_str().unwrap().contains(&format!("apt-get install {name}")), "{c}");
    }
    // without git: bench ab's and explain's revisions
    let no_git = fastware_testkit::temp_dir("doctor-no-git");
    for tool in ["cargo", "rustc"] {
        if let Some(p) = which(tool) {
            std::os::unix::fs::symlink(p, no_git.join(tool)).expect("symlink");
        }
    }
    let c = check(&doctor(&project, &[("PATH", s(&no_git))], &[]), "git").clone();
    assert_eq!((&c["status"], c["fix"].as_str()), (&"fix".into(), Some("sudo apt-get install git")), "{c}");
    let _ = std::fs::remove_dir_all(&no_git);
    // a damaged store: said, with what to do, and left as it was
    let damaged = project.join("damaged.sqlite");
    std::fs::write(&damaged, vec![b'x'; 8192]).expect("write");
    let h = check(&doctor(&project, &[], &["--store", s(&damaged)]), "history").clone();
    assert_eq!(h["status"], "fix", "{h}");
    assert!(h["found"].as_str().unwrap().contains("damaged run history"), "{h}");
    assert_eq!(std::fs::read(&damaged).expect("read"), vec![b'x'; 8192], "doctor changed the damaged store");
    // the text: one line per check, ✓ ✗ or ·
    let o = command_in(&project).env("PATH", s(&bin_dir)).arg("doctor").output().expect("run");
    let text = stdout(&o);
    assert_eq!(text.lines().count(), v["checks"].as_array().unwrap().len(), "{text}");
    assert!(text.lines().all(|l| l.starts_with(['✓', '✗', '·'])), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("✗ perf ") && l.contains("→ sudo apt-get install linux-perf")),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&bin_dir);
}

/// `tool` on this test's PATH.
fn which(tool: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(tool)).find(|p| p.is_file())
}
