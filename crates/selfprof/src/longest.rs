//! The longest single events, with their arguments: the 40-second
//! `evaluate_obligation` of seed 004, found without converting to a Chrome
//! trace and searching a viewer.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::PathBuf;

use fastware_report::Error;
use rayon::prelude::*;

use crate::events::{Kind, Payload, PIECE_EVENTS};
use crate::file;

/// One long event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongEvent {
    pub crate_name: String,
    pub path: String,
    pub label: String,
    pub kind: Kind,
    pub dur_ns: i64,
    /// Start, ns after the session started.
    pub start_ns: i64,
    pub thread: u32,
    /// The query's arguments, when recorded (`-Zself-profile-events=…,args`).
    pub args: Vec<String>,
}

/// The result: the events and whether any profile had arguments recorded.
#[derive(Debug, Clone, Default)]
pub struct Longest {
    pub events: Vec<LongEvent>,
    /// Events of the labels asked for, across all profiles.
    pub matched: u64,
    pub args_recorded: bool,
}

/// The `top` longest interval events whose label is one of `labels` (all
/// when empty), across `paths`.
pub fn longest(paths: &[PathBuf], labels: &[String], top: usize) -> Result<Longest, Error> {
    let files = crate::input::resolve(paths)?;
    let per_file = files
        .par_iter()
        .map(|f| {
            let profile = file::open(f)?;
            // (duration, event index) of the longest events of each piece
            let pieces = profile.par_pieces(PIECE_EVENTS, |range| {
                let mut heap: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();
                let mut matched = 0u64;
                for i in range {
                    let e = profile.decode(i)?;
                    let Payload::Interval { start, end } = e.payload else { continue };
                    if !labels.is_empty() && !labels.iter().any(|l| *l == e.label) {
                        continue;
                    }
                    matched += 1;
                    heap.push(Reverse((end - start, i)));
                    if heap.len() > top {
                        heap.pop();
                    }
                }
                Ok((heap.into_vec(), matched))
            })?;
            let matched: u64 = pieces.iter().map(|p| p.1).sum();
            let mut best: Vec<(i64, usize)> = pieces.into_iter().flat_map(|p| p.0).map(|Reverse(x)| x).collect();
            best.sort_by(|a, b| b.cmp(a));
            best.truncate(top);
            let events = crate::file::guarded(|| {
                best.iter()
                    .map(|&(dur, i)| {
                        let e = profile.decode(i)?;
                        let start = match e.payload {
                            Payload::Interval { start, .. } => start,
                            _ => 0,
                        };
                        Ok(LongEvent {
                            crate_name: profile.crate_name.clone(),
                            path: profile.display(),
                            label: e.label.into_owned(),
                            kind: e.kind,
                            dur_ns: dur,
                            start_ns: start,
                            thread: e.thread,
                            args: e.args.into_iter().map(|a| a.into_owned()).collect(),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|p| Error::from(crate::file::corrupt(p)).at(&profile.display()))?
            .map_err(|d| profile.damaged(d))?;
            let args_recorded = profile.cmd.contains("args") || events.iter().any(|e| !e.args.is_empty());
            Ok((events, matched, args_recorded))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let mut out = Longest::default();
    for (events, matched, args) in per_file {
        out.events.extend(events);
        out.matched += matched;
        out.args_recorded |= args;
    }
    out.events.sort_by(|a, b| b.dur_ns.cmp(&a.dur_ns).then_with(|| a.path.cmp(&b.path)));
    out.events.truncate(top);
    Ok(out)
}

/// The part of a query argument a person wants to read: rustc wraps trait
/// obligations as `CanonicalQueryInput { canonical: Canonical { value:
/// ParamEnvAnd { param_env: …, value: Binder { value: TraitPredicate(…), … } } } }`;
/// this returns the `TraitPredicate(…)` (or another `…Predicate(…)`) inside,
/// else the whole text.
pub fn readable_arg(text: &str) -> &str {
    for marker in
        ["TraitPredicate(", "ProjectionPredicate(", "NormalizesTo(", "HostEffectPredicate(", "OutlivesPredicate("]
    {
        if let Some(start) = text.find(marker) {
            let mut depth = 0usize;
            for (i, c) in text[start..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            return &text[start..start + i + 1];
                        }
                    }
                    _ => {}
                }
            }
            return &text[start..];
        }
    }
    text
}

/// Shortens a long type or predicate for a table: brackets (`<`, `(`, `[`)
/// nested deeper than `depth` are elided to `…`, and the text is cut to
/// `max` characters. At depth 2,
/// `TraitPredicate(<futures::future::Map<warp::Filter<A, B>, F> as Future>)`
/// reads `TraitPredicate(<futures::future::Map<…> as Future>)`.
pub fn abbreviate(text: &str, depth: usize, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max + 8));
    let mut level = 0usize;
    let mut prev = '\0';
    for c in text.chars() {
        let opening = matches!(c, '<' | '(' | '[');
        let closing = matches!(c, ')' | ']') || (c == '>' && prev != '-');
        if opening {
            level += 1;
            if level == depth + 1 {
                out.push(c);
                out.push('…');
            } else if level <= depth {
                out.push(c);
            }
        } else if closing && level > 0 {
            if level <= depth + 1 {
                out.push(c);
            }
            level -= 1;
        } else if level <= depth {
            out.push(c);
        }
        prev = c;
    }
    if out.chars().count() > max {
        let mut cut: String = out.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{abbreviate, readable_arg};

    #[test]
    fn nested_generics_are_elided() {
        let t = "TraitPredicate(<futures::future::Map<warp::Filter<A, B>, F> as Future>)";
        assert_eq!(abbreviate(t, 2, 200), "TraitPredicate(<futures::future::Map<…> as Future>)");
        assert_eq!(abbreviate(t, 3, 200), "TraitPredicate(<futures::future::Map<warp::Filter<…>, F> as Future>)");
        assert_eq!(abbreviate(t, 9, 200), t);
        assert_eq!(abbreviate("fn() -> Vec<u8>", 0, 200), "fn(…) -> Vec<…>");
        assert_eq!(abbreviate("(u64, (u32, (u16, ())))", 2, 200), "(u64, (u32, (…)))");
        assert_eq!(abbreviate("abcdef", 3, 4), "abc…");
    }

    #[test]
    fn the_predicate_inside_rustcs_wrappers() {
        let arg = "CanonicalQueryInput { canonical: Canonical { value: ParamEnvAnd { param_env: ParamEnv { caller_bounds: [] }, value: Binder { value: TraitPredicate(<{async block@src/lib.rs:54:17: 54:22} as std::marker::Send>, polarity:Positive), bound_vars: [] } }, max_universe: U0, variables: [] }, typing_mode: Analysis }";
        assert_eq!(
            readable_arg(arg),
            "TraitPredicate(<{async block@src/lib.rs:54:17: 54:22} as std::marker::Send>, polarity:Positive)"
        );
        assert_eq!(readable_arg("tracee_app::main"), "tracee_app::main");
    }
}
