//! The user's own code first: the frames every stack passes through
//! (program entry, the runtime's start, panic catching, thread start, an
//! executor's poll loop) told apart, and a summary of the hottest functions
//! of the user's crates with the hottest source lines of each and the
//! dependency functions they spend the most in.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::annotate::Modules;
use crate::model::Profile;
use crate::views::{key, By};

/// Frames that stand between the program's entry and the user's code:
/// left out of "by total" unless `--all-frames`. By name (the function
/// key, generics erased), anchored; `@…` is a symbol version callgrind keeps.
static SCAFFOLDING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:",
        // program entry and the C runtime (callgrind names what is below main)
        r"_start|_dl_start_user|\(below main\)|__libc_start_main|__libc_start_call_main|main",
        // the loader's entry has no symbol: callgrind shows its address
        r"|0x[0-9a-f]+",
        // Rust's start, panic catching, short backtraces
        r"|std::rt::lang_start(?:_internal)?(?:::\{\{closure\}\})*",
        r"|std::panicking::(?:try|catch_unwind)(?:::.*)?|std::panic::catch_unwind|__rust_try",
        r"|std::sys::backtrace::__rust_begin_short_backtrace|std::sys_common::backtrace::__rust_begin_short_backtrace",
        r"|core::ops::function::FnOnce::call_once(?:\{\{vtable\.shim\}\})?",
        r"|<alloc::boxed::Box<.*> as core::ops::function::FnOnce<.*>>::call_once",
        r"|<core::panic::unwind_safe::AssertUnwindSafe<.*> as core::ops::function::FnOnce<.*>>::call_once",
        // thread start
        r"|start_thread|clone3?|std::sys::pal::unix::thread::Thread::new::thread_start",
        r"|std::sys::thread::unix::Thread::new::thread_start",
        r"|std::thread::Builder::spawn_unchecked_(?:::\{\{closure\}\})*",
        r"|std::thread::lifecycle::spawn_unchecked(?:::\{\{closure\}\})*",
        // executors' poll loops and worker threads
        r"|tokio::runtime::.*|rayon_core::registry::.*|rayon_core::job::.*|futures_executor::local_pool::.*",
        r")(?:@.*)?$"
    ))
    .expect("scaffolding pattern")
});

/// Whether a function (its key), with `share` of all cost under it, is
/// scaffolding: an address without a symbol only when nearly everything
/// runs under it (the loader's entry), not every unnamed function.
pub fn is_scaffolding(name: &str, share: f64) -> bool {
    let name = name.trim_end_matches(" [inlined]");
    SCAFFOLDING.is_match(name) && (!name.starts_with("0x") || share >= 0.9)
}

/// The user's code in a profile: its crates, and per function whether it
/// is defined in one of them.
#[derive(Debug, Clone, Default)]
pub struct User {
    pub crates: Vec<String>,
    pub mask: Vec<bool>,
}

impl User {
    /// The crates given (the workspace's, when profiled in a project) that
    /// the profile has, else the crate of the binary's `main`.
    pub fn of(p: &Profile, given: &[String]) -> User {
        let keys: Vec<String> = p.functions.iter().map(|f| key(f, By::Crate)).collect();
        let mut crates: Vec<String> = given.iter().filter(|c| keys.contains(c)).cloned().collect();
        if crates.is_empty() {
            for f in &p.functions {
                if let Some(c) = f.name.strip_suffix("::main").filter(|c| !c.contains("::") && !c.contains(['<', ' ']))
                {
                    if !matches!(c, "std" | "core" | "alloc") && !crates.iter().any(|o| o == c) {
                        crates.push(c.to_string());
                    }
                }
            }
            if let Some(bin) = p.meta.binary.as_deref().and_then(|b| Path::new(b).file_name()?.to_str()) {
                let c = bin.replace('-', "_");
                if !crates.contains(&c) {
                    crates.push(c);
                }
            }
        }
        let mask = keys.iter().map(|k| crates.contains(k)).collect();
        User { crates, mask }
    }
}

/// Function `f`'s own cost with the code inlined into it: the costs at its
/// addresses (perf puts an inlined leaf's samples there too), at least its
/// self cost.
pub fn own_cost(p: &Profile, f: usize) -> u64 {
    p.addresses.get(&(f as u32)).map_or(0, |a| a.values().sum::<u64>()).max(p.self_cost[f])
}

/// A source line and what it cost.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HotLine {
    pub file: String,
    pub line: u32,
    pub cost: u64,
    pub share: f64,
}

/// A function the user's function spends in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Callee {
    pub function: String,
    pub cost: u64,
    pub share: f64,
}

/// One of the user's hottest functions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UserFunction {
    pub function: String,
    /// Its own code, with what was inlined into it.
    #[serde(rename = "self")]
    pub self_cost: u64,
    pub self_share: f64,
    /// Its hottest lines (of the user's sources where inlined code came from one).
    pub lines: Vec<HotLine>,
    /// The functions of other crates it spends the most in (its calls).
    pub spends_in: Vec<Callee>,
}

/// The user's code at the top of the report.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UserCode {
    pub crates: Vec<String>,
    /// The share of all cost in the user's functions' own code.
    pub share: f64,
    pub functions: Vec<UserFunction>,
    /// Why hot lines are missing, when they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines_note: Option<String>,
    /// Why the user's functions cannot be named, when they cannot (a
    /// stripped binary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Whether a source file is the user's (not the standard library's nor a
/// registry crate's).
fn is_user_source(file: &str) -> bool {
    !(file.starts_with("/rustc/")
        || file.contains("/.cargo/registry/")
        || file.contains("/.cargo/git/")
        || file.contains("/lib/rustlib/"))
}

/// The summary of the `top` hottest functions of the user's code; the
/// files for the hot lines are opened through `modules` (once each).
pub fn summary(p: &Profile, user: &User, modules: &mut Modules, top: usize) -> UserCode {
    let all = p.total.max(1) as f64;
    // the user's out-of-line functions, grouped by function key
    let mut groups: BTreeMap<String, (u64, Vec<usize>)> = BTreeMap::new();
    let mut user_total = 0u64;
    for (f, func) in p.functions.iter().enumerate() {
        if func.inlined || !user.mask[f] {
            continue;
        }
        let own = own_cost(p, f);
        user_total += own;
        let g = groups.entry(key(func, By::Function)).or_default();
        g.0 += own;
        g.1.push(f);
    }
    let mut ranked: Vec<(String, (u64, Vec<usize>))> = groups.into_iter().filter(|(_, (c, _))| *c > 0).collect();
    ranked.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    // the top ones, down to half a percent (the first always)
    let floor = (p.total / 200).max(1);
    let keep = ranked.iter().skip(1).take_while(|(_, (c, _))| *c >= floor).count() + 1;
    ranked.truncate(top.min(keep));
    // the hot lines: each file's line tables read once
    let mut by_line: HashMap<(usize, String, u32), u64> = HashMap::new();
    let mut lines_note = None;
    let mut by_module: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    for (g, (_, (_, ids))) in ranked.iter().enumerate() {
        for &f in ids {
            if let Some(m) = p.functions[f].module.as_deref() {
                by_module.entry(m).or_default().push((g, f));
            }
        }
    }
    for (module, fs) in &by_module {
        modules.load(p, module);
        let Some((b, shift)) = modules.get(module) else { continue };
        let Some(debug) = b.debug().ok().flatten() else {
            lines_note = Some(format!(
                "{module} has no line tables: set `debug = \"line-tables-only\"` in [profile.release] to see the hot lines"
            ));
            continue;
        };
        for &(g, f) in fs {
            for (&at, &c) in p.addresses.get(&(f as u32)).into_iter().flatten() {
                let frames = debug.frames(at.wrapping_sub(shift));
                let place = frames
                    .iter()
                    .filter_map(|x| x.location.as_ref())
                    .find(|l| is_user_source(&l.file))
                    .or_else(|| frames.last().and_then(|x| x.location.as_ref()));
                if let Some(l) = place {
                    *by_line.entry((g, l.file.clone(), l.line)).or_default() += c;
                }
            }
        }
    }
    let mut lines: Vec<Vec<HotLine>> = vec![Vec::new(); ranked.len()];
    for ((g, file, line), cost) in by_line {
        lines[g].push(HotLine { file, line, cost, share: cost as f64 / all });
    }
    let functions: Vec<UserFunction> = ranked
        .into_iter()
        .zip(lines)
        .map(|((name, (cost, ids)), mut lines)| {
            lines.sort_by(|a, b| b.cost.cmp(&a.cost).then(a.file.cmp(&b.file)).then(a.line.cmp(&b.line)));
            lines.truncate(3);
            let mut spends: HashMap<String, u64> = HashMap::new();
            for &f in &ids {
                for (&(_, callee), &c) in p.edges.range((f as u32, 0)..=(f as u32, u32::MAX)) {
                    if !user.mask[callee as usize] && !p.functions[callee as usize].inlined {
                        *spends.entry(key(&p.functions[callee as usize], By::Function)).or_default() += c;
                    }
                }
            }
            let mut spends_in: Vec<Callee> = spends
                .into_iter()
                .map(|(function, cost)| Callee { function, cost, share: cost as f64 / all })
                .collect();
            spends_in.sort_by(|a, b| b.cost.cmp(&a.cost).then(a.function.cmp(&b.function)));
            spends_in.retain(|c| c.share >= 0.001);
            spends_in.truncate(3);
            UserFunction { function: name, self_cost: cost, self_share: cost as f64 / all, lines, spends_in }
        })
        .collect();
    // none of the user's functions named: say why when the binary has no symbols
    let note = if functions.is_empty() {
        p.meta.binary.as_deref().and_then(|bin| {
            modules.load(p, bin);
            let (b, _) = modules.get(bin)?;
            (!b.has_symtab).then(|| {
                format!(
                    "{bin} has no symbol table (stripped): its functions show as addresses; set `strip = false` (or `strip = \"debuginfo\"`) in [profile.release] and profile again"
                )
            })
        })
    } else {
        None
    };
    UserCode { crates: user.crates.clone(), share: user_total as f64 / all, functions, lines_note, note }
}

#[cfg(test)]
mod tests {
    use super::is_scaffolding;

    #[test]
    fn scaffolding_is_the_entry_the_runtime_and_thread_start_not_user_code() {
        for s in [
            "_start",
            "(below main)",
            "__libc_start_main@@GLIBC_2.34",
            "main",
            "0x000000000001ab70",
            "std::rt::lang_start_internal",
            "std::rt::lang_start::{{closure}}",
            "std::sys::backtrace::__rust_begin_short_backtrace",
            "std::panicking::try::do_call",
            "start_thread",
            "tokio::runtime::scheduler::multi_thread::worker::run",
        ] {
            assert!(is_scaffolding(s, 1.0), "{s}");
        }
        for s in ["hotspots::main", "hotspots::heavy", "malloc", "core::ptr::drop_in_place<T>", "mainly"] {
            assert!(!is_scaffolding(s, 1.0), "{s}");
        }
        assert!(!is_scaffolding("0x000000000001ab70", 0.01), "an unnamed function is not the entry");
    }
}
