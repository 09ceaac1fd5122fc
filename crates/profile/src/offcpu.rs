//! Where threads waited off the CPU: from a perf.data with context
//! switches (`-e context-switches`, `fastware profile --off-cpu`), each
//! switch's stack (where the thread blocked) weighted by how long the
//! thread was gone — until its next sample, within one CPU sample's period
//! of when it ran again. A CPU profile shows none of this time: a thread
//! asleep, in I/O or on a lock takes no CPU samples.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::{Profile, Stack};
use crate::perf::Timeline;
use crate::tasks::Futures;
use crate::views::{key, By};

/// The off-CPU stacks of a timeline: each switch's stack, weighted by its
/// stretch (`perf::Stretch`). `None` without context switches.
pub fn stacks(t: &Timeline) -> Option<Vec<Stack>> {
    if !t.samples.iter().any(|s| s.switch) {
        return None;
    }
    let mut weights: HashMap<(u32, u32), u64> = HashMap::new();
    for s in t.stretches().into_iter().filter(|s| s.off_cpu) {
        *weights.entry((s.thread, s.stack)).or_default() += s.end - s.start;
    }
    let mut out: Vec<Stack> = weights
        .into_iter()
        .filter(|&(_, w)| w > 0)
        .map(|((thread, stack), weight)| Stack { frames: t.stacks[stack as usize].clone(), thread, weight })
        .collect();
    out.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.frames.cmp(&b.frames)));
    Some(out)
}

/// Where a stack was: the function the thread was in — the first call
/// below the user's code (`std::thread::sleep`, `std::fs::read`), or the
/// user's own function when it was there; in code that is all the
/// runtime's, the first call below the runtime's frames (the runtime's
/// last frame when the rest is C or the kernel) — and the user's function
/// above it, else the future tokio's harness names (the user's inlined
/// frames name no path).
pub fn place(p: &Profile, namer: &Futures<'_>, frames: &[u32]) -> (String, Option<String>) {
    let name = |f: u32| key(&p.functions[f as usize], By::Function);
    let rust = |f: u32| {
        let m = p.functions[f as usize].module_name().unwrap_or("");
        namer.qualified(f) && !(m == "[kernel]" || m.contains(".so"))
    };
    // the first Rust function named by a path after position `k`, else the one at `k`
    let below = |k: usize| name(frames[k + 1..].iter().copied().find(|&f| rust(f)).unwrap_or(frames[k]));
    if let Some(u) = frames.iter().rposition(|&f| namer.user_code(f)) {
        return (below(u), Some(name(frames[u])));
    }
    let future = namer.of(frames).and_then(|polled| polled.future).map(|(f, _)| f);
    let blocked_in = match frames.iter().rposition(|&f| namer.runtime(f)) {
        Some(r) => below(r),
        None => frames
            .iter()
            .rev()
            .copied()
            .find(|&f| rust(f))
            .or(frames.last().copied())
            .map_or_else(|| "[unknown]".into(), name),
    };
    (blocked_in, future)
}

/// One place threads waited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waited {
    /// See [`place`].
    pub blocked_in: String,
    pub under: Option<String>,
    pub ns: u64,
    /// Of all the time off the CPU.
    pub share: f64,
}

/// The time threads spent off the CPU, by where they waited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffCpu {
    pub ns: u64,
    pub threads: usize,
    /// Most first.
    pub rows: Vec<Waited>,
    pub rows_total: usize,
}

/// The profile's off-CPU stacks by place, `top` rows (0: all); `None` when
/// it has none.
pub fn by_place(p: &Profile, top: usize) -> Option<OffCpu> {
    let stacks = p.off_cpu.as_ref()?;
    let namer = Futures::new(p);
    let mut rows: HashMap<(String, Option<String>), u64> = HashMap::new();
    let mut threads: Vec<u32> = stacks.iter().map(|s| s.thread).collect();
    threads.sort_unstable();
    threads.dedup();
    for s in stacks {
        *rows.entry(place(p, &namer, &s.frames)).or_default() += s.weight;
    }
    let ns: u64 = stacks.iter().map(|s| s.weight).sum();
    let mut rows: Vec<Waited> = rows
        .into_iter()
        .map(|((blocked_in, under), w)| Waited { blocked_in, under, ns: w, share: w as f64 / ns.max(1) as f64 })
        .collect();
    rows.sort_by(|a, b| b.ns.cmp(&a.ns).then_with(|| a.blocked_in.cmp(&b.blocked_in)));
    let rows_total = rows.len();
    if top > 0 {
        rows.truncate(top);
    }
    Some(OffCpu { ns, threads: threads.len(), rows, rows_total })
}

/// The profile's waits as a profile of their own: its off-CPU stacks as
/// the stacks, weighted in nanoseconds (for flamegraphs, folded stacks and
/// exports of where threads waited).
pub fn as_profile(p: &Profile) -> Result<Profile, fastware_report::Error> {
    let Some(stacks) = p.off_cpu.clone() else { return Err(crate::ProfileError::NoOffCpu.into()) };
    let mut out = Profile { meta: p.meta.clone(), functions: p.functions.clone(), ..Profile::default() };
    out.meta.event = "off-CPU time".into();
    out.meta.unit = "ns".into();
    crate::model::from_stacks(&mut out, stacks);
    Ok(out)
}
