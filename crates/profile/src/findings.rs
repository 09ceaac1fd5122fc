//! Run-time findings: what to change, from the profile's own figures, in
//! the shape of `build`'s (rule, the figures, what to try, why, how to test
//! it). Every threshold is in [`thresholds`] and in the README's table.
//!
//! A family of functions (the allocator, SipHash, `memcpy`, drop glue,
//! `core::fmt`, writes, locks) is measured as the cost under it, each stack
//! counted once: with stacks (perf) the weight of the stacks through any of
//! its functions; with callgrind's call graph, the inclusive cost of the
//! calls made into the family from outside it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use fastware_binary::Flow;
use fastware_report::units::count;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::annotate::{symbol_of, Modules};
use crate::model::Profile;
use crate::usercode::{own_cost, User};
use crate::views::{key, By};

/// The thresholds of every rule, in one place (the README's table shows them).
pub mod thresholds {
    /// A profile with fewer samples judges nothing (perf; callgrind counts exactly).
    pub const MIN_SAMPLES: u64 = 100;
    /// `allocator`: share of all cost under malloc/free/realloc/`__rust_alloc`….
    pub const ALLOCATOR: f64 = 0.10;
    /// `hashing`: share under SipHash.
    pub const HASHING: f64 = 0.05;
    /// `memcpy`: share under memcpy/memmove.
    pub const MEMCPY: f64 = 0.05;
    /// `drop`: share under drop glue.
    pub const DROP: f64 = 0.05;
    /// `formatting`: share under `core::fmt`.
    pub const FORMATTING: f64 = 0.05;
    /// `io`: calls to write(2) (callgrind counts calls) …
    pub const IO_WRITES: u64 = 1_000;
    /// … or the share under writes (perf).
    pub const IO_SHARE: f64 = 0.10;
    /// `locking`: share under mutex/futex code.
    pub const LOCKING: f64 = 0.05;
    /// `not-inlined`: a callee at most this many bytes …
    pub const SMALL_BYTES: u64 = 64;
    /// … called at least this many times from one caller …
    pub const MANY_CALLS: u64 = 10_000;
    /// … whose calls take at least this share.
    pub const NOT_INLINED_SHARE: f64 = 0.02;
    /// `bounds-check`: the function whose code is checked holds at least this share.
    pub const HOT_FUNCTION: f64 = 0.25;
    /// `debug-build`: share in core's helpers that an optimised build inlines.
    pub const DEBUG_HELPERS: f64 = 0.02;
    /// `pgo`: no function above this share …
    pub const PGO_FLAT: f64 = 0.10;
    /// … and at least this many functions above [`PGO_EACH`] each.
    pub const PGO_SPREAD: usize = 10;
    pub const PGO_EACH: f64 = 0.01;
}

pub use fastware_report::finding::{Evidence, Finding};

/// The cost under one family of functions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub cost: u64,
    pub share: f64,
    /// The family's functions entered from outside it, most cost first.
    pub entries: Vec<(String, u64)>,
    /// The functions outside it that enter it, most cost first.
    pub callers: Vec<(String, u64)>,
    /// Calls made into it (callgrind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<u64>,
    /// Every function of the profile counted in the family, by name.
    #[serde(default)]
    pub members: Vec<String>,
}

/// What the rules looked at: the families' shares, and what they found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Findings {
    /// By family: `allocator`, `hashing`, `memcpy`, `drop`, `formatting`, `io`, `locking`.
    pub shares: std::collections::BTreeMap<String, Share>,
    pub findings: Vec<Finding>,
    /// Why there are no findings, when the profile cannot support them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn family(pattern: &str) -> Regex {
    Regex::new(&format!("^(?:{pattern})(?:@.*)?$")).expect("family pattern")
}

static FAMILIES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    vec![
        (
            "allocator",
            family(concat!(
                r"malloc|free|realloc|calloc|cfree|_int_malloc|_int_free.*|_int_realloc|malloc_consolidate|sysmalloc",
                r"|unlink_chunk.*|tcache_.*|__libc_(?:malloc|free|realloc|calloc)|__malloc_.*|__GI___libc_(?:malloc|free|realloc)",
                r"|(?:__rustc::)?__rust_(?:alloc|dealloc|realloc|alloc_zeroed|no_alloc_shim_is_unstable.*)",
                r"|(?:__rustc::)?__rdl_(?:alloc|dealloc|realloc|alloc_zeroed)|(?:__rustc::)?__rg_(?:alloc|dealloc|realloc|alloc_zeroed)",
                r"|alloc::alloc::.*|alloc::raw_vec::.*",
                r"|<alloc::alloc::Global as core::alloc::Allocator>::.*|mi_.*|_rjem_.*|je_.*"
            )),
        ),
        ("hashing", family(r".*core::hash::sip::.*|.*std::hash::random::DefaultHasher.*|.*SipHasher.*")),
        ("memcpy", family(r"memcpy|memmove|mempcpy|__memcpy.*|__memmove.*|__mempcpy.*|__GI_memcpy|__GI_memmove")),
        ("drop", family(r"core::ptr::drop_in_place.*")),
        ("formatting", family(r"core::fmt::.*|alloc::fmt::.*|<.* as core::fmt::[A-Za-z]+>::fmt|.*core::fmt::write.*")),
        (
            "io",
            family(concat!(
                r"write|writev|__write|__libc_write|__GI___libc_write|__GI___writev",
                r"|std::io::buffered::linewritershim::.*|<std::io::buffered::linewritershim::.*",
                r"|<std::io::stdio::Stdout(?:Lock|Raw)? as std::io::Write>::write.*"
            )),
        ),
        (
            "locking",
            family(concat!(
                r"pthread_mutex_(?:lock|unlock|trylock)|__pthread_mutex_(?:lock|unlock).*|__lll_lock_wait.*|__lll_lock_wake.*",
                // DWARF names a method `<std::sys::sync::mutex::futex::Mutex>::spin`
                r"|<?std::sys::sync::(?:mutex|rwlock|condvar)::.*|<?std::sys::pal::unix::futex::.*|<?std::sys::pal::unix::locks::.*",
                r"|<?std::sync::(?:mutex|poison|rwlock)::.*|<?parking_lot::.*|<?parking_lot_core::.*|<?lock_api::.*"
            )),
        ),
    ]
});

/// The write(2) wrappers: calls to them are writes that reached the kernel.
static WRITE_CALLS: LazyLock<Regex> =
    LazyLock::new(|| family(r"write|writev|__write|__libc_write|__GI___libc_write|__GI___writev"));

/// core's small helpers an optimised build always inlines: out of line and
/// hot only in a build without optimisation.
static DEBUG_HELPERS: LazyLock<Regex> = LazyLock::new(|| {
    family(concat!(
        r"core::num::.*|core::iter::range::.*|<core::ops::range::Range<.*> as core::iter::.*>::next",
        r"|core::ptr::(?:mut_ptr|const_ptr)::.*|core::cmp::impls::.*|core::slice::index::.*|<usize as core::slice::index::.*",
        r"|core::ops::arith::.*|<[a-z0-9]+ as core::ops::arith::.*|core::intrinsics::.*|core::ub_checks::.*"
    ))
});

/// The share of `p` under the functions whose name `re` matches.
pub fn share(p: &Profile, re: &Regex) -> Share {
    let member: Vec<bool> = p.functions.iter().map(|f| re.is_match(&f.name)).collect();
    let mut entries: HashMap<u32, u64> = HashMap::new();
    let mut callers: HashMap<u32, u64> = HashMap::new();
    let mut cost = 0u64;
    let mut calls = None;
    match &p.stacks {
        Some(stacks) => {
            for s in stacks {
                // root first: the outermost frame of the family
                if let Some(k) = s.frames.iter().position(|&f| member[f as usize]) {
                    cost += s.weight;
                    *entries.entry(s.frames[k]).or_default() += s.weight;
                    if k > 0 {
                        *callers.entry(s.frames[k - 1]).or_default() += s.weight;
                    }
                }
            }
        }
        None => {
            for (&(caller, callee), &c) in &p.edges {
                if member[callee as usize] && !member[caller as usize] {
                    cost += c;
                    *entries.entry(callee).or_default() += c;
                    *callers.entry(caller).or_default() += c;
                }
            }
            let mut n = 0u64;
            for (&(caller, _, callee), &c) in &p.call_counts {
                if member[callee as usize] && !member[caller as usize] {
                    n += c;
                }
            }
            calls = Some(n);
        }
    }
    let named = |m: HashMap<u32, u64>| -> Vec<(String, u64)> {
        let mut grouped: HashMap<String, u64> = HashMap::new();
        for (f, c) in m {
            *grouped.entry(key(&p.functions[f as usize], By::Instance)).or_default() += c;
        }
        let mut v: Vec<(String, u64)> = grouped.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(5);
        v
    };
    let members: std::collections::BTreeSet<String> =
        (0..p.functions.len()).filter(|&f| member[f]).map(|f| p.functions[f].name.clone()).collect();
    Share {
        cost,
        share: cost as f64 / p.total.max(1) as f64,
        entries: named(entries),
        callers: named(callers),
        calls,
        members: members.into_iter().collect(),
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn names(list: &[(String, u64)], n: usize) -> String {
    list.iter().take(n).map(|(f, _)| format!("`{f}`")).collect::<Vec<_>>().join(", ")
}

/// The findings of `p`; the machine code is read through `modules`.
pub fn find(p: &Profile, user: &User, modules: &mut Modules) -> Findings {
    use thresholds as t;
    let mut out = Findings::default();
    {
        // each family's names matched on its own core (a regex over every
        // function name, eight times)
        use rayon::prelude::*;
        out.shares = FAMILIES.par_iter().map(|(name, re)| ((*name).to_string(), share(p, re))).collect();
    }
    if p.meta.tool == "perf" && p.total < t::MIN_SAMPLES {
        out.note = Some(format!(
            "{} samples: findings need at least {} (profile a longer run, or a bigger input)",
            p.total,
            t::MIN_SAMPLES
        ));
        return out;
    }
    let shares = out.shares.clone();
    let share_evidence = |family: &str, what: &str| Evidence {
        what: what.to_string(),
        value: shares[family].share,
        unit: "share".into(),
        pointer: Some(format!("/findings/shares/{family}/share")),
    };
    let test_profile = "test it: `fastware profile --save before`, change, `fastware profile --save after`, `fastware profile diff before after` (or `fastware explain BASE NEW` between commits)";
    let mut found = Vec::new();
    let user = &user.mask;

    // debug-build
    let helpers = share(p, &DEBUG_HELPERS);
    // cargo puts the dev profile's binaries in `<target>/debug/` (and `debug/deps/`)
    let debug_path = p.meta.binary.as_deref().is_some_and(|b| {
        let dir = Path::new(b).parent();
        let named = |d: Option<&Path>, n: &str| d.and_then(Path::file_name).is_some_and(|x| x == n);
        named(dir, "debug") || (named(dir, "deps") && named(dir.and_then(Path::parent), "debug"))
    });
    if helpers.share >= t::DEBUG_HELPERS || debug_path {
        let mut evidence = vec![Evidence {
            what: "under core's helpers an optimised build inlines (out of line here)".into(),
            value: helpers.share,
            unit: "share".into(),
            pointer: None,
        }];
        if debug_path {
            evidence.push(Evidence {
                what: format!("the binary is cargo's dev profile: {}", p.meta.binary.as_deref().unwrap_or("")),
                value: 1.0,
                unit: "flag".into(),
                pointer: Some("/header/binary".into()),
            });
        }
        found.push(Finding {
            rule: "debug-build".into(),
            title: format!(
                "the profiled binary was built without optimisation: {} of the time is in core's helpers ({}) that a release build inlines",
                pct(helpers.share),
                names(&helpers.entries, 2)
            ),
            evidence,
            change: "profile the release profile: `fastware profile` builds it by default; with cargo, `cargo build --release` (set `debug = \"line-tables-only\"` in [profile.release] for lines)".into(),
            why: "a dev build runs every iterator, arithmetic and pointer helper as a call, with debug assertions: its profile shows costs an optimised build does not have".into(),
            test: "test it: `fastware profile` (release) and compare the top functions".into(),
        });
    }

    // the families
    let rules: [(&str, f64, &str, &str, &str); 5] = [
        (
            "allocator",
            t::ALLOCATOR,
            "the allocator",
            "allocate less in the hot code: `Vec::with_capacity`/`String::with_capacity`, reuse buffers (`clear()` instead of a new one), `&str`/slices instead of owned copies, `SmallVec`/arrays for small sizes; the sites: `fastware heap`",
            "every allocation and free runs the allocator's bookkeeping; short-lived ones are pure overhead",
        ),
        (
            "hashing",
            t::HASHING,
            "SipHash (std's default hasher)",
            "a faster hasher for keys no attacker chooses: `rustc-hash` (FxHashMap), `foldhash` or `ahash` (`HashMap::with_hasher`)",
            "SipHash-1-3 resists hash flooding at several times the cost of the fast hashers on short keys",
        ),
        (
            "memcpy",
            t::MEMCPY,
            "memcpy/memmove",
            "copy less: borrow instead of `clone()`, move large values once (box a large enum variant, `Box<[T]>`), `extend_from_slice` into a reused buffer",
            "large values moved or cloned in a loop become memcpy calls",
        ),
        (
            "drop",
            t::DROP,
            "drop glue",
            "drop less: reuse the values (clear and refill), keep them in an arena, or drop them off the hot path (`std::mem::forget` at exit, a drop thread)",
            "dropping a value with heap parts walks and frees each part",
        ),
        (
            "formatting",
            t::FORMATTING,
            "core::fmt",
            "no `format!`/`to_string()` in loops: `write!` into a reused `String`, `itoa`/`ryu` for numbers, write the pieces directly",
            "`core::fmt` goes through dynamic dispatch and padding logic for each argument",
        ),
    ];
    for (family, threshold, what, change, why) in rules {
        let s = &shares[family];
        if s.share < threshold || s.cost == 0 {
            continue;
        }
        let mut title = format!("{} of the time is under {what}", pct(s.share));
        if !s.callers.is_empty() {
            title += &format!(", entered most from {}", names(&s.callers, 2));
        }
        if family == "drop" {
            title += &format!("; dropped most: {}", names(&s.entries, 3));
        }
        let mut evidence = vec![share_evidence(family, &format!("of all cost under {what}"))];
        if let Some(n) = s.calls {
            evidence.push(Evidence {
                what: format!("calls into {what}"),
                value: n as f64,
                unit: "calls".into(),
                pointer: Some(format!("/findings/shares/{family}/calls")),
            });
        }
        let test = if family == "allocator" {
            "test it: `fastware heap --sort short-lived` shows the sites; then `fastware profile diff` before/after"
                .into()
        } else {
            test_profile.into()
        };
        found.push(Finding { rule: family.into(), title, evidence, change: change.into(), why: why.into(), test });
    }

    // io: many writes reaching the kernel
    let io = &shares["io"];
    let writes: Option<u64> = p.stacks.is_none().then(|| {
        p.call_counts
            .iter()
            .filter(|((_, _, callee), _)| WRITE_CALLS.is_match(&p.functions[*callee as usize].name))
            .map(|(_, c)| c)
            .sum()
    });
    if writes.is_some_and(|w| w >= t::IO_WRITES) || io.share >= t::IO_SHARE {
        let mut evidence = vec![share_evidence("io", "of all cost under writes")];
        if let Some(w) = writes {
            evidence.push(Evidence {
                what: "write(2) calls".into(),
                value: w as f64,
                unit: "calls".into(),
                pointer: None,
            });
        }
        found.push(Finding {
            rule: "io".into(),
            title: match writes {
                Some(w) => format!("{} writes reached the kernel (write(2) calls), from {}", count(w), names(&io.callers, 2)),
                None => format!("{} of the time is in writes, from {}", pct(io.share), names(&io.callers, 2)),
            },
            evidence,
            change: "lock stdout once and write through a `BufWriter` (`let mut out = BufWriter::new(stdout().lock())`), flush at the end".into(),
            why: "stdout is line-buffered (`LineWriter`): each line is its own write(2), a system call".into(),
            test: "test it: `strace -c -e write` before and after, or `fastware profile --callgrind` and this finding's count".into(),
        });
    }

    // locking
    let lock = &shares["locking"];
    if lock.share >= t::LOCKING {
        found.push(Finding {
            rule: "locking".into(),
            title: format!("{} of the time is in mutex/futex code, locked from {}", pct(lock.share), names(&lock.callers, 3)),
            evidence: vec![share_evidence("locking", "of all cost in lock code")],
            change: "hold locks for less (compute outside, lock to publish), shard the data (one lock per part), per-thread state merged at the end, or atomics/channels".into(),
            why: "a contended lock parks threads in the kernel and wakes them one at a time".into(),
            test: test_profile.into(),
        });
    }

    // not-inlined and bounds-check need the machine code
    let in_family: Vec<bool> = p
        .functions
        .iter()
        .map(|f| f.name.starts_with("__") || FAMILIES.iter().any(|(_, re)| re.is_match(&f.name)))
        .collect();
    let mut small: Vec<(u64, u64, usize, usize, u64)> = Vec::new(); // (calls, cost, caller, callee, bytes)
    let mut per_edge: HashMap<(u32, u32), u64> = HashMap::new();
    for (&(caller, _, callee), &c) in &p.call_counts {
        *per_edge.entry((caller, callee)).or_default() += c;
    }
    for (&(caller, callee), &calls) in &per_edge {
        let (ci, ce) = (caller as usize, callee as usize);
        if calls < t::MANY_CALLS || !(user[ci] || user[ce]) || in_family[ce] {
            continue;
        }
        let cost = p.edges.get(&(caller, callee)).copied().unwrap_or(0);
        if (cost as f64) < t::NOT_INLINED_SHARE * p.total as f64 {
            continue;
        }
        let Some(m) = p.functions[ce].module.as_deref() else { continue };
        modules.load(p, m);
        let Some((b, shift)) = modules.get(m) else { continue };
        if let Some(sym) = symbol_of(p, ce, b, shift).filter(|s| s.size > 0 && s.size <= t::SMALL_BYTES) {
            small.push((calls, cost, ci, ce, sym.size));
        }
    }
    small.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    if let Some(&(calls, cost, caller, callee, bytes)) = small.first() {
        let (callee_name, caller_name) =
            (key(&p.functions[callee], By::Function), key(&p.functions[caller], By::Function));
        found.push(Finding {
            rule: "not-inlined".into(),
            title: format!(
                "`{callee_name}` ({bytes} bytes) is called {} times from `{caller_name}` and not inlined there: the calls take {}",
                count(calls),
                pct(cost as f64 / p.total.max(1) as f64)
            ),
            evidence: vec![
                Evidence { what: "calls".into(), value: calls as f64, unit: "calls".into(), pointer: None },
                Evidence { what: "size of the callee".into(), value: bytes as f64, unit: "bytes".into(), pointer: None },
                Evidence {
                    what: "share under the calls".into(),
                    value: cost as f64 / p.total.max(1) as f64,
                    unit: "share".into(),
                    pointer: None,
                },
            ],
            change: format!("`#[inline]` on `{callee_name}` (needed across crates for a function that is not generic), or `lto = \"thin\"`/`codegen-units = 1` in [profile.release]"),
            why: "a call costs the saving of registers and the jump, and hides the callee's code from the caller's optimisation (constants, vectorisation)".into(),
            test: "test it: commit the change, then `fastware explain HEAD~1 HEAD --run '…'`".into(),
        });
    }

    // bounds-check: the hottest function's code calls panic_bounds_check
    let mut hot: Vec<usize> = (0..p.functions.len())
        .filter(|&f| !p.functions[f].inlined && p.functions[f].module.is_some() && user[f])
        .collect();
    let own = |f: usize| own_cost(p, f);
    hot.sort_by_key(|&f| std::cmp::Reverse(own(f)));
    if let Some(&f) = hot.first().filter(|&&f| own(f) as f64 >= t::HOT_FUNCTION * p.total as f64) {
        let m = p.functions[f].module.as_deref().expect("filtered");
        modules.load(p, m);
        if let Some((b, shift)) = modules.get(m) {
            if let Some(sym) = symbol_of(p, f, b, shift) {
                let listing =
                    b.listing(sym, fastware_binary::Syntax::Intel, fastware_binary::listing::Labels::Addresses, None);
                let checks = listing
                    .lines
                    .iter()
                    .filter(|l| {
                        matches!(l.insn.flow, Flow::Call | Flow::IndirectCall | Flow::Jump | Flow::ConditionalJump)
                    })
                    .filter(|l| {
                        // a direct call, or one through the GOT (a symbol either way)
                        l.target
                            .as_ref()
                            .and_then(|t| t.symbol.as_ref())
                            .is_some_and(|(raw, _)| raw.contains("panic_bounds_check"))
                            || fastware_binary::diff::line_text(l).contains("panic_bounds_check")
                    })
                    .count();
                if checks > 0 {
                    let name = key(&p.functions[f], By::Function);
                    let share = own(f) as f64 / p.total.max(1) as f64;
                    found.push(Finding {
                        rule: "bounds-check".into(),
                        title: format!(
                            "the hottest function `{name}` ({} of the time) checks bounds: its code calls panic_bounds_check from {checks} place{}",
                            pct(share),
                            if checks == 1 { "" } else { "s" }
                        ),
                        evidence: vec![
                            Evidence { what: "share in the function".into(), value: share, unit: "share".into(), pointer: Some("/user_code/functions/0/self_share".into()) },
                            Evidence { what: "calls to panic_bounds_check in its code".into(), value: checks as f64, unit: "calls".into(), pointer: None },
                        ],
                        change: "iterate instead of indexing (`iter()`, `zip`), `chunks_exact`, or assert the length once before the loop (`assert!(i < v.len())` / slice to the length) so LLVM can drop the checks".into(),
                        why: "each check is a compare and a branch in the loop, and it can stop the loop from being vectorised".into(),
                        test: format!("test it: `fastware asm {name}` shows whether the call is gone; `fastware explain HEAD~1 HEAD` measures it"),
                    });
                }
            }
        }
    }

    // pgo: a flat profile
    let mut selfs: Vec<u64> = p.self_cost.clone();
    selfs.sort_unstable_by(|a, b| b.cmp(a));
    let all = p.total.max(1) as f64;
    let top_share = selfs.first().map_or(0.0, |&c| c as f64 / all);
    let spread = selfs.iter().filter(|&&c| c as f64 >= t::PGO_EACH * all).count();
    if top_share < t::PGO_FLAT && spread >= t::PGO_SPREAD {
        found.push(Finding {
            rule: "pgo".into(),
            title: format!(
                "the time is spread evenly: no function above {}, {spread} functions above {} each",
                pct(top_share),
                pct(t::PGO_EACH)
            ),
            evidence: vec![
                Evidence { what: "the largest function's share".into(), value: top_share, unit: "share".into(), pointer: Some("/by_self/0/self_share".into()) },
                Evidence { what: "functions above 1% each".into(), value: spread as f64, unit: "functions".into(), pointer: None },
            ],
            change: "profile-guided optimisation: it lays out and inlines for the paths the program really takes".into(),
            why: "a flat profile has no one hot spot to fix by hand; PGO improves branch layout and inlining across all of it (typically 5-15%)".into(),
            test: "test it: `fastware pgo -- <a representative run>`".into(),
        });
    }
    out.findings = found;
    out
}
