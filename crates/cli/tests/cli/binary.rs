//! `fastware asm`, `inline`, `size`, `diff` on real release builds of
//! `tests/fixtures/inliner` (built here, as stable Rust builds it), checked
//! against binutils (objdump, nm, readelf, addr2line) and against what the
//! fixture's source dictates.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::common::*;
use serde_json::Value;

/// The fixture's release build: without and with `#[inline(always)]` on `cast`.
fn build(features: &[&str], rustflags: &str) -> PathBuf {
    let mut args = vec!["--release"];
    if !features.is_empty() {
        args.push("--features");
        args.extend(features);
    }
    fastware_testkit::cargo_build_stable("inliner", rustflags, &args).join("release")
}

fn bin_a() -> PathBuf {
    build(&[], "").join("inliner")
}

fn bin_b() -> PathBuf {
    build(&["inline-cast"], "").join("inliner")
}

/// A binutils tool, or `None` with the reason printed.
fn tool(name: &str) -> Option<&str> {
    let ok = Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED the {name} cross-check: {name} is not installed (Debian package binutils)");
    }
    ok.then_some(name)
}

/// `nm -S --defined-only`: raw name → (address, size) of sized text symbols.
fn nm_text(file: &Path) -> Vec<(String, u64, u64)> {
    let nm = Command::new("nm").args(["-S", "--defined-only"]).arg(file).output().expect("nm");
    String::from_utf8_lossy(&nm.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let [addr, size, kind, name] = f.as_slice() else { return None };
            matches!(*kind, "t" | "T" | "W" | "w").then(|| {
                (
                    name.to_string(),
                    u64::from_str_radix(addr, 16).expect("hex"),
                    u64::from_str_radix(size, 16).expect("hex"),
                )
            })
        })
        .collect()
}

/// `objdump -d -M intel --disassemble=SYM`: (address, mnemonic) per instruction.
fn objdump(file: &Path, symbol: &str) -> Vec<(u64, String)> {
    let o = Command::new("objdump")
        .args(["-d", "-M", "intel", "--no-show-raw-insn", "-w"])
        .arg(format!("--disassemble={symbol}"))
        .arg(file)
        .output()
        .expect("objdump");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let (addr, rest) = l.trim_start().split_once(":\t")?;
            let addr = u64::from_str_radix(addr, 16).ok()?;
            Some((addr, mnemonic(rest)))
        })
        .collect()
}

/// The mnemonic without prefixes, in the names both tools agree on.
fn mnemonic(text: &str) -> String {
    const PREFIXES: [&str; 12] =
        ["rep", "repz", "repe", "repnz", "repne", "lock", "bnd", "notrack", "data16", "cs", "ds", "addr32"];
    let m = text.split_whitespace().find(|t| !PREFIXES.contains(t)).unwrap_or("").to_lowercase();
    match m.as_str() {
        "movabs" => "mov".into(),
        "nopw" | "nopl" => "nop".into(),
        _ => m,
    }
}

/// fastware's listing of `name`: (address, mnemonic) and the JSON.
fn asm(file: &Path, name: &str, extra: &[&str]) -> (Vec<(u64, String)>, Value) {
    let mut args = vec!["asm", name, "--file", s(file), "--format", "json"];
    args.extend(extra);
    let v = json(&run(&args));
    let lines = v["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| (l["address"].as_u64().expect("address"), mnemonic(l["mnemonic"].as_str().expect("mnemonic"))))
        .collect();
    (lines, v)
}

#[test]
fn asm_instructions_equal_objdumps_and_sizes_equal_nms() {
    let Some(_) = tool("objdump").and(tool("nm")) else { return };
    let bin = bin_a();
    for name in ["inliner::caller_a", "inliner::never_inlined", "inliner::cast", "inliner::render", "inliner::main"] {
        let (ours, v) = asm(&bin, name, &[]);
        let raw = v["raw"].as_str().expect("raw");
        let reference = objdump(&bin, raw);
        assert!(!reference.is_empty(), "objdump knows {raw}");
        let (oa, om): (Vec<u64>, Vec<String>) = ours.into_iter().unzip();
        let (ra, rm): (Vec<u64>, Vec<String>) = reference.into_iter().unzip();
        assert_eq!(oa, ra, "instruction boundaries of {name}");
        assert_eq!(om, rm, "mnemonics of {name}");
        let nm = nm_text(&bin);
        let (_, addr, size) = nm.iter().find(|(n, _, _)| n == raw).expect("in nm");
        assert_eq!(v["size"].as_u64(), Some(*size), "size of {name}");
        assert_eq!(v["address"].as_u64(), Some(*addr), "address of {name}");
    }
    // the whole file: functions and their bytes, as nm has them (one per address)
    let v = json(&run(&["size", "--file", s(&bin), "--format", "json", "--top", "0"]));
    let mut by_addr: BTreeMap<u64, u64> = BTreeMap::new();
    for (_, addr, size) in nm_text(&bin) {
        if size > 0 {
            by_addr.entry(addr).or_insert(size);
        }
    }
    assert_eq!(v["functions"].as_u64(), Some(by_addr.len() as u64));
    assert_eq!(v["function_bytes"].as_u64(), Some(by_addr.values().sum::<u64>()));
    // the generic: four instantiations (u8, u16, u32, u64), their sizes summed
    let v = json(&run(&["size", "--by", "generic-set", "--file", s(&bin), "--format", "json", "--top", "0"]));
    let row = v["rows"].as_array().expect("rows").iter().find(|r| r["key"] == "inliner::sum_all").expect("sum_all row");
    let nm_sum: Vec<u64> =
        nm_text(&bin).into_iter().filter(|(n, _, _)| n.starts_with("_ZN7inliner7sum_all")).map(|(_, _, s)| s).collect();
    assert_eq!(nm_sum.len(), 4);
    assert_eq!(row["count"].as_u64(), Some(4));
    assert_eq!(row["bytes"].as_u64(), Some(nm_sum.iter().sum::<u64>()));
}

#[test]
fn v0_names_keep_generic_arguments() {
    let Some(_) = tool("nm") else { return };
    let bin = build(&[], "-Csymbol-mangling-version=v0").join("inliner");
    let v = json(&run(&["size", "--by", "generic-set", "--file", s(&bin), "--format", "json", "--top", "0"]));
    let row = v["rows"].as_array().expect("rows").iter().find(|r| r["key"] == "inliner::sum_all::<_>").expect("row");
    assert_eq!(row["count"].as_u64(), Some(4));
    let v = json(&run(&["size", "--by", "function", "--file", s(&bin), "--format", "json", "--top", "0"]));
    let keys: HashSet<&str> = v["rows"].as_array().expect("rows").iter().filter_map(|r| r["key"].as_str()).collect();
    for t in ["u8", "u16", "u32", "u64"] {
        assert!(keys.contains(format!("inliner::sum_all::<{t}>").as_str()), "sum_all::<{t}> in {keys:?}");
    }
    let (lines, _) = asm(&bin, "inliner::sum_all::<u16>", &[]);
    assert!(!lines.is_empty());
}

/// readelf's relocations: GOT slot address → the address it is filled with.
fn got_slots(file: &Path) -> HashMap<u64, u64> {
    let o = Command::new("readelf").args(["-rW"]).arg(file).output().expect("readelf");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.contains("R_X86_64_RELATIVE"))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((u64::from_str_radix(f.first()?, 16).ok()?, u64::from_str_radix(f.last()?, 16).ok()?))
        })
        .collect()
}

/// Call sites of the function at `target`, from objdump and readelf alone:
/// direct `call`/`jmp` to it, and `call [rip + slot]` through a GOT slot
/// filled with its address. (address of the call, caller symbol)
fn reference_calls(file: &Path, target: u64) -> Vec<(u64, String)> {
    let slots = got_slots(file);
    let o = Command::new("objdump").args(["-d", "--no-show-raw-insn", "-w"]).arg(file).output().expect("objdump");
    let mut current = String::new();
    let mut out = Vec::new();
    for l in String::from_utf8_lossy(&o.stdout).lines() {
        if let Some(name) = l.strip_suffix(">:").and_then(|h| h.split_once(" <")).map(|(_, n)| n) {
            current = name.to_string();
            continue;
        }
        let Some((addr, rest)) = l.trim_start().split_once(":\t") else { continue };
        let Ok(addr) = u64::from_str_radix(addr, 16) else { continue };
        let m = rest.split_whitespace().next().unwrap_or("");
        if !(m.starts_with("call") || m.starts_with("jmp")) {
            continue;
        }
        // `call 15110 <name>` or `call *0x404f8(%rip)        # 55da8 <…>`
        let direct = rest.split_whitespace().nth(1).and_then(|t| u64::from_str_radix(t, 16).ok());
        let via_slot =
            rest.split_once("# ").and_then(|(_, c)| u64::from_str_radix(c.split_whitespace().next()?, 16).ok());
        let reaches = direct == Some(target) || via_slot.and_then(|s| slots.get(&s)) == Some(&target);
        if reaches {
            out.push((addr, current.clone()));
        }
    }
    out
}

fn demangled(raw: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(raw))
}

#[test]
fn inline_verdicts_are_what_the_source_dictates() {
    let Some(_) = tool("objdump").and(tool("readelf")).and(tool("nm")) else { return };
    let bin = bin_a();
    let nm = nm_text(&bin);
    let addr_of = |part: &str| nm.iter().find(|(n, _, _)| n.contains(part)).map(|(_, a, _)| *a).expect("symbol");

    // #[inline(never)], called once from each of caller_a and caller_b
    let v = json(&run(&["inline", "inliner::never_inlined", "--file", s(&bin), "--format", "json"]));
    assert_eq!(v["copies"].as_array().expect("copies").len(), 1);
    assert_eq!(v["inlined_places"], 0, "{v}");
    let mut callers: Vec<&str> =
        v["call_sites"].as_array().expect("sites").iter().map(|c| c["caller"].as_str().expect("caller")).collect();
    callers.sort();
    assert_eq!(callers, ["inliner::caller_a", "inliner::caller_b"]);
    assert!(v["summary"].as_str().expect("summary").contains("not inlined"), "{v}");
    // the same sites, found with objdump and readelf
    let ours: Vec<u64> =
        v["call_sites"].as_array().expect("sites").iter().map(|c| c["address"].as_u64().expect("a")).collect();
    let reference = reference_calls(&bin, addr_of("13never_inlined"));
    let theirs: Vec<u64> = reference.iter().map(|(a, _)| *a).collect();
    assert_eq!(ours, theirs, "call sites of never_inlined: objdump says {reference:?}");
    for (_, caller) in &reference {
        assert!(callers.contains(&demangled(caller).as_str()), "{caller}");
    }

    // #[inline(always)], in caller_a and caller_b, no copy
    let v = json(&run(&["inline", "inliner::always_inlined", "--file", s(&bin), "--format", "json"]));
    assert!(v["copies"].as_array().expect("copies").is_empty());
    assert_eq!(v["inlined"], true, "{v}");
    let mut into: Vec<&str> =
        v["inlined_into"].as_array().expect("into").iter().map(|c| c["function"].as_str().expect("f")).collect();
    into.sort();
    assert_eq!(into, ["inliner::caller_a", "inliner::caller_b"]);
    // each place's call is the source line that calls always_inlined
    let source = std::fs::read_to_string(fastware_testkit::fixture("inliner").join("src/lib.rs")).expect("source");
    for i in v["inlined_into"].as_array().expect("into") {
        for c in i["calls"].as_array().expect("calls") {
            let line = source.lines().nth(c["line"].as_u64().expect("line") as usize - 1).expect("line");
            assert!(line.contains("always_inlined("), "{line}");
        }
    }

    // the generic: four copies, each called from main
    let v = json(&run(&["inline", "inliner::sum_all", "--file", s(&bin), "--format", "json"]));
    assert_eq!(v["copies"].as_array().expect("copies").len(), 4);
    let sites = v["call_sites"].as_array().expect("sites");
    assert_eq!(sites.len(), 4);
    assert!(sites.iter().all(|c| c["caller"] == "inliner::main"), "{v}");
}

/// Four methods named `from_args` in one source file, three inlined into
/// the fourth: `line-tables-only` DWARF names each only `from_args`.
#[test]
fn same_named_methods_are_never_inlined_into_themselves() {
    let bin = bin_a();
    // #[inline(never)] and called only from main: never inlined, not "into itself at 3 places"
    let v = json(&run(&["inline", "inliner::args::Config::from_args", "--file", s(&bin), "--format", "json"]));
    assert_eq!(v["copies"].as_array().expect("copies").len(), 1, "{v}");
    assert_eq!(v["inlined_places"], 0, "{v}");
    assert!(v["summary"].as_str().expect("summary").contains("not inlined"), "{v}");
    // which of the three places is Width's the bare names cannot tell: all uncertain
    let v = json(&run(&["inline", "Width::from_args", "--file", s(&bin), "--format", "json"]));
    let into = v["inlined_into"].as_array().expect("into");
    assert_eq!(into.len(), 1, "{v}");
    assert_eq!(into[0]["function"], "inliner::args::Config::from_args");
    assert_eq!((into[0]["places"].as_u64(), into[0]["uncertain"].as_u64()), (Some(3), Some(3)), "{v}");
    assert!(v["summary"].as_str().expect("summary").contains("uncertain (bare names)"), "{v}");
    // one function of its name: certain
    let v = json(&run(&["inline", "inliner::always_inlined", "--file", s(&bin), "--format", "json"]));
    let uncertain: u64 =
        v["inlined_into"].as_array().expect("into").iter().map(|i| i["uncertain"].as_u64().expect("n")).sum();
    assert_eq!(uncertain, 0, "{v}");
    // full debug info names each: Width's one place, in Config::from_args
    let full = build(&[], "-Cdebuginfo=2").join("inliner");
    let v = json(&run(&["inline", "inliner::args::Width::from_args", "--file", s(&full), "--format", "json"]));
    let into = v["inlined_into"].as_array().expect("into");
    assert_eq!(into.len(), 1, "{v}");
    assert_eq!(
        (into[0]["function"].as_str(), into[0]["places"].as_u64()),
        (Some("inliner::args::Config::from_args"), Some(1))
    );
    assert_eq!(v["bare_dwarf_names"], false, "{v}");
}

#[test]
fn the_seed_case_one_attribute_apart() {
    let (a, b) = (bin_a(), bin_b());
    // without the attribute: a copy, called through a register loaded from the GOT
    let va = json(&run(&["inline", "inliner::cast", "--file", s(&a), "--format", "json"]));
    assert_eq!(va["copies"].as_array().expect("copies").len(), 1, "{va}");
    assert_eq!(va["inlined"], false);
    let sites = va["call_sites"].as_array().expect("sites");
    // the closure calls cast twice (lib.rs, `shade`); rustc also copies the closure into its vtable shim
    let in_closure = sites.iter().filter(|c| c["caller"] == "inliner::render::{{closure}}").count();
    assert_eq!(in_closure, 2, "{va}");
    assert!(sites
        .iter()
        .all(|c| c["caller"].as_str().is_some_and(|n| n.contains("closure") || n.contains("vtable.shim"))));
    // with #[inline(always)]: no copy, inlined twice into the closure
    let vb = json(&run(&["inline", "inliner::cast", "--file", s(&b), "--format", "json"]));
    assert!(vb["copies"].as_array().expect("copies").is_empty(), "{vb}");
    assert_eq!(vb["inlined"], true);
    assert_eq!(vb["inlined_places"], 2);
    assert!(vb["summary"].as_str().expect("summary").contains("no out-of-line copy"));

    // diff: cast removed, the closure changed
    let d = json(&run(&["diff", s(&a), s(&b), "--format", "json"]));
    let status = |name: &str| {
        d["functions"]
            .as_array()
            .expect("functions")
            .iter()
            .find(|f| f["function"] == name)
            .map(|f| f["status"].clone())
    };
    assert_eq!(status("inliner::cast"), Some("removed".into()), "{d}");
    assert_eq!(status("inliner::render::{{closure}}"), Some("changed".into()));
    assert_eq!(status("inliner::never_inlined"), None, "unchanged functions are not listed");
    // and the instructions: the calls to cast are gone
    let d = json(&run(&["diff", s(&a), s(&b), "inliner::render::{{closure}}", "--format", "json"]));
    let removed: Vec<&str> = d["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| l["change"] == "removed")
        .map(|l| l["text"].as_str().expect("text"))
        .collect();
    let calls: Vec<&&str> = removed.iter().filter(|t| t.starts_with("call") && t.contains("inliner::cast")).collect();
    assert_eq!(calls.len(), 2, "{removed:?}");
    // the text view shows them with a `-`
    let o = run(&["diff", s(&a), s(&b), "render::{{closure}}"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).lines().any(|l| l.starts_with('-') && l.contains("call") && l.contains("inliner::cast")));
    // identical builds: nothing changed
    let same = json(&run(&["diff", s(&a), s(&a), "--format", "json"]));
    assert_eq!(same["changed"], 0);
    assert_eq!(same["added"], 0);
    assert_eq!(same["removed"], 0);
}

/// addr2line (binutils): the innermost file:line of an address.
fn addr2line(file: &Path, addrs: &[u64]) -> Vec<(String, u32)> {
    let mut c = Command::new("addr2line");
    c.arg("-e").arg(file);
    for a in addrs {
        c.arg(format!("{a:#x}"));
    }
    let o = c.output().expect("addr2line");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            let l = l.split(" (discriminator").next().unwrap_or(l);
            let (f, n) = l.rsplit_once(':').expect("file:line");
            (f.to_string(), n.parse().unwrap_or(0))
        })
        .collect()
}

#[test]
fn source_lines_and_inline_frames_agree_with_addr2line() {
    let Some(_) = tool("addr2line") else { return };
    let bin = bin_a();
    let (_, v) = asm(&bin, "inliner::caller_a", &["--source"]);
    let lines = v["lines"].as_array().expect("lines");
    let addrs: Vec<u64> = lines.iter().map(|l| l["address"].as_u64().expect("a")).collect();
    let reference = addr2line(&bin, &addrs);
    for (l, (file, line)) in lines.iter().zip(&reference) {
        if *line == 0 {
            continue;
        }
        assert_eq!(l["source"]["file"].as_str(), Some(file.as_str()), "{l}");
        assert_eq!(l["source"]["line"].as_u64(), Some(*line as u64), "{l}");
    }
    // the call of never_inlined is on line 100, and always_inlined's code is marked inlined
    let call = lines.iter().find(|l| l["text"].as_str().is_some_and(|t| t.contains("never_inlined"))).expect("call");
    assert_eq!(call["source"]["line"], 100);
    assert!(lines.iter().any(|l| l["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .any(|f| f["function"] == "always_inlined")));
    let text = stdout(&run(&["asm", "inliner::caller_a", "--source", "--file", s(&bin)]));
    assert!(text.contains("inlined from `always_inlined` at"), "{text}");
    assert!(text.contains("never_inlined(v).wrapping_add(always_inlined(v))"), "the source line itself");
}

#[test]
fn rlib_object_code_and_relocations() {
    let Some(_) = tool("objdump").and(tool("nm")) else { return };
    let rlib = build(&[], "").join("libinliner.rlib");
    let (ours, v) = asm(&rlib, "inliner::caller_a", &[]);
    assert!(v["member"].as_str().is_some_and(|m| m.ends_with(".o")), "{v}");
    let reference = objdump(&rlib, v["raw"].as_str().expect("raw"));
    assert_eq!(ours, reference, "caller_a in the rlib: offsets in its section, as objdump shows them");
    // its call of never_inlined is named from the relocation
    let call =
        v["lines"].as_array().expect("lines").iter().find(|l| l["flow"] == "indirect-call" || l["flow"] == "call");
    assert_eq!(call.and_then(|c| c["target"]["name"].as_str()), Some("inliner::never_inlined"));
    let v = json(&run(&["inline", "inliner::never_inlined", "--file", s(&rlib), "--format", "json"]));
    assert_eq!(v["call_sites"].as_array().expect("sites").len(), 2, "{v}");
    let sizes = json(&run(&["size", "--file", s(&rlib), "--format", "json", "--top", "0"]));
    let nm_bytes: u64 = nm_text(&rlib).iter().map(|(_, _, s)| s).sum();
    assert_eq!(sizes["function_bytes"].as_u64(), Some(nm_bytes));
}

#[test]
fn the_default_is_cargos_own_release_artifact() {
    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("inliner"), "binary-default");
    // a project without a lock file: cargo would create one for every build it runs here
    std::fs::remove_file(project.join("Cargo.lock")).expect("remove Cargo.lock");
    let before = fastware_testkit::snapshot(&project, &project.join("target"));
    let v = json(&run_in(&project, &["inline", "inliner::cast", "--format", "json"]));
    assert_eq!(v["origin"], "bin inliner (release profile)");
    assert!(v["file"].as_str().is_some_and(|f| f.ends_with("target/release/inliner")), "{v}");
    assert_eq!(v["inlined"], false);
    let v = json(&run_in(&project, &["asm", "never_inlined", "--lib", "--format", "json"]));
    assert!(v["file"].as_str().is_some_and(|f| f.ends_with("libinliner.rlib")), "{v}");
    let v = json(&run_in(&project, &["size", "--by", "crate", "--format", "json"]));
    assert!(v["rows"].as_array().expect("rows").iter().any(|r| r["key"] == "inliner"));
    // save, change one attribute (a feature), compare
    let o = run_in(&project, &["diff", "--save", "before"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(project.join("target/fastware/binaries/before").is_file());
    let d = json(&run_in(&project, &["diff", "before", "--features", "inline-cast", "--format", "json"]));
    assert!(d["functions"]
        .as_array()
        .expect("f")
        .iter()
        .any(|f| f["function"] == "inliner::cast" && f["status"] == "removed"));
    let s = json(&run_in(&project, &["size", "--diff", "before", "--features", "inline-cast", "--format", "json"]));
    assert!(s["changes"].as_array().expect("c").iter().any(|c| c["key"] == "inliner::cast" && c["new_bytes"] == 0));
    // --debuginfo builds apart and says so
    let o = run_in(&project, &["asm", "caller_a", "--debuginfo", "--source"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("separate build"), "{}", stderr(&o));
    assert!(project.join("target/fastware/debuginfo").is_dir());
    // the project's own files are as they were: no Cargo.lock appeared
    assert_eq!(fastware_testkit::snapshot(&project, &project.join("target")), before);
    assert!(!project.join("Cargo.lock").exists());
    // and the user's own build finds what fastware built fresh: rustc saw the
    // user's environment, not the RUSTC_BOOTSTRAP cargo needed for the lock file
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let o = Command::new(cargo)
        .args(["build", "--release", "-v"])
        .current_dir(&project)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTC_BOOTSTRAP")
        .output()
        .expect("cargo build");
    assert!(stderr(&o).contains("Fresh inliner") && !stderr(&o).contains("Compiling"), "{}", stderr(&o));
}

#[test]
fn bad_files_and_patterns() {
    let dir = fastware_testkit::temp_dir("binary-bad");
    let bin = bin_a();
    // stripped: which setting to change
    if tool("strip").is_some() {
        let stripped = dir.join("stripped");
        std::fs::copy(&bin, &stripped).expect("copy");
        assert!(Command::new("strip").arg(&stripped).status().expect("strip").success());
        let e = error_of(&run(&["asm", "cast", "--file", s(&stripped)]), 2, &[]);
        assert!(e.contains("no symbol table") && e.contains("strip = false"), "{e}");
        let nodebug = dir.join("nodebug");
        std::fs::copy(&bin, &nodebug).expect("copy");
        assert!(Command::new("strip").arg("--strip-debug").arg(&nodebug).status().expect("strip").success());
        let e = error_of(&run(&["asm", "caller_a", "--source", "--file", s(&nodebug)]), 2, &[]);
        assert!(e.contains("no line tables") && e.contains("line-tables-only"), "{e}");
    }
    // not ELF, truncated, empty, missing
    let toml = fastware_testkit::fixture("inliner").join("Cargo.toml");
    let e = error_of(&run(&["size", "--file", s(&toml)]), 2, &[]);
    assert!(e.contains("not an ELF file"), "{e}");
    let data = std::fs::read(&bin).expect("read");
    let truncated = dir.join("truncated");
    std::fs::write(&truncated, &data[..data.len() / 3]).expect("write");
    let e = error_of(&run(&["asm", "cast", "--file", s(&truncated)]), 2, &[]);
    assert!(e.contains("truncated"), "{e}");
    // the place: the header's section-table offset field (byte 40 of an ELF64
    // header), and the table's offset as readelf reads it
    assert!(e.contains(&format!("{}:40)", s(&truncated))), "{e}");
    if tool("readelf").is_some() {
        let h = String::from_utf8_lossy(&Command::new("readelf").arg("-h").arg(&bin).output().expect("readelf").stdout)
            .into_owned();
        let at = h.lines().find(|l| l.contains("Start of section headers")).expect("readelf -h");
        let at = at.split(':').nth(1).and_then(|v| v.split_whitespace().next()).expect("offset");
        assert!(e.contains(&format!("at byte {at})")), "{e} / readelf: {at}");
    }
    // a symbol whose size is 2^64 − 1 (its st_size field set, found with readelf): damaged, not 17 TiB
    if tool("readelf").is_some() {
        let text = |args: &[&str]| {
            String::from_utf8_lossy(&Command::new("readelf").args(args).arg(&bin).output().expect("readelf").stdout)
                .into_owned()
        };
        let sections = text(&["-SW"]);
        let symtab = sections.lines().find(|l| l.contains(" .symtab ")).expect(".symtab");
        let fields: Vec<&str> = symtab.split(']').nth(1).expect("row").split_whitespace().collect();
        let offset = u64::from_str_radix(fields[3], 16).expect("offset");
        let symbols = text(&["-sW"]);
        let row = symbols.lines().find(|l| l.contains("8caller_a")).expect("caller_a in .symtab");
        let index: u64 = row.trim().split(':').next().expect("Num").trim().parse().expect("index");
        let mut damaged = data.clone();
        let at = (offset + index * 24 + 16) as usize;
        damaged[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        let file = dir.join("huge-symbol");
        std::fs::write(&file, &damaged).expect("write");
        let e = error_of(&run(&["size", "--file", s(&file)]), 2, &[]);
        assert!(e.contains("damaged symbol table: `inliner::caller_a` claims 18446744073709551615 bytes"), "{e}");
    }
    let short = dir.join("short");
    std::fs::write(&short, &data[..40]).expect("write");
    let e = error_of(&run(&["size", "--file", s(&short)]), 2, &[]);
    assert!(e.contains("40 bytes, shorter than its 64-byte header") && e.contains("short:40)"), "{e}");
    let empty = dir.join("empty");
    std::fs::write(&empty, b"").expect("write");
    assert!(error_of(&run(&["size", "--file", s(&empty)]), 2, &[]).contains("empty file"));
    assert!(error_of(&run(&["size", "--file", s(&dir.join("missing"))]), 2, &[]).contains("No such file"));
    // no match: near names
    let near = ["no function matches", "did you mean `inliner::never_inlined`"];
    expect_kind(&["asm", "nevr_inlined", "--file", s(&bin)], 2, "BinaryError::NoMatch", &near);
    let args = ["inline", "no_such_function_here", "--file", s(&bin)];
    expect_kind(&args, 2, "BinaryError::NoMatch", &["no function matches", "fastware size --by function"]);
    // an INDEX past the matches; a name neither a file nor a kept build
    let matching = json_of(&run(&["asm", "inliner::caller_", "--file", s(&bin), "--format", "json"]));
    let n = matching["matches"].as_array().expect("matches").len();
    let index = format!("{}", n + 7);
    let said = format!("INDEX {} is out of range: {n} functions match", n + 7);
    expect_kind(&["asm", "inliner::caller_", &index, "--file", s(&bin)], 2, "BinaryError::IndexOutOfRange", &[&said]);
    let missing = ["diff", "no-such-build", s(&bin)];
    expect_kind(&missing, 2, "BinaryError::NotFound", &["no build saved under that name", "fastware diff --save"]);
    // another architecture: an aarch64 object file rustc writes (no std needed)
    let src = dir.join("arm.rs");
    std::fs::write(
        &src,
        "#![feature(no_core, lang_items)]\n#![no_core]\n#![crate_type = \"lib\"]\n\
         #[lang = \"pointee_sized\"] pub trait PointeeSized {}\n\
         #[lang = \"meta_sized\"] pub trait MetaSized: PointeeSized {}\n\
         #[lang = \"sized\"] pub trait Sized: MetaSized {}\n\
         #[no_mangle] pub extern \"C\" fn answer() -> u32 { 42 }\n",
    )
    .expect("write");
    let obj = dir.join("arm.o");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let made = Command::new(rustc)
        .args(["--target", "aarch64-unknown-linux-gnu", "--emit=obj", "-O", "-o"])
        .arg(&obj)
        .arg(&src)
        .env("RUSTC_BOOTSTRAP", "1")
        .output()
        .expect("rustc");
    if made.status.success() {
        let e = error_of(&run(&["asm", "answer", "--file", s(&obj)]), 2, &[]);
        assert!(e.contains("aarch64") && e.contains("x86-64"), "{e}");
    } else {
        eprintln!("SKIPPED the aarch64 check: rustc could not write an aarch64 object: {}", stderr(&made));
    }
    // several matches: a list with indices, and INDEX picks one
    let o = run(&["asm", "caller_", "--file", s(&bin)]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(
        text.contains("functions match") && text.contains("inliner::caller_a") && text.contains("inliner::caller_b")
    );
    let v = json(&run(&["asm", "caller_", "1", "--file", s(&bin), "--format", "json"]));
    assert_eq!(v["function"], "inliner::caller_b");
    let e = error_of(&run(&["asm", "caller_", "7", "--file", s(&bin)]), 2, &[]);
    assert!(e.contains("out of range"), "{e}");
    // output closed early
    let mut child = Command::new(env!("CARGO_BIN_EXE_fastware"))
        .args(["asm", "inliner::main", "--file", s(&bin)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("wait");
    assert!(o.status.success(), "closed stdout: {}", stderr(&o));
}

/// A path that exists but is the wrong kind is said to be so, not "no such
/// file" (issue 18, item 13).
#[test]
fn wrong_kinds_of_paths_are_named() {
    let dir = fastware_testkit::temp_dir("binary-kinds");
    let o = run(&["diff", s(&dir), "x"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("a directory") && !err.contains("no such file"), "{err}");
    let o = run(&["diff", "/dev/null", "x"]);
    assert!(stderr(&o).contains("empty file") && !stderr(&o).contains("no such file"), "{}", stderr(&o));
    // a FIFO nothing writes to: read as empty, not waited on forever (the
    // shared input reader; a binary, a result file and a trace alike)
    let fifo = dir.join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()), "mkfifo");
    for args in [vec!["diff", s(&fifo), "x"], vec!["bench", "compare", s(&fifo), s(&fifo)], vec!["trace", s(&fifo)]] {
        let mut child = fastware().args(&args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("fastware");
        // a guard against a hang, not a measure of speed: a minute is ages
        let started = std::time::Instant::now();
        while child.try_wait().expect("wait").is_none() {
            if started.elapsed().as_secs() > 60 {
                let _ = child.kill();
                panic!("{args:?} waited on a FIFO with no writer");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let o = child.wait_with_output().expect("output");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("empty file"), "{args:?}: {}", stderr(&o));
    }
}

/// A path that is not UTF-8 is still a path: every command that takes a
/// file reads it (`diff`, `size --diff` and `bench compare` once refused it).
#[test]
fn paths_that_are_not_utf8_are_read() {
    use std::os::unix::ffi::OsStrExt;
    let dir = fastware_testkit::temp_dir("binary-bytes").join(std::ffi::OsStr::from_bytes(b"build-\xff"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let bin = dir.join("inliner");
    std::fs::copy(bin_a(), &bin).expect("copy");
    let b = bin.as_os_str();
    for args in [
        vec!["size".as_ref(), "--file".as_ref(), b],
        vec!["size".as_ref(), "--diff".as_ref(), b, "--file".as_ref(), b],
        vec!["diff".as_ref(), b, b],
    ] {
        let o = fastware().args(&args).output().expect("run");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    let libtest = fastware_testkit::fixture("bench").join("libtest");
    let (base, slow) = (dir.join("base.txt"), dir.join("slow.txt"));
    std::fs::copy(libtest.join("base.txt"), &base).expect("copy");
    std::fs::copy(libtest.join("slow.txt"), &slow).expect("copy");
    let o = fastware().args(["bench", "compare"]).arg(&base).arg(&slow).output().expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // a missing one is named, bytes shown as the system shows them
    let o = fastware().args(["bench", "compare"]).arg(dir.join("nope.txt")).arg(&slow).output().expect("run");
    run_error(&o, 2, "nope.txt: no such file");
    // profiles read from such paths (once refused by the argument parser, while
    // `-o` took any bytes; explain's files are taken: its workload is what fails
    // here, as the fixture wants arguments), and a missing one named
    let cg = dir.join("p.callgrind.out");
    std::fs::copy(fastware_testkit::fixture("profiles").join("hotspots-1.callgrind.out"), &cg).expect("copy");
    let c = cg.as_os_str();
    for args in [
        vec!["profile".as_ref(), c, "--no-history".as_ref()],
        vec!["profile".as_ref(), "diff".as_ref(), c, c],
        vec!["explain".as_ref(), b, b, "--run".as_ref(), "inliner".as_ref(), "--no-history".as_ref()],
    ] {
        let o = fastware().args(&args).output().expect("run");
        assert!(!stderr(&o).contains("invalid UTF-8") && !stderr(&o).contains("no such"), "{args:?}: {}", stderr(&o));
        if args[0] != "explain" {
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        }
    }
    let o = fastware().arg("heap").arg(dir.join("nope.json")).output().expect("run");
    run_error(&o, 2, "nope.json: no such file");
}
