//! Views of a profile: functions grouped (`--by`), stacks with frames
//! hidden (`--hide`), cut to those through a frame (`--focus`) or split by
//! thread (`--per-thread`), a function's callees and callers, and collapsed
//! stacks for flamegraphs.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::ProfileError;
use fastware_report::Error;
use fastware_symbols::Name;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::model::{from_stacks, Function, Profile, Stack};

/// What functions are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum By {
    /// Functions: generic arguments erased, closures folded into their function
    Function,
    /// Every instance with its full generic arguments (as the symbol names it)
    Instance,
    /// The crate that defines the function
    Crate,
}

/// The key of `f` for `by`.
pub fn key(f: &Function, by: By) -> String {
    // an instance is its whole name: nothing to parse
    if f.name.starts_with('[') || matches!(by, By::Instance) {
        return f.name.clone();
    }
    let name = match &f.raw {
        Some(raw) => Name::new(raw),
        None => Name::from_demangled(&f.name),
    };
    match by {
        By::Function if name.symbol.is_some() => name.function(),
        By::Function | By::Instance => f.name.clone(),
        By::Crate => match name.defining_crate() {
            Some(c) => c.to_string(),
            None => f.module_name().map_or_else(|| "(unknown)".into(), |m| format!("({m})")),
        },
    }
}

/// The stacks a view keeps and how.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    /// Frames whose name matches are folded into their caller.
    pub hide: Option<Regex>,
    /// Only stacks through a matching frame, from the outermost such frame down.
    pub focus: Option<Regex>,
    /// A root frame per thread.
    pub per_thread: bool,
    /// Inlined functions' frames folded into the function they were
    /// inlined into: symbols only, as `perf report --no-inline` shows them.
    pub no_inline: bool,
}

impl Shape {
    pub fn is_plain(&self) -> bool {
        self.hide.is_none() && self.focus.is_none() && !self.per_thread && !self.no_inline
    }
}

/// `p` with its stacks reshaped (the functions' costs recomputed from them);
/// `p` itself when there is nothing to reshape (a copy of a big profile and
/// its drop were a tenth of `profile`'s time on a 23 MB callgrind.out).
pub fn reshape<'a>(p: &'a Profile, shape: &Shape) -> Result<Cow<'a, Profile>, Error> {
    if shape.is_plain() {
        return Ok(Cow::Borrowed(p));
    }
    let Some(stacks) = &p.stacks else {
        return Err(ProfileError::NeedsStacks.into());
    };
    let mut out = p.clone();
    let thread_fns: Vec<u32> = p
        .meta
        .threads
        .iter()
        .filter(|_| shape.per_thread)
        .map(|t| {
            out.functions.push(Function { name: t.clone(), raw: None, inlined: false, module: None });
            (out.functions.len() - 1) as u32
        })
        .collect();
    let label = |f: u32| p.functions[f as usize].name.as_str();
    let mut merged: HashMap<(u32, Vec<u32>), u64> = HashMap::new();
    for s in stacks {
        let mut frames: Vec<u32> = s.frames.clone();
        if let Some(f) = &shape.focus {
            let Some(at) = frames.iter().position(|&x| f.is_match(label(x))) else { continue };
            frames.drain(..at);
        }
        if let Some(h) = &shape.hide {
            frames.retain(|&x| !h.is_match(label(x)));
        }
        if shape.no_inline {
            frames.retain(|&x| !p.functions[x as usize].inlined);
        }
        if shape.per_thread {
            if let Some(&t) = thread_fns.get(s.thread as usize) {
                frames.insert(0, t);
            }
        }
        if frames.is_empty() {
            continue;
        }
        *merged.entry((s.thread, frames)).or_default() += s.weight;
    }
    let mut stacks: Vec<Stack> =
        merged.into_iter().map(|((thread, frames), weight)| Stack { frames, thread, weight }).collect();
    stacks.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.frames.cmp(&b.frames)));
    from_stacks(&mut out, stacks);
    Ok(Cow::Owned(out))
}

/// One row of a grouped view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub key: String,
    pub self_cost: u64,
    pub total_cost: u64,
    /// The functions in the group.
    pub members: Vec<u32>,
    /// Every member is code inlined into its callers (DWARF's inlined frames).
    pub inlined: bool,
}

/// Functions grouped by `by`, largest self cost first. With stacks, a
/// group's total counts each stack once; without (callgrind), it is the
/// largest member's total (the others are usually below it).
pub fn grouped(p: &Profile, by: By) -> Vec<Row> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut group_of = vec![0usize; p.functions.len()];
    for (i, f) in p.functions.iter().enumerate() {
        let k = key(f, by);
        let g = *index.entry(k.clone()).or_insert_with(|| {
            rows.push(Row { key: k, self_cost: 0, total_cost: 0, members: Vec::new(), inlined: true });
            rows.len() - 1
        });
        group_of[i] = g;
        rows[g].members.push(i as u32);
        rows[g].self_cost += p.self_cost[i];
        rows[g].inlined &= f.inlined;
    }
    match &p.stacks {
        Some(stacks) => {
            let mut seen = vec![usize::MAX; rows.len()];
            for (k, s) in stacks.iter().enumerate() {
                for &f in &s.frames {
                    let g = group_of[f as usize];
                    if seen[g] != k {
                        seen[g] = k;
                        rows[g].total_cost += s.weight;
                    }
                }
            }
        }
        None => {
            for r in &mut rows {
                r.total_cost = r.members.iter().map(|&m| p.total_cost[m as usize]).max().unwrap_or(0);
            }
        }
    }
    rows.retain(|r| r.self_cost > 0 || r.total_cost > 0);
    rows.sort_by(|a, b| {
        b.self_cost.cmp(&a.self_cost).then_with(|| b.total_cost.cmp(&a.total_cost)).then_with(|| a.key.cmp(&b.key))
    });
    rows
}

/// Rows sorted by total cost.
pub fn by_total(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort_by(|a, b| {
        b.total_cost.cmp(&a.total_cost).then_with(|| b.self_cost.cmp(&a.self_cost)).then_with(|| a.key.cmp(&b.key))
    });
    rows
}

/// A function's neighbour in the call graph, and the cost on the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    pub key: String,
    /// Callees: the callee's cost when called from the function. Callers:
    /// the function's cost when called from the caller.
    pub cost: u64,
    pub self_cost: u64,
    pub total_cost: u64,
}

/// The functions whose key (for `by`) matches `pattern`: their row, and
/// their callees or callers, by edge cost.
pub fn neighbours(p: &Profile, by: By, pattern: &Regex, callees: bool) -> Result<(Row, Vec<Neighbour>), Error> {
    let rows = grouped(p, by);
    let matching: Vec<&Row> = rows.iter().filter(|r| pattern.is_match(&r.key)).collect();
    let row = match matching.as_slice() {
        [] => {
            let top = rows.iter().take(5).map(|r| r.key.clone()).collect();
            return Err(ProfileError::NoMatch { pattern: pattern.as_str().to_string(), top }.into());
        }
        [one] => (*one).clone(),
        many => match many.iter().find(|r| is_named(&r.key, pattern)) {
            Some(r) => (*r).clone(),
            None => {
                let names: Vec<&str> = many.iter().take(8).map(|r| r.key.as_str()).collect();
                return Err(too_many(many.len(), pattern, &names));
            }
        },
    };
    let members: std::collections::HashSet<u32> = row.members.iter().copied().collect();
    let key_of: HashMap<u32, String> =
        rows.iter().flat_map(|r| r.members.iter().map(move |&m| (m, r.key.clone()))).collect();
    let by_key: HashMap<&str, &Row> = rows.iter().map(|r| (r.key.as_str(), r)).collect();
    let mut cost: HashMap<String, u64> = HashMap::new();
    match &p.stacks {
        // with stacks: each stack through the function counts once per neighbour
        Some(stacks) => {
            for s in stacks {
                let mut seen: Vec<&str> = Vec::new();
                for w in s.frames.windows(2) {
                    let (caller, callee) = (w[0], w[1]);
                    let (here, there) = if callees { (caller, callee) } else { (callee, caller) };
                    if members.contains(&here) && !members.contains(&there) {
                        let Some(k) = key_of.get(&there) else { continue };
                        if !seen.contains(&k.as_str()) {
                            seen.push(k);
                            *cost.entry(k.clone()).or_default() += s.weight;
                        }
                    }
                }
            }
        }
        None => {
            for (&(caller, callee), &c) in &p.edges {
                let (here, there) = if callees { (caller, callee) } else { (callee, caller) };
                if let (true, Some(k)) = (members.contains(&here) && !members.contains(&there), key_of.get(&there)) {
                    *cost.entry(k.clone()).or_default() += c;
                }
            }
        }
    }
    let mut out: Vec<Neighbour> = cost
        .into_iter()
        .map(|(key, cost)| {
            let r = by_key[key.as_str()];
            Neighbour { self_cost: r.self_cost, total_cost: r.total_cost, key, cost }
        })
        .collect();
    out.sort_by(|a, b| b.cost.cmp(&a.cost).then_with(|| a.key.cmp(&b.key)));
    Ok((row, out))
}

/// Collapsed stacks, `root;…;leaf weight`, heaviest first (frames labelled
/// with `[inlined]` where DWARF says so).
pub fn folded(p: &Profile) -> Result<Vec<(String, u64)>, Error> {
    let Some(stacks) = &p.stacks else {
        return Err(ProfileError::NoStacksToFold.into());
    };
    let labels: Vec<String> = p.functions.iter().map(|f| f.label().replace(';', ":")).collect();
    let mut lines: HashMap<String, u64> = HashMap::new();
    for s in stacks {
        let line = s.frames.iter().map(|&f| labels[f as usize].as_str()).collect::<Vec<_>>().join(";");
        *lines.entry(line).or_default() += s.weight;
    }
    let mut out: Vec<(String, u64)> = lines.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// The name is the pattern's text itself, or ends with `::` and it.
pub(crate) fn is_named(name: &str, pattern: &Regex) -> bool {
    name == pattern.as_str() || name.strip_suffix(pattern.as_str()).is_some_and(|head| head.ends_with("::"))
}

/// A pattern that matches several functions, none of them by its whole name.
pub(crate) fn too_many(count: usize, pattern: &Regex, names: &[&str]) -> Error {
    let names = names.iter().map(|n| n.to_string()).collect();
    ProfileError::Ambiguous { count, pattern: pattern.as_str().to_string(), names }.into()
}
