//! What the tasks say to change, numbered in the report, each with the
//! figures it rests on.

use fastware_report::finding::{Evidence, Finding};
use fastware_report::units::duration;

use crate::join::Joined;
use crate::recording::{Recording, Task};
use crate::stats::{scheduled_intervals, Figures};

/// Thresholds of the rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// A poll longer than this blocks its worker thread (ns).
    pub blocking_poll: i64,
    /// Tasks from one place that are "very many"…
    pub many_tasks: usize,
    /// … when each polled for less than this (median, ns).
    pub tiny_busy: i64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds { blocking_poll: 10_000_000, many_tasks: 100, tiny_busy: 100_000 }
    }
}

/// How a task is named in findings: its name, its location, its id.
pub fn label(t: &Task) -> String {
    let id = t.task_id.map_or(format!("span {}", t.span), |i| format!("task {i}"));
    match (&t.name, &t.location) {
        (Some(n), Some(l)) => format!("`{n}` ({id}, {l})"),
        (Some(n), None) => format!("`{n}` ({id})"),
        (None, Some(l)) => format!("{id} at {l}"),
        (None, None) => match t.kind.as_deref() {
            Some(k) if k != "task" => format!("{id} ({k})"),
            _ => id,
        },
    }
}

/// The place tasks come from, for grouping: the spawn location, else the
/// name, else the kind (`(blocking)`, `(block_on)`).
pub fn place(t: &Task) -> String {
    place_of(t.location.as_deref(), t.name.as_deref(), t.kind.as_deref())
}

/// [`place`] from a task's location, name and kind.
pub fn place_of(location: Option<&str>, name: Option<&str>, kind: Option<&str>) -> String {
    location.or(name).map_or_else(|| format!("({})", kind.unwrap_or("unnamed")), str::to_string)
}

fn ms(ns: i64) -> f64 {
    ns as f64 / 1e6
}

/// The tasks that ran on the workers, by place, in spawn order.
fn by_place(r: &Recording) -> Vec<(String, Vec<usize>)> {
    let mut places: Vec<(String, Vec<usize>)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, t) in r.tasks.iter().enumerate().filter(|(_, t)| t.on_workers()) {
        let p = place(t);
        match index.get(&p) {
            Some(&k) => places[k].1.push(i),
            None => {
                index.insert(p.clone(), places.len());
                places.push((p, vec![i]));
            }
        }
    }
    places
}

/// How much of `(start, end)` falls inside `merged` (sorted, disjoint):
/// found by binary search, so that a recording of millions of polls and
/// waits takes a pass, not their product.
fn overlap(merged: &[(i64, i64)], (start, end): (i64, i64)) -> i64 {
    let first = merged.partition_point(|&(_, b)| b <= start);
    merged[first..].iter().take_while(|&&(a, _)| a < end).map(|&(a, b)| (end.min(b) - start.max(a)).max(0)).sum()
}

/// Intervals merged where they overlap, sorted.
fn union(mut v: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    v.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// `scheduled-delay`: the places (names or locations) whose tasks waited
/// for a worker far longer than they ran — one finding for the runtime,
/// naming the task that ran on the workers while they waited.
fn scheduled_delay(r: &Recording, figures: &[Figures]) -> Option<Finding> {
    let mut delayed: Vec<(String, Vec<usize>)> = Vec::new();
    for (p, members) in by_place(r) {
        let scheduled: i64 = members.iter().map(|&i| figures[i].scheduled).sum();
        let busy: i64 = members.iter().map(|&i| figures[i].busy).sum();
        let mut each: Vec<i64> = members.iter().map(|&i| figures[i].scheduled).collect();
        each.sort_unstable();
        if each[each.len() / 2] > 1_000_000 && scheduled > 2 * busy {
            delayed.push((p, members));
        }
    }
    if delayed.is_empty() {
        return None;
    }
    let members: Vec<usize> = delayed.iter().flat_map(|(_, m)| m.iter().copied()).collect();
    let scheduled: i64 = members.iter().map(|&i| figures[i].scheduled).sum();
    let busy: i64 = members.iter().map(|&i| figures[i].busy).sum();
    let mut each: Vec<i64> = members.iter().map(|&i| figures[i].scheduled).collect();
    each.sort_unstable();
    let median = each[each.len() / 2];
    // while any of them waited: who ran on the workers, and for what share
    let waits = union(members.iter().flat_map(|&i| scheduled_intervals(&r.tasks[i])).collect());
    let waited: i64 = waits.iter().map(|(s, e)| e - s).sum();
    let culprit = r
        .tasks
        .iter()
        .filter(|t| t.on_workers())
        .map(|t| {
            let ran: i64 = t.polls.iter().map(|&poll| overlap(&waits, poll)).sum();
            (t, ran)
        })
        .filter(|(_, ran)| *ran > 0)
        .max_by_key(|(_, ran)| *ran);
    let places: Vec<String> = delayed
        .iter()
        .map(|(p, m)| if m.len() == 1 { format!("`{p}`") } else { format!("{} × `{p}`", m.len()) })
        .collect();
    let share = |ran: i64| if waited > 0 { ran as f64 / waited as f64 } else { 0.0 };
    let meanwhile =
        culprit.map_or(String::new(), |(t, ran)| format!("; {} ran {:.0}% of that time", label(t), share(ran) * 100.0));
    let mut evidence = vec![
        Evidence::new("tasks delayed", members.len() as f64, "tasks", None),
        Evidence::new("scheduled", ms(scheduled), "ms", None),
        Evidence::new("busy", ms(busy), "ms", None),
        Evidence::new("time any of them waited", ms(waited), "ms", None),
    ];
    if let Some((_, ran)) = culprit {
        evidence.push(Evidence::new("share of that time the culprit ran", share(ran), "share", None));
    }
    Some(Finding {
        rule: "scheduled-delay".into(),
        title: format!(
            "{} tasks ({}) waited {} for a worker (median {} each) against {} polled{meanwhile}",
            members.len(),
            places.join(", "),
            duration(scheduled),
            duration(median),
            duration(busy)
        ),
        evidence,
        change: "free the workers: move blocking or long CPU work off them (spawn_blocking, rayon), or add worker \
                 threads"
            .into(),
        why: "a woken task waits until a worker is free: the delay is latency every request pays".into(),
        test: "record again: scheduled time should fall towards the busy time".into(),
    })
}

pub fn findings(r: &Recording, figures: &[Figures], th: &Thresholds, joined: Option<&Joined>) -> Vec<Finding> {
    let mut out = Vec::new();
    let pointer = |i: usize, field: &str| Some(format!("/tasks/{i}/{field}"));
    for (i, (t, f)) in r.tasks.iter().zip(figures).enumerate() {
        if !t.on_workers() {
            continue;
        }
        let long: Vec<i64> = t.polls.iter().map(|(s, e)| e - s).filter(|d| *d > th.blocking_poll).collect();
        if !long.is_empty() {
            // the longest of its polls the profile tells about
            let told = joined.and_then(|j| {
                let k = j.polls.iter().position(|p| p.task_index == i && p.thread.is_some())?;
                Some((k, j.polls[k].told()?))
            });
            let mut evidence = vec![
                Evidence::new("polls over the threshold", long.len() as f64, "polls", None),
                Evidence::new("longest poll", ms(f.longest_poll), "ms", pointer(i, "longest_poll_us")),
                Evidence::new("busy", ms(f.busy), "ms", pointer(i, "busy_us")),
            ];
            if let (Some((k, _)), Some(j)) = (&told, joined) {
                let p = &j.polls[*k];
                evidence.push(Evidence::new(
                    "off the CPU in that poll (profile)",
                    ms(p.off_cpu_us.ns()),
                    "ms",
                    Some(format!("/profile/polls/{k}/off_cpu_us")),
                ));
            }
            out.push(Finding {
                rule: "blocking-poll".into(),
                title: format!(
                    "{} held its worker thread for {} in one poll ({} polls over {}){}",
                    label(t),
                    duration(f.longest_poll),
                    long.len(),
                    duration(th.blocking_poll),
                    told.map(|(k, s)| {
                        let p = &joined.map(|j| &j.polls[k]);
                        let which =
                            if p.is_some_and(|p| p.poll_us.ns() == f.longest_poll) { "the longest" } else { "one" };
                        format!("; {which} was {s}")
                    })
                    .unwrap_or_default()
                ),
                evidence,
                change: "move the blocking call to tokio::task::spawn_blocking, use its async equivalent \
                         (tokio::fs, tokio::sync::Mutex), or tokio::task::yield_now() in long loops"
                    .into(),
                why: "a poll that does not return blocks every other task on that worker thread; tokio's \
                      guidance is 10–100 µs between awaits"
                    .into(),
                test: "record again and run fastware tasks: the longest poll should fall under the threshold".into(),
            });
        }
        let last_end = t.polls.last().map(|p| p.1);
        let woken_after = last_end.is_some_and(|end| t.wakes.iter().any(|w| w.at >= end));
        let held = t.waker_clones.saturating_sub(t.waker_drops);
        let never_done = match (last_end, t.closed) {
            (Some(_), None) => true,
            // a finished task closes as its last poll returns
            (Some(end), Some(c)) => c - end > 1_000_000,
            _ => false,
        };
        if never_done && !woken_after && held == 0 {
            let end = last_end.unwrap_or(t.spawned);
            let until = t.closed.unwrap_or(r.duration);
            out.push(Finding {
                rule: "lost-waker".into(),
                title: format!(
                    "{} returned Pending at {} and was never woken again ({} until {})",
                    label(t),
                    duration(end),
                    duration(until - end),
                    if t.closed.is_some() { "it was dropped" } else { "the recording ended" }
                ),
                evidence: vec![
                    Evidence::new("polls", f.polls as f64, "polls", pointer(i, "polls")),
                    Evidence::new("wakers held after the last poll", held as f64, "wakers", None),
                    Evidence::new("time after the last poll", ms(until - end), "ms", None),
                ],
                change: "a future that returns Poll::Pending must keep cx.waker() (clone it) and wake it when it \
                         can go on; check hand-written poll functions and channels whose sender was dropped"
                    .into(),
                why: "without a waker the executor never polls the task again: it hangs, holding what it owns".into(),
                test: "record again: the task should end (closed right after its last poll)".into(),
            });
        }
        if f.wakes >= 10 && f.self_wakes * 2 > f.wakes {
            out.push(Finding {
                rule: "self-wake".into(),
                title: format!(
                    "{} woke itself {} of {} times: it loops through the executor",
                    label(t),
                    f.self_wakes,
                    f.wakes
                ),
                evidence: vec![
                    Evidence::new("self-wakes", f.self_wakes as f64, "wakes", pointer(i, "self_wakes")),
                    Evidence::new("wakes", f.wakes as f64, "wakes", pointer(i, "wakes")),
                    Evidence::new("polls", f.polls as f64, "polls", pointer(i, "polls")),
                ],
                change: "wait on what it needs (a channel, a Notify, an interval) instead of yielding or \
                         re-waking itself until it is ready"
                    .into(),
                why: "each self-wake is one more trip through the scheduler: busy-waiting that costs CPU and delays \
                      other tasks"
                    .into(),
                test: "record again: wakes should fall to about the number of real events".into(),
            });
        }
    }
    out.extend(scheduled_delay(r, figures));
    // many short tasks from one place
    for (p, members) in by_place(r) {
        let mut busy: Vec<i64> = members.iter().map(|&i| figures[i].busy).collect();
        if busy.len() < th.many_tasks {
            continue;
        }
        busy.sort_unstable();
        let median = busy[busy.len() / 2];
        if median < th.tiny_busy {
            out.push(Finding {
                rule: "many-short-tasks".into(),
                title: format!(
                    "{} tasks `{p}` were polled {} each (median): spawning cost more than the work",
                    busy.len(),
                    duration(median)
                ),
                evidence: vec![
                    Evidence::new("tasks", busy.len() as f64, "tasks", None),
                    Evidence::new("median busy", ms(median), "ms", None),
                ],
                change: "do the small pieces of work in one task (a loop, FuturesUnordered, join_all) or in \
                         batches, rather than a task each"
                    .into(),
                why: "each spawn allocates the task and goes through the scheduler: for tiny work the overhead \
                      is the cost"
                    .into(),
                test: "record again: fewer tasks from this place, and the whole run shorter".into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlaps_of_merged_intervals() {
        let merged = union(vec![(10, 20), (15, 30), (40, 50), (60, 70)]);
        assert_eq!(merged, [(10, 30), (40, 50), (60, 70)]);
        // against the plain sum over every interval
        for poll in [(0, 5), (0, 100), (25, 45), (30, 40), (45, 65), (69, 80), (5, 11)] {
            let plain: i64 = merged.iter().map(|&(a, b)| (poll.1.min(b) - poll.0.max(a)).max(0)).sum();
            assert_eq!(overlap(&merged, poll), plain, "{poll:?}");
        }
    }
}
