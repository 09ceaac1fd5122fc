//! One model for every CPU profile: functions with their self and total
//! cost, the call edges between them, the cost of each instruction, and,
//! from a sampling profiler, the stacks themselves.
//!
//! Costs are in the profile's unit: samples of an event (perf) or counted
//! events (callgrind's instructions). A function's **total** counts each
//! stack once, however often the function appears in it (recursion is not
//! counted twice); for callgrind, whose files hold no stacks, it is what
//! `callgrind_annotate --inclusive=yes` computes.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// A function of the profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Function {
    /// Demangled, without hash.
    pub name: String,
    /// The symbol as in the file, for functions that have one.
    pub raw: Option<String>,
    /// Code of this function inlined into its caller (from DWARF).
    pub inlined: bool,
    /// The file it is in (a path: `/usr/lib/x86_64-linux-gnu/libc.so.6`).
    pub module: Option<String>,
}

impl Function {
    /// The file's name without its directory.
    pub fn module_name(&self) -> Option<&str> {
        self.module.as_deref().map(|m| m.rsplit('/').next().unwrap_or(m))
    }

    /// How stacks show it: `name`, or `name [inlined]`.
    pub fn label(&self) -> String {
        if self.inlined {
            format!("{} [inlined]", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// One distinct stack and its cost, root first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stack {
    pub frames: Vec<u32>,
    pub thread: u32,
    pub weight: u64,
}

/// What was profiled, and how.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// `perf` or `callgrind`.
    pub tool: String,
    /// `cpu-clock`, `Ir` …
    pub event: String,
    /// `samples` or `instructions` (the cost unit).
    pub unit: String,
    /// `frame pointers`, `dwarf`, `exact (callgrind)`.
    pub unwinding: String,
    pub command: Option<String>,
    /// The project's `git rev-parse HEAD` (`-dirty` with changes) when recorded.
    #[serde(default)]
    pub commit: Option<String>,
    pub binary: Option<String>,
    pub build_id: Option<String>,
    pub duration_us: Option<f64>,
    pub lost: u64,
    pub threads: Vec<String>,
    /// The profile file read.
    pub file: String,
    /// What the reading could not do (kernel frames left unnamed …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A whole profile.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub meta: Meta,
    pub functions: Vec<Function>,
    /// Per function.
    pub self_cost: Vec<u64>,
    pub total_cost: Vec<u64>,
    /// (caller, callee) → the callee's cost when called from the caller.
    pub edges: BTreeMap<(u32, u32), u64>,
    /// Per function: the cost at each instruction (self cost). Addresses are
    /// the file's for perf, the run's for callgrind (see `load_bias`).
    pub addresses: BTreeMap<u32, BTreeMap<u64, u64>>,
    /// Per function: the inclusive cost of the calls made at each
    /// instruction (callgrind).
    pub calls_at: BTreeMap<u32, BTreeMap<u64, u64>>,
    /// How many calls (caller, the call's instruction, callee) made
    /// (callgrind; the address is 0 when the file has none).
    pub call_counts: BTreeMap<(u32, u64, u32), u64>,
    /// The stacks (sampling profilers only).
    pub stacks: Option<Vec<Stack>>,
    /// Where threads waited off the CPU, each stack weighted in
    /// nanoseconds (a perf.data with context switches: `crate::offcpu`).
    pub off_cpu: Option<Vec<Stack>>,
    /// The cost of everything.
    pub total: u64,
}

/// Builds a profile from stacks, one sample (or weighted stack) at a time.
#[derive(Debug, Default)]
pub struct Builder {
    functions: Vec<Function>,
    ids: HashMap<Function, u32>,
    stacks: HashMap<(u32, Vec<u32>), u64>,
    addresses: BTreeMap<u32, BTreeMap<u64, u64>>,
    pub threads: Vec<String>,
    thread_ids: HashMap<String, u32>,
}

impl Builder {
    pub fn function(&mut self, f: Function) -> u32 {
        if let Some(&id) = self.ids.get(&f) {
            return id;
        }
        let id = self.functions.len() as u32;
        self.functions.push(f.clone());
        self.ids.insert(f, id);
        id
    }

    pub fn thread(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.thread_ids.get(name) {
            return id;
        }
        let id = self.threads.len() as u32;
        self.threads.push(name.to_string());
        self.thread_ids.insert(name.to_string(), id);
        id
    }

    /// A stack, root first, of `weight`; `leaf_address` is the sampled
    /// instruction in the leaf's symbol (`leaf_symbol`).
    pub fn sample(&mut self, thread: u32, frames: Vec<u32>, weight: u64, leaf: Option<(u32, u64)>) {
        if let Some((f, a)) = leaf {
            *self.addresses.entry(f).or_default().entry(a).or_default() += weight;
        }
        *self.stacks.entry((thread, frames)).or_default() += weight;
    }

    pub fn finish(self, meta: Meta) -> Profile {
        let n = self.functions.len();
        let mut p = Profile {
            meta,
            functions: self.functions,
            self_cost: vec![0; n],
            total_cost: vec![0; n],
            addresses: self.addresses,
            ..Profile::default()
        };
        let mut stacks: Vec<Stack> =
            self.stacks.into_iter().map(|((thread, frames), weight)| Stack { frames, thread, weight }).collect();
        stacks.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.frames.cmp(&b.frames)));
        p.meta.threads = self.threads;
        from_stacks(&mut p, stacks);
        p
    }
}

/// Fills self, total and edges from `stacks`.
pub fn from_stacks(p: &mut Profile, stacks: Vec<Stack>) {
    let n = p.functions.len();
    p.self_cost = vec![0; n];
    p.total_cost = vec![0; n];
    p.edges.clear();
    p.total = 0;
    let mut seen = vec![u32::MAX; n];
    let mut seen_edge: HashMap<(u32, u32), usize> = HashMap::new();
    for (k, s) in stacks.iter().enumerate() {
        p.total += s.weight;
        if let Some(&leaf) = s.frames.last() {
            p.self_cost[leaf as usize] += s.weight;
        }
        for &f in &s.frames {
            if seen[f as usize] != k as u32 {
                seen[f as usize] = k as u32;
                p.total_cost[f as usize] += s.weight;
            }
        }
        for w in s.frames.windows(2) {
            let e = (w[0], w[1]);
            if seen_edge.insert(e, k) != Some(k) {
                *p.edges.entry(e).or_default() += s.weight;
            }
        }
    }
    p.stacks = Some(stacks);
}

/// Profiles of one kind summed into one (a program's processes, a
/// callgrind run's per-thread files).
pub fn merge(mut profiles: Vec<Profile>) -> Result<Profile, fastware_report::Error> {
    if profiles.len() <= 1 {
        return profiles.pop().ok_or_else(|| crate::ProfileError::NoProfile.into());
    }
    let first = &profiles[0];
    if profiles.iter().any(|p| p.meta.unit != first.meta.unit || p.stacks.is_some() != first.stacks.is_some()) {
        return Err(crate::ProfileError::MixedKinds.into());
    }
    let mut out = Profile { meta: first.meta.clone(), ..Profile::default() };
    out.meta.file = profiles.iter().map(|p| p.meta.file.as_str()).collect::<Vec<_>>().join(", ");
    out.meta.threads.clear();
    let mut ids: HashMap<Function, u32> = HashMap::new();
    let mut stacks: Vec<Stack> = Vec::new();
    let with_stacks = first.stacks.is_some();
    for p in profiles {
        let map: Vec<u32> = p
            .functions
            .iter()
            .map(|f| {
                *ids.entry(f.clone()).or_insert_with(|| {
                    out.functions.push(f.clone());
                    out.self_cost.push(0);
                    out.total_cost.push(0);
                    (out.functions.len() - 1) as u32
                })
            })
            .collect();
        let thread_base = out.meta.threads.len() as u32;
        out.meta.threads.extend(p.meta.threads.iter().cloned());
        out.meta.lost += p.meta.lost;
        for (i, &m) in map.iter().enumerate() {
            out.self_cost[m as usize] += p.self_cost[i];
            out.total_cost[m as usize] += p.total_cost[i];
        }
        for ((a, b), c) in p.edges {
            *out.edges.entry((map[a as usize], map[b as usize])).or_default() += c;
        }
        for (target, source) in [(&mut out.addresses, p.addresses), (&mut out.calls_at, p.calls_at)] {
            for (f, a) in source {
                let e = target.entry(map[f as usize]).or_default();
                for (addr, c) in a {
                    *e.entry(addr).or_default() += c;
                }
            }
        }
        out.total += p.total;
        for s in p.stacks.into_iter().flatten() {
            stacks.push(Stack {
                frames: s.frames.iter().map(|&f| map[f as usize]).collect(),
                thread: thread_base + s.thread,
                weight: s.weight,
            });
        }
    }
    if with_stacks {
        from_stacks(&mut out, stacks);
    }
    Ok(out)
}

/// The program a profile is of, among the objects its costs fall in
/// (`(path, cost)`): the one named by the command line, else the costliest
/// that is not a shared library or the kernel — a C program that spends
/// most of its time in libc is still the program, not `libc.so.6`.
pub fn main_object<'a>(objects: &[(&'a str, u64)], command: Option<&str>) -> Option<&'a str> {
    let file_name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let costliest = |keep: &dyn Fn(&str) -> bool| {
        objects.iter().filter(|(p, _)| !p.is_empty() && keep(p)).max_by_key(|(p, c)| (*c, *p)).map(|(p, _)| *p)
    };
    let program = command.and_then(|c| c.split_whitespace().next()).map(file_name);
    if let Some(found) = program.and_then(|prog| costliest(&|p: &str| file_name(p) == prog)) {
        return Some(found);
    }
    let library = |p: &str| p.starts_with('[') || file_name(p).contains(".so");
    costliest(&|p: &str| !library(p)).or_else(|| costliest(&|_| true))
}

#[cfg(test)]
mod main_object_tests {
    use super::main_object;

    #[test]
    fn the_program_not_the_library_it_spends_its_time_in() {
        let objects = [("/usr/lib/x86_64-linux-gnu/libc.so.6", 900), ("/tmp/spin", 100), ("[kernel]", 50)];
        assert_eq!(main_object(&objects, Some("./spin 10")), Some("/tmp/spin"));
        assert_eq!(main_object(&objects, None), Some("/tmp/spin"));
        assert_eq!(main_object(&objects, Some("perf record")), Some("/tmp/spin"));
        assert_eq!(main_object(&objects[..1], None), Some("/usr/lib/x86_64-linux-gnu/libc.so.6"));
    }
}
