//! The rules that name a cause, each from evidence both sides show:
//!
//! - `no-longer-inlined`: code that ran inlined into a function on BASE
//!   runs behind a call on NEW (the function itself out of line, or a new
//!   out-of-line function holding its code, such as a `dyn Fn` closure),
//!   and that group of functions runs more instructions;
//! - `allocations`: a top function calls the allocator more often;
//! - `copies`: a top function calls `memcpy`/`memmove` more often;
//! - `bounds-check`: a call to `panic_bounds_check` appeared in a top
//!   function's code;
//! - `vectorisation`: a top function's instructions were largely packed
//!   SIMD on BASE and are no longer.
//!
//! A change with no such evidence (more work through the same code) gets
//! no finding: the ranking says where it went.

use std::collections::BTreeSet;

use fastware_report::units::count;
use serde::{Deserialize, Serialize};

use crate::analysis::{Events, Read, Sides};
use crate::code::{call_sites, CallSite, Listings};
use crate::report::{Detail, FunctionRow};

/// One cause, with the figures that show it and how to test a fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// `no-longer-inlined`, `allocations`, `copies`, `bounds-check`, `vectorisation`.
    pub rule: String,
    /// The function it is about.
    pub function: String,
    pub title: String,
    pub evidence: Vec<String>,
    /// What can make it so, where the evidence shows it.
    pub why: Vec<String>,
    pub suggestion: String,
    pub test: String,
    /// The figures, for JSON readers.
    pub figures: Figures,
}

/// A finding's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Calls on NEW that BASE did not make (no-longer-inlined), or calls to
    /// the allocator or `memcpy` (base, new).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<(u64, u64)>,
    /// Where NEW makes those calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_sites: Vec<CallSite>,
    /// The instructions and writes of the functions involved (base, new).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<(u64, u64)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<(u64, u64)>,
    /// The functions it ran inlined into on BASE.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inlined_into: Vec<String>,
    /// The out-of-line function NEW calls instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub called: Option<String>,
}

fn ratio(base: u64, new: u64) -> String {
    if base == 0 {
        format!("{} (from 0)", count(new))
    } else {
        let r = new as f64 / base as f64;
        if r >= 2.0 {
            format!("×{r:.1}")
        } else {
            format!("{:+.1}%", (r - 1.0) * 100.0)
        }
    }
}

/// The events of a set of functions on one side.
fn of(side: &std::collections::BTreeMap<String, crate::analysis::Attributed>, names: &BTreeSet<String>) -> Events {
    let mut e = Events::default();
    for n in names {
        if let Some(a) = side.get(n) {
            e.add(a.own);
        }
    }
    e
}

fn crate_of(name: &str) -> &str {
    let n = name.trim_start_matches('<');
    n.split("::").next().unwrap_or(n)
}

fn test_line(s: &Sides) -> String {
    let label = s.new.side.commit.as_deref().map_or(s.new.side.label.as_str(), |c| &c[..c.len().min(12)]);
    format!("fastware explain {label} <your fix> --run '{}'", s.command)
}

/// Every finding, strongest first.
pub(crate) fn find(
    s: &Sides,
    rows: &[FunctionRow],
    details: &[Detail],
    new_listings: &mut Listings<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for r in rows.iter().take(details.len().max(5)) {
        if let Some(f) = no_longer_inlined(s, r, new_listings, &mut seen) {
            out.push(f);
        }
    }
    for (r, d) in rows.iter().zip(details) {
        if r.instructions_change <= 0 {
            continue;
        }
        out.extend(more_calls(
            s,
            r,
            &["__rust_alloc", "__rust_alloc_zeroed", "__rust_realloc", "__rdl_alloc", "malloc", "calloc", "realloc"],
            "allocations",
        ));
        out.extend(more_calls(
            s,
            r,
            &["memcpy", "memmove", "__memcpy_avx_unaligned_erms", "__memmove_avx_unaligned_erms"],
            "copies",
        ));
        if let Some(c) = &d.code {
            if c.calls_appeared.iter().any(|t| t.contains("panic_bounds_check")) {
                out.push(Finding {
                    rule: "bounds-check".into(),
                    function: r.function.clone(),
                    title: format!("a bounds check appeared in `{}`: its code now calls panic_bounds_check", r.function),
                    evidence: vec![format!(
                        "{} runs {} instructions (was {})",
                        r.function,
                        count(r.new.own.instructions),
                        count(r.base.own.instructions)
                    )],
                    why: vec!["an index the compiler can no longer prove in bounds (a length it does not see, an index computed differently)".into()],
                    suggestion: "iterate (`iter()`, `zip`, `chunks_exact`) or slice once before the loop (`let s = &v[..n];`) so that the check leaves the loop".into(),
                    test: test_line(s),
                    figures: Figures::default(),
                });
            }
        }
        if d.base_simd_share >= 0.10 && d.new_simd_share < d.base_simd_share / 2.0 {
            out.push(Finding {
                rule: "vectorisation".into(),
                function: r.function.clone(),
                title: format!(
                    "`{}` is no longer vectorised: packed SIMD was {:.0}% of what it ran, now {:.0}%",
                    r.function,
                    d.base_simd_share * 100.0,
                    d.new_simd_share * 100.0
                ),
                evidence: vec![format!(
                    "{} instructions → {}",
                    count(r.base.own.instructions),
                    count(r.new.own.instructions)
                )],
                why: vec!["a loop LLVM no longer vectorises: a bound or stride it cannot see, an early exit, a float reduction (order matters), aliasing it cannot rule out".into()],
                suggestion: "compare the loop on both sides with `fastware diff BASE NEW <function>`; iterators over slices of known length vectorise best".into(),
                test: test_line(s),
                figures: Figures::default(),
            });
        }
    }
    out
}

/// Calls from `r`'s code to any of `callees`, on a side.
fn calls_to(side: &Read, function: &str, callees: &[&str]) -> u64 {
    side.calls
        .iter()
        .filter(|c| {
            c.caller == function && callees.iter().any(|n| c.callee == *n || c.callee.ends_with(&format!("::{n}")))
        })
        .map(|c| c.count)
        .sum()
}

fn more_calls(s: &Sides, r: &FunctionRow, callees: &[&str], rule: &str) -> Option<Finding> {
    let (b, n) = (calls_to(&s.base, &r.function, callees), calls_to(&s.new, &r.function, callees));
    if n < b + 100 || (n as f64) < b as f64 * 1.1 {
        return None;
    }
    let (what, why, fix) = if rule == "allocations" {
        (
            "allocates",
            "a new `Vec`, `String` or `Box` per call, a collection that grows instead of being reused, a clone",
            "reuse a buffer across calls (`clear()` keeps the capacity), `Vec::with_capacity`, borrow instead of clone",
        )
    } else {
        (
            "copies memory",
            "a large value moved or returned by value, a clone of a buffer",
            "pass by reference, return into a `&mut` out-parameter, avoid the clone",
        )
    };
    Some(Finding {
        rule: rule.into(),
        function: r.function.clone(),
        title: format!("`{}` {what} more: {} calls, was {}", r.function, count(n), count(b)),
        evidence: vec![format!("calls to {}: {} → {} ({})", callees[0], count(b), count(n), ratio(b, n))],
        why: vec![why.into()],
        suggestion: fix.into(),
        test: test_line(s),
        figures: Figures { calls: Some((b, n)), ..Figures::default() },
    })
}

/// Code inlined into a function on BASE that NEW reaches through a call:
/// the function itself out of line, or a new out-of-line function (a
/// closure, a shim) that holds it.
/// Code that ran inlined on BASE and runs behind a call on NEW: the
/// function NEW calls, the function whose code it runs (the same one, or
/// one inlined into a new out-of-line function such as a `dyn Fn`
/// closure), and where that code ran on BASE.
pub(crate) struct Boundary {
    pub called: String,
    pub runs: String,
    pub hosts: BTreeSet<String>,
}

impl Boundary {
    /// The functions involved: the one called, the one it runs, the hosts.
    pub fn group(&self) -> BTreeSet<String> {
        let mut g = self.hosts.clone();
        g.insert(self.called.clone());
        g.insert(self.runs.clone());
        g
    }
}

pub(crate) fn boundary(s: &Sides, r: &FunctionRow) -> Option<Boundary> {
    let name = &r.function;
    let (called, runs) = if r.base.status == "inlined" && r.new.status == "out of line" && r.new.calls > 0 {
        (name.clone(), name.clone())
    } else if r.base.status == "not run" && r.new.status == "out of line" && r.new.calls > 0 {
        // a new function: whose inlined code does it run that BASE ran elsewhere?
        let held = s.new_fns.get(name)?;
        let mut weight: std::collections::BTreeMap<&str, u64> = Default::default();
        for &i in &held.points {
            let p = &s.new.points[i];
            if let Some(first) = p.chain.first() {
                *weight.entry(first.as_str()).or_default() += p.events.instructions;
            }
        }
        let (inner, _) = weight.into_iter().filter(|(k, _)| s.base_hosts.contains_key(*k)).max_by_key(|(_, w)| *w)?;
        (name.clone(), inner.to_string())
    } else {
        return None;
    };
    let hosts: BTreeSet<String> =
        s.base_hosts.get(&runs).map(|h| h.iter().filter(|x| **x != runs).cloned().collect()).unwrap_or_default();
    (!hosts.is_empty()).then_some(Boundary { called, runs, hosts })
}

/// The instructions of a boundary's functions, (base, new).
pub(crate) fn group_events(s: &Sides, b: &Boundary) -> (Events, Events) {
    let g = b.group();
    (of(&s.base_fns, &g), of(&s.new_fns, &g))
}

fn no_longer_inlined(
    s: &Sides,
    r: &FunctionRow,
    listings: &mut Listings<'_>,
    seen: &mut BTreeSet<String>,
) -> Option<Finding> {
    let bd = boundary(s, r)?;
    if !seen.insert(bd.runs.clone()) {
        return None;
    }
    let (b, n) = group_events(s, &bd);
    if n.instructions <= b.instructions {
        return None;
    }
    let group = bd.group();
    let Boundary { called, runs, hosts } = bd;
    let sites: Vec<CallSite> = call_sites(&s.new, listings, &called);
    let calls: u64 = sites.iter().map(|c| c.calls).sum();
    let indirect = sites.iter().any(|c| c.indirect);
    let hosts_text = hosts.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ");
    let callers: BTreeSet<&str> = sites.iter().map(|c| c.caller.as_str()).collect();
    let title = if called == runs {
        format!(
            "`{runs}` is no longer inlined into {hosts_text}: NEW calls it {} times from {}",
            count(calls),
            call_site_count(sites.len())
        )
    } else {
        format!(
            "`{runs}` is no longer inlined into {hosts_text}: on NEW it runs inside `{called}`, called {} times from {}",
            count(calls),
            call_site_count(sites.len())
        )
    };
    let names = group.iter().map(|g| short(g)).collect::<Vec<_>>().join("+");
    let mut evidence = vec![format!(
        "{names} run {} instructions ({}) and {} stores ({}); reads {}",
        count(n.instructions),
        ratio(b.instructions, n.instructions),
        count(n.writes),
        ratio(b.writes, n.writes),
        ratio(b.reads, n.reads)
    )];
    for c in sites.iter().take(3) {
        evidence.push(format!(
            "call site in {}{}: {}{}",
            c.caller,
            c.address.map(|a| format!(" at {a:#x}")).unwrap_or_default(),
            c.instruction.as_deref().unwrap_or("(instruction not found)"),
            if c.indirect { " — through a register" } else { "" }
        ));
    }
    let size = s.new.sizes.get(&called).copied().unwrap_or(0);
    if size > 0 {
        evidence.push(format!("`{called}` is {} bytes on NEW", count(size)));
    }
    let mut why = Vec::new();
    if indirect {
        why.push("the call goes through a register (a `Box<dyn Fn>`, `&dyn Trait` or function pointer): LLVM cannot inline what it cannot see".into());
    }
    let caller_crates: BTreeSet<&str> = callers.iter().map(|c| crate_of(c)).collect();
    if !indirect && !caller_crates.is_empty() && !caller_crates.contains(crate_of(&called)) {
        why.push(format!(
            "a crate boundary: `{called}` is in another crate than its callers; without `#[inline]` (or LTO) a non-generic function is not inlined across crates"
        ));
    }
    if size >= 1000 {
        why.push(format!("its size ({} bytes) is past what LLVM inlines by itself", count(size)));
    }
    if why.is_empty() {
        why.push("LLVM chose not to: a size threshold, caller and callee in different codegen units, or an `#[inline(never)]`".into());
    }
    let suggestion = if indirect {
        format!("make the call static: take the function as a generic (`impl Fn(…)` / `F: Fn(…)`) instead of a `dyn`, so that `{runs}` can be inlined again")
    } else {
        format!("`#[inline]` on `{runs}` (or `#[inline(always)]` where one call site runs it this often)")
    };
    Some(Finding {
        rule: "no-longer-inlined".into(),
        function: runs.clone(),
        title,
        evidence,
        why,
        suggestion,
        test: test_line(s),
        figures: Figures {
            calls: Some((0, calls)),
            call_sites: sites.clone(),
            instructions: Some((b.instructions, n.instructions)),
            writes: Some((b.writes, n.writes)),
            inlined_into: hosts.into_iter().collect(),
            called: Some(called),
        },
    })
}

fn call_site_count(n: usize) -> String {
    if n == 1 {
        "1 call site".into()
    } else {
        format!("{n} call sites")
    }
}

/// The last two segments of a path (`raytrace::cast` → `cast`, closures
/// kept whole enough to tell).
fn short(name: &str) -> &str {
    let base = name.split('<').next().unwrap_or(name);
    match base.rfind("::") {
        Some(i) if !base[i + 2..].starts_with('{') => &name[i + 2..],
        _ => name,
    }
}
