//! A recording joined to a CPU profile of the same run (`tasks --profile`):
//! for each blocking poll, the thread that ran it and what that thread was
//! doing meanwhile — on the CPU (its `cpu-clock` samples) or off it (the
//! stack where it left the CPU, from `-e context-switches` samples, until
//! its next sample).
//!
//! console-subscriber's times are the wall clock (`SystemTime`), so the
//! profile's must be too: `perf record -k realtime` (or another clock whose
//! offset perf wrote in the file's clock data). The recording has no
//! thread ids: the thread of a poll is the one that, during it, was inside
//! a task's poll (tokio's harness) for the longest time.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use fastware_profile::perf::Timeline;
use fastware_profile::tasks::Futures;
use fastware_profile::Profile;
use fastware_report::json::Duration;

use crate::findings::label;
use crate::recording::Recording;
use crate::TaskError;

/// At most this many polls are joined (the longest).
pub const MAX_POLLS: usize = 50;

/// Where a thread's time went during a poll: a call the user's code made
/// (`spent_in`) under the user's function that made it (`under`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spent {
    /// The function the thread was in: the first below the user's code
    /// (`std::thread::sleep`, `std::fs::read_to_string`), or the user's
    /// own function when the time was spent in it.
    pub spent_in: String,
    /// The innermost function of the user's code above it.
    pub under: Option<String>,
    pub on_cpu_us: Duration,
    pub off_cpu_us: Duration,
    /// Of the poll's time seen on its thread.
    pub share: f64,
}

/// One blocking poll and what its thread did during it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinedPoll {
    /// The task, as findings name it, and its index in `tasks`.
    pub task: String,
    pub task_index: usize,
    /// From the recording's start.
    pub start_us: Duration,
    pub poll_us: Duration,
    /// The profile's thread (`comm tid`) that ran the poll; `None` when no
    /// thread was seen inside a task's poll for most of it.
    pub thread: Option<String>,
    /// The poll's time the thread's samples account for, on and off the CPU.
    pub on_cpu_us: Duration,
    pub off_cpu_us: Duration,
    /// Most first.
    pub spent: Vec<Spent>,
}

/// The join of a recording to a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Joined {
    /// The profile file.
    pub profile: String,
    /// The profile's clock.
    pub clock: String,
    /// Samples inside the recording's span: CPU samples and context switches.
    pub cpu_samples: u64,
    pub switches: u64,
    /// How long the profile and the recording overlap.
    pub overlap_us: Duration,
    /// Every poll over the blocking threshold (the longest [`MAX_POLLS`]), longest first.
    pub polls: Vec<JoinedPoll>,
    /// What the profile cannot tell (no context switches: a blocked thread takes no samples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A stretch of one thread's time, from one sample: `(start, end, stack,
/// off the CPU)`, ns from the recording's start.
type Span = (i64, i64, u32, bool);

/// Joins `r`'s polls longer than `blocking_poll` (ns) to the profile `p`
/// (read with its timeline `t`) of the same run.
pub fn join(r: &Recording, p: &Profile, t: &Timeline, shown: &str, blocking_poll: i64) -> Result<Joined, TaskError> {
    let Some(offset) = t.to_epoch_ns else { return Err(TaskError::ProfileClock { clock: t.clock.clone() }) };
    let rel = |time: u64| (time as i64).saturating_add(offset).saturating_sub(r.started_epoch_ns);
    let (Some(first), Some(last)) = (t.samples.first(), t.samples.last()) else {
        return Err(TaskError::ProfileNoOverlap { apart: "the profile has no samples".into() });
    };
    let (from, to) = (rel(first.time), rel(last.time));
    let overlap = to.min(r.duration) - from.max(0);
    if overlap <= 0 {
        let apart = if to < 0 { -to } else { from - r.duration };
        return Err(TaskError::ProfileNoOverlap {
            apart: format!(
                "the profile's samples {} the recording's events by {}",
                if to < 0 { "end before" } else { "start after" },
                fastware_report::units::duration(apart)
            ),
        });
    }
    // the samples inside the recording's span
    let (mut cpu_samples, mut switches) = (0u64, 0u64);
    for s in t.samples.iter().filter(|s| (0..=r.duration).contains(&rel(s.time))) {
        if s.switch {
            switches += 1;
        } else {
            cpu_samples += 1;
        }
    }
    // each thread's samples as stretches of its time, from the recording's start
    let mut spans: HashMap<u32, Vec<Span>> = HashMap::new();
    for s in t.stretches() {
        spans.entry(s.thread).or_default().push((rel(s.start), rel(s.end), s.stack, s.off_cpu));
    }
    let namer = Futures::new(p);
    let polling: Vec<bool> = t.stacks.iter().map(|frames| namer.in_task_poll(frames)).collect();
    // per stack: what it was spent in, under what of the user's code
    let place: Vec<(String, Option<String>)> =
        t.stacks.iter().map(|frames| fastware_profile::offcpu::place(p, &namer, frames)).collect();
    let mut long: Vec<(usize, i64, i64)> = r
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, task)| task.on_workers())
        .flat_map(|(i, task)| task.polls.iter().filter(|(a, b)| b - a > blocking_poll).map(move |&(a, b)| (i, a, b)))
        .collect();
    long.sort_by_key(|&(i, a, b)| (std::cmp::Reverse(b - a), i, a));
    long.truncate(MAX_POLLS);
    let threads = &p.meta.threads;
    let polls = long
        .into_iter()
        .map(|(i, a, b)| {
            let clip = |&(s, e, _, _): &Span| (e.min(b) - s.max(a)).max(0);
            // the thread inside a task's poll for the longest
            let best = spans
                .iter()
                .map(|(&thread, list)| {
                    let inside: i64 = list.iter().filter(|s| polling[s.2 as usize]).map(clip).sum();
                    (inside, std::cmp::Reverse(thread))
                })
                .max()
                .filter(|&(inside, _)| inside * 2 >= b - a)
                .map(|(_, std::cmp::Reverse(thread))| thread);
            let mut joined = JoinedPoll {
                task: label(&r.tasks[i]),
                task_index: i,
                start_us: Duration::from_nanos(a),
                poll_us: Duration::from_nanos(b - a),
                thread: best.and_then(|th| threads.get(th as usize).cloned()),
                on_cpu_us: Duration::from_nanos(0),
                off_cpu_us: Duration::from_nanos(0),
                spent: Vec::new(),
            };
            let Some(thread) = best else { return joined };
            let mut by_place: HashMap<&(String, Option<String>), (i64, i64)> = HashMap::new();
            let (mut on, mut off) = (0i64, 0i64);
            for s in &spans[&thread] {
                let d = clip(s);
                if d == 0 {
                    continue;
                }
                let e = by_place.entry(&place[s.2 as usize]).or_default();
                if s.3 {
                    e.1 += d;
                    off += d;
                } else {
                    e.0 += d;
                    on += d;
                }
            }
            let seen = (on + off).max(1) as f64;
            let mut spent: Vec<Spent> = by_place
                .into_iter()
                .map(|((spent_in, under), (on, off))| Spent {
                    spent_in: spent_in.clone(),
                    under: under.clone(),
                    on_cpu_us: Duration::from_nanos(on),
                    off_cpu_us: Duration::from_nanos(off),
                    share: (on + off) as f64 / seen,
                })
                .collect();
            spent.sort_by(|x, y| y.share.total_cmp(&x.share).then_with(|| x.spent_in.cmp(&y.spent_in)));
            spent.truncate(5);
            joined.on_cpu_us = Duration::from_nanos(on);
            joined.off_cpu_us = Duration::from_nanos(off);
            joined.spent = spent;
            joined
        })
        .collect();
    Ok(Joined {
        profile: shown.into(),
        clock: t.clock.clone(),
        cpu_samples,
        switches,
        overlap_us: Duration::from_nanos(overlap),
        polls,
        note: (switches == 0).then(|| {
            "the profile has no context switches: a poll that blocked (asleep, in I/O, on a lock) takes no samples; \
             record with -e context-switches/period=1/ (fastware profile --off-cpu)"
                .to_string()
        }),
    })
}

impl JoinedPoll {
    /// "spent in `X` under `Y` (off the CPU 98%)", from the first place.
    pub fn told(&self) -> Option<String> {
        let s = self.spent.first()?;
        let seen = (self.on_cpu_us.ns() + self.off_cpu_us.ns()).max(1) as f64;
        let off = self.off_cpu_us.ns() as f64 / seen;
        let under = s.under.as_ref().filter(|u| **u != s.spent_in).map(|u| format!(" under `{u}`")).unwrap_or_default();
        let how = if off >= 0.5 {
            format!("off the CPU {:.0}% of it: blocked", off * 100.0)
        } else {
            format!("on the CPU {:.0}% of it", (1.0 - off) * 100.0)
        };
        Some(format!("spent in `{}`{under} ({:.0}%; {how})", s.spent_in, s.share * 100.0))
    }
}
