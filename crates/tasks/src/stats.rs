//! Each task's figures, as tokio-console defines them: busy (polled),
//! scheduled (woken, or spawned, until its next poll: waiting for a
//! worker), idle (the rest of its life), polls and the longest, wakes and
//! self-wakes.

use crate::recording::{Recording, Task};

/// The figures of one task (nanoseconds).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Figures {
    /// Spawn to close, or to the recording's end when it did not close.
    pub lifetime: i64,
    pub busy: i64,
    pub scheduled: i64,
    pub idle: i64,
    pub polls: u64,
    pub longest_poll: i64,
    pub wakes: u64,
    pub self_wakes: u64,
}

/// The intervals a task waited for a worker: from its spawn, or the first
/// wake after a poll, to the next poll's start.
pub fn scheduled_intervals(t: &Task) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut wakes = t.wakes.iter().peekable();
    let mut ready = Some(t.spawned);
    let mut after = t.spawned;
    for &(start, end) in &t.polls {
        // the first wake since the last poll ended (wakes during a poll
        // make it ready again when it returns)
        while let Some(w) = wakes.peek() {
            if w.at > start {
                break;
            }
            if ready.is_none() {
                ready = Some(w.at.max(after));
            }
            wakes.next();
        }
        if let Some(r) = ready.take() {
            out.push((r, start.max(r)));
        }
        after = end;
    }
    out
}

impl Figures {
    pub fn of(t: &Task, end_of_recording: i64) -> Figures {
        let end = t.closed.unwrap_or(end_of_recording).max(t.spawned);
        let lifetime = end - t.spawned;
        let busy: i64 = t.polls.iter().map(|(s, e)| e - s).sum();
        let scheduled: i64 = scheduled_intervals(t).iter().map(|(s, e)| e - s).sum();
        Figures {
            lifetime,
            busy,
            scheduled,
            idle: (lifetime - busy - scheduled).max(0),
            polls: t.polls.len() as u64,
            longest_poll: t.polls.iter().map(|(s, e)| e - s).max().unwrap_or(0),
            wakes: t.wakes.len() as u64,
            self_wakes: t.wakes.iter().filter(|w| w.self_wake).count() as u64,
        }
    }
}

/// Each task's figures, in the recording's order.
pub fn all(r: &Recording) -> Vec<Figures> {
    r.tasks.iter().map(|t| Figures::of(t, r.duration)).collect()
}
