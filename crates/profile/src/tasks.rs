//! CPU per async task, from the samples alone: an executor's poll loop
//! buries an async program's code under its own frames (tokio's worker,
//! scheduler and task harness). For each sample that ran inside an
//! executor, the future it was polling is, going from the root:
//!
//! 1. the type tokio's task harness names: `T` of `poll_future<T, S>` and
//!    `poll_inner<T, S>` (inlined frames, named by the debug info with
//!    their generic arguments), or of `Harness<T, S>::poll`, `raw::poll<T,
//!    S>`, `Core<T, S>::poll` (v0 symbol names) — `BlockingTask<F>` and
//!    `Instrumented<F>` unwrapped, the runtime's own tasks (a worker's
//!    loop) passed through: the async fn (`app::handler::{async_fn_env#0}`),
//!    async block or `spawn_blocking` closure the task runs;
//! 2. without such a frame (no debug info, legacy names, another
//!    executor): the first frame with a qualified name that is not the
//!    runtime's or plumbing (`Pin`, `catch_unwind`, mio, libc …).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::Profile;
use crate::views::{key, By};

/// Where an executor's own code starts, by name: (prefix, executor).
const EXECUTORS: [(&str, &str); 8] = [
    ("tokio::runtime::", "tokio"),
    ("async_executor::", "async-executor"),
    ("async_task::", "async-task"),
    ("futures_executor::", "futures-executor"),
    ("async_std::task::", "async-std"),
    ("smol::", "smol"),
    ("actix_rt::", "actix-rt"),
    ("glommio::", "glommio"),
];

/// Crates whose frames between the executor and the task's future are
/// plumbing: the runtime itself, the standard library's `Pin`, `poll_fn`
/// and `catch_unwind`, tracing's instrumented futures, futures'
/// combinators, and what the runtime parks and polls the OS with (C
/// libraries and the kernel too: a task's future is Rust code).
/// `__rustc` is the standard library's allocator shim
/// (`__rustc::__rust_alloc`): the runtime's own allocations land there.
const PLUMBING: [&str; 21] = [
    "tokio",
    "core",
    "std",
    "alloc",
    "__rustc",
    "tracing",
    "tracing_futures",
    "futures_util",
    "futures_core",
    "futures_executor",
    "futures_task",
    "async_executor",
    "async_task",
    "async_std",
    "smol",
    "actix_rt",
    "glommio",
    "mio",
    "parking_lot",
    "parking_lot_core",
    "crossbeam_utils",
];

/// One future and the cost of the samples that polled it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FutureRow {
    /// The future's poll frame, as the tables name functions.
    pub future: String,
    /// The async fn (or the function the async block or closure is in).
    pub within: String,
    /// Run by `spawn_blocking` on the blocking pool.
    #[serde(default)]
    pub blocking: bool,
    pub cost: u64,
    /// Of all cost.
    pub share: f64,
}

/// An async program's CPU by the future each task poll ran.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AsyncTasks {
    /// The executor seen (`tokio` …).
    pub executor: String,
    /// Cost of the samples inside the executor, and its share of all.
    pub cost: u64,
    pub share: f64,
    /// Most first.
    pub futures: Vec<FutureRow>,
    /// Inside the executor with no future below: its own scheduling and
    /// waking (a thread parked in the kernel costs no CPU samples).
    pub executor_own: u64,
    pub executor_own_share: f64,
    /// Why there are no futures (a profile without stacks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The executor a function's name belongs to.
fn executor_of(name: &str) -> Option<&'static str> {
    let name = name.trim_start_matches('<');
    EXECUTORS.iter().find(|(prefix, _)| name.starts_with(prefix)).map(|(_, e)| *e)
}

/// The function an async fn's state, an async block or a closure is in:
/// its name without the trailing `{{closure}}`, `{closure#0}`,
/// `{async_fn_env#0}`, `{async_block#1}`, `{closure_env#0}` segments.
pub fn within(name: &str) -> String {
    let mut s = name.trim_end_matches(" [inlined]");
    while let Some(rest) = s.strip_suffix("::{{closure}}").or_else(|| {
        let (head, tail) = s.rsplit_once("::")?;
        (tail.starts_with('{') && tail.ends_with('}') && !tail.starts_with("{impl")).then_some(head)
    }) {
        s = rest;
    }
    s.to_string()
}

/// What a future is, from its type's last segment: `async fn`, `async
/// block`, `closure` (a `spawn_blocking` closure, or a future's poll by a
/// legacy name), or `function` (any other frame standing for it).
pub fn kind(future: &str) -> &'static str {
    let last = future.rsplit("::").next().unwrap_or(future);
    if last.starts_with("{async_fn_env#") {
        "async fn"
    } else if last.starts_with("{async_block") {
        "async block"
    } else if last.starts_with("{closure") || last == "{{closure}}" {
        "closure"
    } else {
        "function"
    }
}

/// The harness frames whose first generic argument is the task's future.
const HARNESS: [&str; 5] = [
    "poll_future<",
    "poll_inner<",
    "tokio::runtime::task::harness::Harness<",
    "tokio::runtime::task::raw::poll<",
    "tokio::runtime::task::core::Core<",
];

/// The first generic argument of `args` (what follows an opening `<`).
fn first_argument(args: &str) -> Option<&str> {
    let mut depth = 0usize;
    for (i, c) in args.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' if depth > 0 => depth -= 1,
            ',' | '>' if depth == 0 => return Some(args[..i].trim()),
            _ => {}
        }
    }
    None
}

/// The future a task-poll frame names, wrappers taken off; `None` for
/// other frames and for legacy names, whose arguments are just `T`.
fn polled_future(name: &str) -> Option<(&str, bool)> {
    let n = name.trim_end_matches(" [inlined]").trim_start_matches('<');
    let open = HARNESS.iter().find_map(|h| n.starts_with(h).then_some(h.len()))?;
    let mut t = first_argument(&n[open..])?;
    let mut blocking = false;
    loop {
        if let Some(inner) = t.strip_prefix("tokio::runtime::blocking::task::BlockingTask<") {
            blocking = true;
            t = first_argument(inner)?;
        } else if let Some(inner) = t.strip_prefix("tracing::instrument::Instrumented<") {
            t = first_argument(inner)?;
        } else {
            break;
        }
    }
    // a type parameter (`T`), not a type
    (t.contains("::")).then_some((t, blocking))
}

/// What a stack inside an executor was polling.
pub struct Polled {
    pub executor: &'static str,
    /// The future (and whether it is a `spawn_blocking` closure); `None`
    /// in the executor's own code (scheduling, waking, parking).
    pub future: Option<(String, bool)>,
}

/// Names the future each stack polled, with what is known of the
/// profile's functions worked out once.
pub struct Futures<'p> {
    p: &'p Profile,
    executor_fn: Vec<Option<&'static str>>,
    plumbing: Vec<bool>,
    /// Per function: the future it names (tokio's harness).
    named: Vec<Option<(&'p str, bool)>>,
    /// A path, not an inlined frame's bare name (`run<…::Schedule>`).
    qualified: Vec<bool>,
    /// An executor's or async plumbing's (not the standard library's).
    runtime: Vec<bool>,
    /// Some function is tokio's harness naming a future.
    harness_named: bool,
}

impl<'p> Futures<'p> {
    pub fn new(p: &'p Profile) -> Futures<'p> {
        let named: Vec<Option<(&str, bool)>> = p.functions.iter().map(|f| polled_future(&f.name)).collect();
        Futures {
            p,
            executor_fn: p.functions.iter().map(|f| executor_of(&f.name)).collect(),
            plumbing: p.functions.iter().map(is_plumbing).collect(),
            harness_named: named.iter().any(Option::is_some),
            named,
            qualified: p
                .functions
                .iter()
                .map(|f| f.name.trim_start_matches('<').split('<').next().is_some_and(|head| head.contains("::")))
                .collect(),
            runtime: p
                .functions
                .iter()
                .map(|f| {
                    let c = key(f, By::Crate);
                    PLUMBING.contains(&c.as_str()) && !matches!(c.as_str(), "std" | "core" | "alloc" | "__rustc")
                })
                .collect(),
        }
    }

    /// Whether a function is named by a path (not an inlined frame's bare name).
    pub fn qualified(&self, f: u32) -> bool {
        self.qualified[f as usize]
    }

    /// Whether a function is an executor's or async plumbing's (tokio,
    /// tracing, futures, mio …), not the standard library's.
    pub fn runtime(&self, f: u32) -> bool {
        self.runtime[f as usize] && self.qualified[f as usize]
    }

    /// Whether a function is the user's code: not plumbing (the
    /// runtime's, the standard library's, a C library's, the kernel's),
    /// and named by a path (an inlined frame's bare name, `select` or
    /// `{async_block#0}`, says no crate).
    pub fn user_code(&self, f: u32) -> bool {
        !self.plumbing[f as usize] && self.qualified[f as usize]
    }

    /// Whether the stack (root first) is inside a task's poll. For tokio:
    /// its task harness entered below the scheduler's last frame (a
    /// worker's own loop is a task too: its harness lies above the
    /// scheduler, its parking below; `block_on`'s future is polled without
    /// the harness). For other executors: a future named.
    pub fn in_task_poll(&self, frames: &[u32]) -> bool {
        let Some(polled) = self.of(frames) else { return false };
        if polled.executor != "tokio" {
            return polled.future.is_some();
        }
        let name = |f: &u32| self.p.functions[*f as usize].name.trim_start_matches('<');
        let scheduler = frames.iter().rposition(|f| name(f).starts_with("tokio::runtime::scheduler::"));
        scheduler.is_some_and(|k| frames[k..].iter().any(|f| HARNESS.iter().any(|h| name(f).starts_with(h))))
    }

    /// What the stack (root first) polled; `None` outside an executor.
    pub fn of(&self, frames: &[u32]) -> Option<Polled> {
        let entry = frames.iter().position(|&f| self.executor_fn[f as usize].is_some())?;
        let executor = self.executor_fn[frames[entry] as usize]?;
        let below = &frames[entry..];
        let by_harness = below.iter().find_map(|&f| {
            self.named[f as usize]
                .filter(|(t, _)| !PLUMBING.iter().any(|c| t.strip_prefix(c).is_some_and(|r| r.starts_with("::"))))
        });
        let future = by_harness.map(|(t, blocking)| (t.to_string(), blocking)).or_else(|| {
            // tokio's harness names every task's future where the debug
            // info names it at all: a stack without it is the runtime's own
            if executor == "tokio" && self.harness_named {
                return None;
            }
            let f = below.iter().find(|&&f| !self.plumbing[f as usize] && self.qualified[f as usize])?;
            Some((key(&self.p.functions[*f as usize], By::Function), false))
        });
        Some(Polled { executor, future })
    }
}

/// Whether a function is the runtime's, the standard library's, a C
/// library's or the kernel's.
fn is_plumbing(f: &crate::model::Function) -> bool {
    let c = key(f, By::Crate);
    let module = f.module_name().unwrap_or("");
    PLUMBING.contains(&c.as_str())
        || c.starts_with('(')
        || f.name.starts_with('[')
        || module == "[kernel]"
        || module.contains(".so")
}

/// CPU by future, when the profile ran an executor (`None` otherwise).
/// From stacks (perf); a profile without them (callgrind's call graph)
/// says so in `note`.
pub fn by_future(p: &Profile, top: usize) -> Option<AsyncTasks> {
    let executor_fn: Vec<Option<&'static str>> = p.functions.iter().map(|f| executor_of(&f.name)).collect();
    let seen = executor_fn.iter().flatten().next()?;
    let all = p.total.max(1) as f64;
    let Some(stacks) = &p.stacks else {
        let cost = (0..p.functions.len()).filter(|&f| executor_fn[f].is_some()).map(|f| p.total_cost[f]).max();
        // inclusive costs count recursion at each level: at most everything
        let cost = cost.unwrap_or(0).min(p.total);
        return Some(AsyncTasks {
            executor: seen.to_string(),
            cost,
            share: cost as f64 / all,
            futures: Vec::new(),
            executor_own: 0,
            executor_own_share: 0.0,
            note: Some(
                "CPU per future needs the samples' stacks: a perf profile has them, callgrind's call graph does not"
                    .into(),
            ),
        });
    };
    let namer = Futures::new(p);
    let mut executor = None;
    let mut inside = 0u64;
    let mut own = 0u64;
    let mut rows: HashMap<(String, bool), u64> = HashMap::new();
    for s in stacks {
        let Some(polled) = namer.of(&s.frames) else { continue };
        executor.get_or_insert(polled.executor);
        inside += s.weight;
        match polled.future {
            Some(k) => *rows.entry(k).or_default() += s.weight,
            None => own += s.weight,
        }
    }
    let mut futures: Vec<FutureRow> = rows
        .into_iter()
        .map(|((future, blocking), cost)| FutureRow {
            within: within(&future),
            future,
            blocking,
            cost,
            share: cost as f64 / all,
        })
        .collect();
    futures.sort_by(|a, b| b.cost.cmp(&a.cost).then_with(|| a.future.cmp(&b.future)));
    if top > 0 {
        futures.truncate(top);
    }
    Some(AsyncTasks {
        executor: executor.unwrap_or(seen).to_string(),
        cost: inside,
        share: inside as f64 / all,
        futures,
        executor_own: own,
        executor_own_share: own as f64 / all,
        note: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closures_are_named_by_the_function_they_are_in() {
        assert_eq!(within("app::handler::{{closure}}"), "app::handler");
        assert_eq!(within("app::main::{{closure}}::{{closure}} [inlined]"), "app::main");
        assert_eq!(within("app::main::{closure#0}::{closure#1}"), "app::main");
        assert_eq!(within("app::handler"), "app::handler");
        assert_eq!(within("app::handler::{async_fn_env#0}"), "app::handler");
        assert_eq!(within("app::main::{async_block#1}::{closure_env#0}"), "app::main");
        assert_eq!(
            executor_of("<tokio::runtime::blocking::task::BlockingTask<T> as core::future::future::Future>::poll"),
            Some("tokio")
        );
        assert_eq!(executor_of("tokio::task::yield_now::{{closure}}"), None);
    }

    #[test]
    fn the_harness_names_the_future() {
        let arc = "alloc::sync::Arc<tokio::runtime::scheduler::multi_thread::handle::Handle, alloc::alloc::Global>";
        assert_eq!(
            polled_future(&format!("poll_future<app::hash::{{async_fn_env#0}}, {arc}> [inlined]")),
            Some(("app::hash::{async_fn_env#0}", false))
        );
        let blocking = "poll_inner<tokio::runtime::blocking::task::BlockingTask<app::main::{async_block#1}::{closure_env#0}>, tokio::runtime::blocking::schedule::BlockingSchedule> [inlined]";
        assert_eq!(polled_future(blocking), Some(("app::main::{async_block#1}::{closure_env#0}", true)));
        assert_eq!(polled_future("tokio::runtime::task::harness::Harness<T,S>::poll"), None);
        assert_eq!(polled_future("app::poll_future"), None);
    }

    /// A sample in the runtime's own allocation (no harness frame below
    /// the scheduler) is the executor's, not a future named after the
    /// allocator shim.
    #[test]
    fn the_allocator_shim_is_plumbing() {
        let f = |name: &str| crate::model::Function {
            name: name.into(),
            raw: None,
            inlined: false,
            module: Some("/tmp/app".into()),
        };
        assert!(is_plumbing(&f("__rustc::__rust_alloc")));
        assert!(is_plumbing(&f("tokio::runtime::scheduler::multi_thread::worker::run")));
        assert!(!is_plumbing(&f("app::hash")));
    }
}
