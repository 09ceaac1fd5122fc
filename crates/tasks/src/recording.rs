//! console-subscriber's recording (`ConsoleLayer::builder().recording_path`):
//! JSON lines after a `{"v":1}` header, each one event — a task spawned (its
//! span id, time and fields), a span entered or exited (a poll, for a task),
//! a span closed, a waker operation — with `SystemTime`s as serde writes
//! them (`{"secs_since_epoch":…,"nanos_since_epoch":…}`). Read here into
//! one [`Task`] per spawn: tracing reuses a span id once its span closed, so
//! a task is the span between its `Spawn` and its `Close`. Enters and exits
//! of other spans (resources, async operations) are not polls and are left.

use std::collections::HashMap;

use serde::Deserialize;

use crate::TaskError;

/// A time as serde writes a `SystemTime`.
#[derive(Debug, Clone, Copy, Deserialize)]
struct At {
    secs_since_epoch: u64,
    nanos_since_epoch: u32,
}

impl At {
    fn ns(self) -> i64 {
        (self.secs_since_epoch as i64).saturating_mul(1_000_000_000).saturating_add(i64::from(self.nanos_since_epoch))
    }
}

#[derive(Debug, Deserialize)]
struct Field {
    name: String,
    value: serde_json::Value,
}

#[derive(Debug, Deserialize)]
enum WakeOp {
    Wake { self_wake: bool },
    WakeByRef { self_wake: bool },
    Clone,
    Drop,
}

#[derive(Debug, Deserialize)]
enum Event {
    Spawn { id: u64, at: At, fields: Vec<Field> },
    Enter { id: u64, at: At },
    Exit { id: u64, at: At },
    Close { id: u64, at: At },
    Waker { id: u64, op: WakeOp, at: At },
}

#[derive(Debug, Deserialize)]
struct Header {
    v: u64,
}

/// A wake this soon after the task's own poll returned is the task's own,
/// deferred by the runtime (ns).
pub const DEFERRED_WAKE_NS: i64 = 20_000;

/// One wake of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wake {
    /// Nanoseconds from the recording's start.
    pub at: i64,
    /// Woken by itself: from inside its own poll (console-subscriber's
    /// flag), or within [`DEFERRED_WAKE_NS`] after it returned (tokio's
    /// deferred wake of `yield_now`).
    pub self_wake: bool,
}

/// One task: the span between its spawn and its close.
///
/// `kind` says where it ran: `task` and `local` on the runtime's workers,
/// `blocking` on the blocking pool (its one "poll" is the whole closure),
/// `block_on` on the thread that called it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Task {
    /// tracing's span id (reused after the span closed).
    pub span: u64,
    /// tokio's task id (`task.id`), when recorded.
    pub task_id: Option<u64>,
    /// `task.name` (`tokio::task::Builder::name`).
    pub name: Option<String>,
    /// `kind`: task, local, blocking, block_on.
    pub kind: Option<String>,
    /// Where it was spawned (`loc.file:loc.line:loc.col`), when recorded.
    pub location: Option<String>,
    /// `size.bytes`: the future's size.
    pub size_bytes: Option<u64>,
    /// Nanoseconds from the recording's start.
    pub spawned: i64,
    pub closed: Option<i64>,
    /// (start, end) of each poll, ns from the recording's start.
    pub polls: Vec<(i64, i64)>,
    pub wakes: Vec<Wake>,
    /// Wakers cloned and dropped (a wake by value uses one up).
    pub waker_clones: u64,
    pub waker_drops: u64,
}

impl Task {
    /// Whether it ran on the runtime's workers (not the blocking pool, nor a `block_on` caller).
    pub fn on_workers(&self) -> bool {
        !matches!(self.kind.as_deref(), Some("blocking" | "block_on"))
    }
}

/// A recording read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// The header's format version.
    pub version: u64,
    /// In spawn order.
    pub tasks: Vec<Task>,
    /// Nanoseconds from the first event to the last.
    pub duration: i64,
    /// Lines after the header.
    pub events: u64,
    /// The first event's time, ns since the Unix epoch.
    pub started_epoch_ns: i64,
    /// The last line was cut (the program stopped mid-write) and left out.
    pub torn: bool,
}

/// Reads a recording's text.
pub fn parse(text: &str) -> Result<Recording, TaskError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, first)) = lines.next() else { return Err(TaskError::Empty) };
    let header: Header = serde_json::from_str(first).map_err(|_| TaskError::NoHeader)?;
    if header.v != 1 {
        return Err(TaskError::UnknownVersion { version: header.v });
    }
    let mut tasks: Vec<Task> = Vec::new();
    // the live task of each span id, and each task's poll in progress
    let mut live: HashMap<u64, usize> = HashMap::new();
    let mut open: HashMap<usize, i64> = HashMap::new();
    let (mut first_at, mut last_at) = (None::<i64>, i64::MIN);
    let mut events = 0u64;
    let mut torn = false;
    let last_line = text.lines().count().saturating_sub(1);
    for (k, line) in lines {
        let e: Event = match serde_json::from_str(line) {
            Ok(e) => e,
            // the program was stopped while the recorder wrote its last line
            Err(e) if k == last_line && !text.ends_with('\n') && e.is_eof() => {
                torn = true;
                continue;
            }
            Err(e) => {
                return Err(TaskError::BadLine { line: k as u64 + 1, why: fastware_report::json::message_of(&e) })
            }
        };
        events += 1;
        let at = match &e {
            Event::Spawn { at, .. }
            | Event::Enter { at, .. }
            | Event::Exit { at, .. }
            | Event::Close { at, .. }
            | Event::Waker { at, .. } => at.ns(),
        };
        let base = *first_at.get_or_insert(at);
        let t = at - base;
        last_at = last_at.max(t);
        match e {
            Event::Spawn { id, fields, .. } => {
                let mut task = Task { span: id, spawned: t, ..Task::default() };
                let (mut file, mut line_no, mut col) = (None, None, None);
                for f in fields {
                    let text = match &f.value {
                        serde_json::Value::String(s) => s.clone(),
                        v => v.to_string(),
                    };
                    match f.name.as_str() {
                        "task.name" if !text.is_empty() => task.name = Some(text),
                        "task.id" => task.task_id = text.parse().ok(),
                        "kind" => task.kind = Some(text),
                        "size.bytes" => task.size_bytes = text.parse().ok(),
                        "loc.file" => file = Some(text),
                        "loc.line" => line_no = Some(text),
                        "loc.col" => col = Some(text),
                        _ => {}
                    }
                }
                task.location = file.map(|f| match (line_no, col) {
                    (Some(l), Some(c)) => format!("{f}:{l}:{c}"),
                    (Some(l), None) => format!("{f}:{l}"),
                    _ => f,
                });
                live.insert(id, tasks.len());
                tasks.push(task);
            }
            Event::Enter { id, .. } => {
                if let Some(&i) = live.get(&id) {
                    open.insert(i, t);
                }
            }
            Event::Exit { id, .. } => {
                if let Some(&i) = live.get(&id) {
                    if let Some(start) = open.remove(&i) {
                        tasks[i].polls.push((start, t.max(start)));
                    }
                }
            }
            Event::Close { id, .. } => {
                if let Some(i) = live.remove(&id) {
                    let task = &mut tasks[i];
                    task.closed = Some(t);
                    open.remove(&i);
                    // tracing enters a span to drop what it instruments: the
                    // task's last enter and exit, with no wake since the
                    // poll before it, is the future dropped, not a poll
                    if let [.., (_, prev_end), (start, _)] = task.polls[..] {
                        if !task.wakes.iter().any(|w| w.at >= prev_end && w.at <= start) {
                            task.polls.pop();
                        }
                    }
                }
            }
            Event::Waker { id, op, .. } => {
                if let Some(&i) = live.get(&id) {
                    let task = &mut tasks[i];
                    // tokio defers a wake made inside a poll (yield_now) to
                    // just after it returns: outside the span, so console
                    // does not flag it; a wake that soon after is the task's own
                    let just_polled = !open.contains_key(&i)
                        && task.polls.last().is_some_and(|&(_, end)| t - end <= DEFERRED_WAKE_NS);
                    match op {
                        WakeOp::Wake { self_wake } => {
                            task.wakes.push(Wake { at: t, self_wake: self_wake || just_polled });
                            task.waker_drops += 1;
                        }
                        WakeOp::WakeByRef { self_wake } => {
                            task.wakes.push(Wake { at: t, self_wake: self_wake || just_polled })
                        }
                        WakeOp::Clone => task.waker_clones += 1,
                        WakeOp::Drop => task.waker_drops += 1,
                    }
                }
            }
        }
    }
    if tasks.is_empty() {
        return Err(TaskError::NoTasks { events });
    }
    Ok(Recording {
        version: header.v,
        tasks,
        duration: if events == 0 { 0 } else { last_at },
        events,
        started_epoch_ns: first_at.unwrap_or(0),
        torn,
    })
}
