//! Stacks for a profile that recorded none: callgrind keeps, per call
//! edge, the callee's inclusive cost, not the stacks the costs were
//! spent on. The viewers (speedscope, the Firefox Profiler) draw stacks,
//! so the call graph is expanded into a call tree the way speedscope's own
//! callgrind import does: each call of a function is taken to divide its
//! cost among its callees as all its calls together did. Exact where a
//! function has one caller; where it has several, the split below it is
//! the average one (a stack may be shown that never ran). A call to a
//! function already on the stack (recursion) ends the stack there, with
//! the call's whole cost.
//!
//! Costs are whole: each child's share is rounded down and the remainder
//! stays the caller's own, so every stack's weight is a count and they
//! add up to the profile's total. Shares under a millionth of the total,
//! stacks deeper than [`MAX_DEPTH`] and nodes beyond [`MAX_NODES`] are not
//! expanded further (their cost stays whole in the node).

use crate::model::{Profile, Stack};

/// The deepest stack made.
pub const MAX_DEPTH: usize = 512;
/// The most tree nodes expanded.
pub const MAX_NODES: usize = 2_000_000;

/// The profile's call graph as stacks (root first), one per tree node
/// with a cost of its own, on thread 0.
pub fn stacks(p: &Profile) -> Vec<Stack> {
    let n = p.functions.len();
    let mut children: Vec<Vec<(u32, u64)>> = vec![Vec::new(); n];
    let mut incoming = vec![0u64; n];
    for (&(caller, callee), &cost) in &p.edges {
        if cost > 0 && (caller as usize) < n && (callee as usize) < n {
            children[caller as usize].push((callee, cost));
            incoming[callee as usize] += cost;
        }
    }
    // a function's weight in the graph: its own cost and its calls'
    let weight: Vec<u64> = (0..n)
        .map(|f| p.self_cost.get(f).copied().unwrap_or(0) + children[f].iter().map(|c| c.1).sum::<u64>())
        .collect();
    // roots: the cost of each function not accounted for by its callers
    let roots: Vec<(u32, u64)> =
        (0..n).filter(|&f| weight[f] > incoming[f]).map(|f| (f as u32, weight[f] - incoming[f])).collect();
    let total: u64 = roots.iter().map(|r| r.1).sum();
    let smallest = (total / 1_000_000).max(1);

    struct Todo {
        f: u32,
        w: u64,
        depth: usize,
    }
    let mut todo: Vec<Todo> = roots.iter().rev().map(|&(f, w)| Todo { f, w, depth: 0 }).collect();
    let mut path: Vec<u32> = Vec::new();
    let mut on_path = vec![false; n];
    let mut out = Vec::new();
    let mut expanded = 0usize;
    // depth first, by hand: a deep call graph would overflow the stack
    while let Some(Todo { f, w, depth }) = todo.pop() {
        for g in path.drain(depth..) {
            on_path[g as usize] = false;
        }
        path.push(f);
        on_path[f as usize] = true;
        let mut own = w;
        if w >= smallest && path.len() < MAX_DEPTH && expanded < MAX_NODES {
            expanded += 1;
            let of = weight[f as usize].max(1) as u128;
            // pushed in reverse: the first callee is walked first
            for &(c, cost) in children[f as usize].iter().rev() {
                let share = (u128::from(w) * u128::from(cost) / of) as u64;
                if share == 0 {
                    continue;
                }
                own -= share;
                if on_path[c as usize] {
                    let mut frames = path.clone();
                    frames.push(c);
                    out.push(Stack { frames, thread: 0, weight: share });
                } else {
                    todo.push(Todo { f: c, w: share, depth: path.len() });
                }
            }
        }
        if own > 0 {
            out.push(Stack { frames: path.clone(), thread: 0, weight: own });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Function;
    use std::collections::BTreeMap;

    /// A profile of named functions, their own costs and call edges.
    fn graph(own: &[(&str, u64)], edges: &[(&str, &str, u64)]) -> Profile {
        let id = |name: &str| own.iter().position(|(n, _)| *n == name).expect("a function") as u32;
        let functions = own
            .iter()
            .map(|(n, _)| Function { name: n.to_string(), raw: None, inlined: false, module: None })
            .collect();
        let edges: BTreeMap<(u32, u32), u64> = edges.iter().map(|(a, b, c)| ((id(a), id(b)), *c)).collect();
        Profile {
            functions,
            self_cost: own.iter().map(|o| o.1).collect(),
            total: own.iter().map(|o| o.1).sum(),
            edges,
            ..Profile::default()
        }
    }

    fn named(p: &Profile, stacks: &[Stack]) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for s in stacks {
            let names: Vec<&str> = s.frames.iter().map(|&f| p.functions[f as usize].name.as_str()).collect();
            *out.entry(names.join(";")).or_default() += s.weight;
        }
        out
    }

    /// speedscope's example: backup called from start and from end, its
    /// cost split between read and write on average under each.
    #[test]
    fn several_callers_share_the_average_split() {
        let p = graph(
            &[("main", 0), ("start", 0), ("end", 0), ("backup", 0), ("read", 4), ("write", 4)],
            &[
                ("main", "start", 4),
                ("main", "end", 4),
                ("start", "backup", 4),
                ("end", "backup", 4),
                ("backup", "read", 4),
                ("backup", "write", 4),
            ],
        );
        let s = stacks(&p);
        let want: BTreeMap<String, u64> = [
            ("main;start;backup;read", 2),
            ("main;start;backup;write", 2),
            ("main;end;backup;read", 2),
            ("main;end;backup;write", 2),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(named(&p, &s), want);
    }

    /// One caller each: the tree is exact, own costs where they were
    /// spent, every instruction once; recursion ends the stack.
    #[test]
    fn single_callers_are_exact_and_recursion_ends_a_stack() {
        // fib: 10 of its own, calling itself for 6 of them (callgrind
        // counts a recursive call's cost inclusive, in both edges)
        let p = graph(
            &[("main", 3), ("heavy", 100), ("fib", 10), ("leaf", 7)],
            &[("main", "heavy", 107), ("heavy", "leaf", 7), ("main", "fib", 10), ("fib", "fib", 6)],
        );
        let s = stacks(&p);
        let got = named(&p, &s);
        assert_eq!(got["main"], 3);
        assert_eq!(got["main;heavy"], 100);
        assert_eq!(got["main;heavy;leaf"], 7);
        assert_eq!(got["main;fib"] + got["main;fib;fib"], 10);
        assert!(got.keys().all(|k| k.matches("fib").count() <= 2), "{got:?}");
        assert_eq!(s.iter().map(|s| s.weight).sum::<u64>(), p.total);
    }

    /// Shares are rounded down; what is left stays the caller's own.
    #[test]
    fn rounding_keeps_every_count() {
        let p = graph(
            &[("main", 1), ("a", 0), ("b", 0), ("x", 3), ("y", 4)],
            &[("main", "a", 3), ("main", "b", 4), ("a", "x", 1), ("a", "y", 2), ("b", "x", 2), ("b", "y", 2)],
        );
        let s = stacks(&p);
        assert_eq!(s.iter().map(|s| s.weight).sum::<u64>(), p.total);
        assert!(s.iter().all(|s| s.weight > 0));
    }
}
