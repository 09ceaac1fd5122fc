//! The critical path of a build: the chain of units that set its wall time.
//!
//! It ends at the unit that finished last. Each step goes back to the
//! dependency that became ready last before the unit started — a library's
//! dependency is ready when its metadata is written (cargo pipelines), a unit
//! that links or runs (binaries, tests, build scripts, proc macros) needs its
//! dependencies finished — and stops at a unit none of whose dependencies
//! were built in this run.

use crate::log::{BuildLog, Unit};

/// One unit on the path, with the part of its run that is on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub unit: usize,
    pub start: f64,
    /// Its finish, or when its metadata was written if the next unit on the
    /// path only needed that.
    pub end: f64,
    pub until_rmeta: bool,
    /// Seconds between its inputs being ready and it starting (waiting for a
    /// free job slot); for the path's first unit, whose dependencies were
    /// all ready before the build (none built in it), from the build's start.
    pub waited: f64,
}

/// The critical path and how busy the build kept the cores.
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalPath {
    /// First unit first.
    pub steps: Vec<Step>,
    /// Seconds from the first unit's start to the last unit's end.
    pub span: f64,
    /// Sum of every unit's duration.
    pub busy: f64,
}

impl CriticalPath {
    /// Average number of units running at once.
    pub fn parallelism(&self) -> f64 {
        if self.span > 0.0 {
            self.busy / self.span
        } else {
            0.0
        }
    }
}

const EPSILON: f64 = 1e-6;

/// When `dep` became ready for `unit`.
pub fn ready_for(dep: &Unit, unit: &Unit) -> Option<f64> {
    let finish = dep.finish?;
    if unit.links() || dep.kind == "proc-macro" {
        Some(finish)
    } else {
        Some(dep.rmeta.unwrap_or(finish))
    }
}

/// Computes the critical path; `None` when nothing was built.
pub fn critical_path(log: &BuildLog) -> Option<CriticalPath> {
    let by_index = |i: usize| log.units.iter().find(|u| u.index == i);
    let last = log.built().max_by(|a, b| {
        a.finish.partial_cmp(&b.finish).unwrap_or(std::cmp::Ordering::Equal).then(a.index.cmp(&b.index))
    })?;
    let build_start = log.built().filter_map(|u| u.start).fold(f64::INFINITY, f64::min);
    let mut steps = Vec::new();
    let (mut cur, mut end, mut until_rmeta) = (last, last.finish?, false);
    loop {
        let start = cur.start?;
        let gate = cur
            .deps
            .iter()
            .filter_map(|&d| by_index(d))
            .filter(|d| d.start.is_some())
            .filter_map(|d| ready_for(d, cur).map(|r| (d, r)))
            .filter(|(_, r)| *r <= start + EPSILON)
            .max_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal));
        let waited = gate.map_or((start - build_start).max(0.0), |(_, r)| (start - r).max(0.0));
        steps.push(Step { unit: cur.index, start, end, until_rmeta, waited });
        match gate {
            Some((d, r)) => {
                until_rmeta =
                    !cur.links() && d.kind != "proc-macro" && d.rmeta.is_some_and(|m| (m - r).abs() < EPSILON);
                end = r;
                cur = d;
            }
            None => break,
        }
    }
    steps.reverse();
    let busy = log.built().filter_map(Unit::duration).sum();
    Some(CriticalPath { steps, span: log.span(), busy })
}

/// Seconds during which `unit` was the only unit running.
pub fn time_alone(log: &BuildLog, unit: &Unit) -> f64 {
    let (Some(s), Some(e)) = (unit.start, unit.finish) else { return 0.0 };
    // the parts of [s, e] covered by no other unit
    let mut others: Vec<(f64, f64)> = log
        .built()
        .filter(|u| u.index != unit.index)
        .filter_map(|u| Some((u.start?.max(s), u.finish?.min(e))))
        .filter(|(a, b)| b > a)
        .collect();
    others.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    let mut covered = 0.0;
    let mut reach = s;
    for (a, b) in others {
        if b <= reach {
            continue;
        }
        covered += b - a.max(reach);
        reach = b;
    }
    (e - s - covered).max(0.0)
}
