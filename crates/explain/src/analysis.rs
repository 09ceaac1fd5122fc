//! Each side's counts, function by function, matched across the sides
//! through inlining.
//!
//! callgrind counts each executed instruction of the program's file
//! (`--dump-instr=yes`); DWARF says, for each instruction, which functions
//! were inlined where it stands (outermost first). A function is matched
//! by name (demangled, without hash or `.llvm.N`). When a function runs
//! out of line on one side and inlined on the other, the instructions of
//! its inlined code are counted as its own on the inlined side, so that it
//! is compared with itself and its host keeps only its own. Every other
//! instruction counts for the function whose symbol holds it (with the
//! code inlined into it), as profilers count.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use fastware_binary::select::{last_segment, without_generics};
use fastware_binary::Binary;
use fastware_profile::model::Profile;
use fastware_report::Error;
use serde::{Deserialize, Serialize};

/// One side to compare: its program, the callgrind recording of the
/// workload (`--cache-sim=yes --dump-instr=yes`), and the wall times of
/// its timed runs.
#[derive(Debug, Clone)]
pub struct Side {
    /// How the user named it (`HEAD~1`, a saved name, a file).
    pub label: String,
    pub commit: Option<String>,
    pub binary: PathBuf,
    pub recording: PathBuf,
}

/// The events fastware compares: instructions, data reads, data writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Events {
    pub instructions: u64,
    pub reads: u64,
    pub writes: u64,
}

impl Events {
    pub fn add(&mut self, o: Events) {
        self.instructions += o.instructions;
        self.reads += o.reads;
        self.writes += o.writes;
    }
}

/// One executed instruction of the program's own file.
#[derive(Debug, Clone)]
pub(crate) struct Point {
    /// Its address in the file.
    pub address: u64,
    pub events: Events,
    /// The function whose symbol holds it.
    pub outer: String,
    /// The functions inlined where it stands, outermost first.
    pub chain: Vec<String>,
    /// The source file of each of `chain`'s functions (where the line run
    /// in it is), and of the outer one: names in `Read::files`.
    pub files: Vec<Option<u32>>,
    pub outer_file: Option<u32>,
    /// The inclusive instructions of the calls made here.
    pub calls_cost: u64,
}

/// Calls made from one instruction to one function.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// The call's address in the program's file (`None`: in another file,
    /// or a recording without addresses).
    pub address: Option<u64>,
    /// The calling function (its symbol's; attributed later).
    pub caller: String,
    pub callee: String,
    pub count: u64,
}

/// A side read: its file, and its recording as points and calls.
pub(crate) struct Read {
    pub side: Side,
    pub binary: Binary,
    pub totals: Events,
    pub points: Vec<Point>,
    /// Functions of other files (libc, the loader): their own events.
    pub others: BTreeMap<String, (Events, u64)>,
    pub calls: Vec<Call>,
    pub has_debug: bool,
    /// Symbol sizes by function.
    pub sizes: HashMap<String, u64>,
    /// Source files, by the ids points hold.
    pub files: Vec<String>,
}

/// A function's name as the sides are matched on: demangled, without hash
/// and without LLVM's `.llvm.N` suffix.
pub fn key(name: &str) -> String {
    let name = name.trim();
    let name = name.find(".llvm.").map_or(name, |i| &name[..i]);
    name.to_string()
}

/// The profile of `recording` for `event`.
fn profile(side: &Side, event: &str) -> Result<Profile, Error> {
    fastware_profile::callgrind::read(&side.recording, Some(event)).map_err(|e| {
        if event == "Ir" {
            e
        } else {
            let recording = side.recording.display().to_string();
            crate::ExplainError::NoEvent { recording, event: event.to_string() }.into()
        }
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    let c = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    c(a) == c(b)
}

/// A side's file (`path`, named `label`) has the function symbols sides
/// are matched by: not stripped.
pub fn has_symbols(binary: &Binary, path: &Path, label: &str) -> Result<(), Error> {
    if binary.has_symtab && !binary.functions.is_empty() {
        return Ok(());
    }
    Err(crate::ExplainError::Stripped { binary: path.display().to_string(), label: label.to_string() }.into())
}

/// Reads a side: its binary and its recording's three events.
pub(crate) fn read(side: &Side, names: &Names) -> Result<Read, Error> {
    let binary = Binary::open(&side.binary)?;
    has_symbols(&binary, &side.binary, &side.label)?;
    let ir = profile(side, "Ir")?;
    let dr = profile(side, "Dr")?;
    let dw = profile(side, "Dw")?;
    let module = ir
        .functions
        .iter()
        .filter_map(|f| f.module.as_deref())
        .find(|m| same_file(Path::new(m), &side.binary))
        .map(str::to_string)
        .or_else(|| ir.meta.binary.clone())
        .unwrap_or_default();
    let shift = fastware_profile::annotate::load_offset(&ir, &binary, &module).unwrap_or(0);
    let debug = binary.debug()?;
    let mut points = Vec::new();
    let mut files: Vec<String> = Vec::new();
    let mut file_ids: HashMap<String, u32> = HashMap::new();
    let mut others: BTreeMap<String, (Events, u64)> = BTreeMap::new();
    let empty = BTreeMap::new();
    for (f, func) in ir.functions.iter().enumerate() {
        let id = f as u32;
        if func.module.as_deref() != Some(module.as_str()) {
            let e = others.entry(key(&func.name)).or_default();
            e.0.add(Events { instructions: ir.self_cost[f], reads: dr.self_cost[f], writes: dw.self_cost[f] });
            e.1 += ir.total_cost[f];
            continue;
        }
        let (r, w) = (dr.addresses.get(&id).unwrap_or(&empty), dw.addresses.get(&id).unwrap_or(&empty));
        let calls_at = ir.calls_at.get(&id).unwrap_or(&empty);
        for (&at, &instructions) in ir.addresses.get(&id).unwrap_or(&empty) {
            let address = at.wrapping_sub(shift);
            let outer = binary
                .function_at(address)
                .map_or_else(|| key(&func.name), |s| key(&fastware_symbols::demangle(&s.raw)));
            // frames innermost first; each frame's location is a line of
            // its own function's body (the line run, or the call inlined)
            let frames = debug.as_ref().map(|d| d.frames(address)).unwrap_or_default();
            let mut file_of = |f: &fastware_binary::debug::Frame| {
                let name = &f.location.as_ref()?.file;
                Some(match file_ids.get(name) {
                    Some(&i) => i,
                    None => {
                        files.push(name.clone());
                        file_ids.insert(name.clone(), files.len() as u32 - 1);
                        files.len() as u32 - 1
                    }
                })
            };
            let inlined = frames.len().saturating_sub(1);
            let mut chain = Vec::new();
            let mut chain_files = Vec::new();
            for fr in frames[..inlined].iter().rev() {
                if let Some(n) = fr.function.as_deref() {
                    chain.push(names.resolve(n));
                    chain_files.push(file_of(fr));
                }
            }
            let outer_file = frames.last().and_then(&mut file_of);
            let events = Events {
                instructions,
                reads: r.get(&at).copied().unwrap_or(0),
                writes: w.get(&at).copied().unwrap_or(0),
            };
            points.push(Point {
                address,
                events,
                outer,
                chain,
                files: chain_files,
                outer_file,
                calls_cost: calls_at.get(&at).copied().unwrap_or(0),
            });
        }
    }
    let mut calls = Vec::new();
    for (&(caller, at, callee), &count) in &ir.call_counts {
        let caller_fn = &ir.functions[caller as usize];
        let in_main = caller_fn.module.as_deref() == Some(module.as_str());
        let address = (in_main && at != 0).then(|| at.wrapping_sub(shift));
        let caller_key = match address.and_then(|a| binary.function_at(a)) {
            Some(s) => key(&fastware_symbols::demangle(&s.raw)),
            None => key(&caller_fn.name),
        };
        calls.push(Call { address, caller: caller_key, callee: key(&ir.functions[callee as usize].name), count });
    }
    let mut sizes: HashMap<String, u64> = HashMap::new();
    for &i in &binary.functions {
        let s = &binary.symbols[i];
        *sizes.entry(key(&fastware_symbols::demangle(&s.raw))).or_default() += s.size;
    }
    let totals = Events { instructions: ir.total, reads: dr.total, writes: dw.total };
    let has_debug = debug.is_some();
    drop(debug);
    Ok(Read { side: side.clone(), binary, totals, points, others, calls, has_debug, sizes, files })
}

/// Bare names (DWARF of `debug = "line-tables-only"` names inlined
/// functions by their last segment) resolved to the one function of
/// either file that ends in them.
#[derive(Debug, Default)]
pub(crate) struct Names {
    by_last: HashMap<String, BTreeSet<String>>,
}

impl Names {
    pub fn of(files: &[&Path]) -> Names {
        let mut by_last: HashMap<String, BTreeSet<String>> = HashMap::new();
        for f in files {
            let Ok(b) = Binary::open(f) else { continue };
            for &i in &b.functions {
                let k = key(&fastware_symbols::demangle(&b.symbols[i].raw));
                by_last.entry(last_segment(&without_generics(&k)).to_string()).or_default().insert(k);
            }
        }
        Names { by_last }
    }

    pub fn resolve(&self, name: &str) -> String {
        let k = key(name);
        if k.contains("::") {
            return k;
        }
        match self.by_last.get(&k) {
            Some(all) if all.len() == 1 => all.iter().next().cloned().unwrap_or(k),
            _ => k,
        }
    }
}

/// A function's figures on one side, after attribution.
#[derive(Debug, Clone, Default)]
pub(crate) struct Attributed {
    pub own: Events,
    pub inclusive: u64,
    /// The points counted for it (indices into the side's points).
    pub points: Vec<usize>,
}

/// Each side's functions, attributed; and where each function was found.
pub(crate) struct Sides {
    /// The workload, as the user gave it.
    pub command: String,
    pub base: Read,
    pub new: Read,
    pub base_fns: BTreeMap<String, Attributed>,
    pub new_fns: BTreeMap<String, Attributed>,
    pub base_hosts: BTreeMap<String, BTreeSet<String>>,
    pub new_hosts: BTreeMap<String, BTreeSet<String>>,
}

/// Out-of-line functions (with instructions run) and, per function, the
/// out-of-line functions its code ran in (itself, or where it was inlined).
fn hosts(points: &[Point]) -> (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>) {
    let mut ool = BTreeSet::new();
    let mut hosts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in points {
        ool.insert(p.outer.clone());
        hosts.entry(p.outer.clone()).or_default().insert(p.outer.clone());
        for c in &p.chain {
            hosts.entry(c.clone()).or_default().insert(p.outer.clone());
        }
    }
    (ool, hosts)
}

fn attribute(points: &[Point], moved: &BTreeSet<String>) -> BTreeMap<String, Attributed> {
    let mut out: BTreeMap<String, Attributed> = BTreeMap::new();
    for (i, p) in points.iter().enumerate() {
        // the innermost function whose inlining changed, else the symbol's
        let to = p.chain.iter().rev().find(|c| moved.contains(*c)).unwrap_or(&p.outer);
        let a = out.entry(to.clone()).or_default();
        a.own.add(p.events);
        a.inclusive += p.events.instructions + p.calls_cost;
        a.points.push(i);
    }
    out
}

/// Both sides read and attributed.
pub(crate) fn sides(base: &Side, new: &Side, command: &str) -> Result<Sides, Error> {
    let names = Names::of(&[&base.binary, &new.binary]);
    let (mut b, mut n) = (read(base, &names)?, read(new, &names)?);
    // a bare name several functions end in (DWARF of line-tables-only):
    // among those that ran out of line, from the same source file, the one
    // that ran out of line only on the other side (whose inlining
    // changed), else the only one
    let ran = |r: &Read| {
        let mut by_last: HashMap<String, BTreeSet<(String, Option<String>)>> = HashMap::new();
        for p in &r.points {
            let file = p.outer_file.map(|f| r.files[f as usize].clone());
            by_last
                .entry(last_segment(&without_generics(&p.outer)).to_string())
                .or_default()
                .insert((p.outer.clone(), file));
        }
        by_last
    };
    let (ran_b, ran_n) = (ran(&b), ran(&n));
    let resolve = |r: &mut Read, this: &HashMap<_, BTreeSet<(String, Option<String>)>>, other: &HashMap<_, _>| {
        let none = BTreeSet::new();
        let files = r.files.clone();
        for p in r.points.iter_mut() {
            for (c, file) in p.chain.iter_mut().zip(&p.files).filter(|(c, _)| !c.contains("::")) {
                // without the file, a bare name could be any of them
                let Some(file) = file.map(|f| files[f as usize].clone()) else { continue };
                let same = |set: &BTreeSet<(String, Option<String>)>| -> BTreeSet<String> {
                    set.iter().filter(|(_, f)| f.as_deref() == Some(file.as_str())).map(|(k, _)| k.clone()).collect()
                };
                let (here, there) =
                    (same(this.get(c.as_str()).unwrap_or(&none)), same(other.get(c.as_str()).unwrap_or(&none)));
                let only_there: Vec<&String> = there.difference(&here).collect();
                let all: BTreeSet<&String> = here.union(&there).collect();
                let one = match (only_there.as_slice(), all.len()) {
                    ([one], _) => Some((*one).clone()),
                    (_, 1) => all.into_iter().next().cloned(),
                    _ => None,
                };
                if let Some(one) = one {
                    *c = one;
                }
            }
        }
    };
    resolve(&mut b, &ran_b, &ran_n);
    resolve(&mut n, &ran_n, &ran_b);
    let (base_ool, base_hosts) = hosts(&b.points);
    let (new_ool, new_hosts) = hosts(&n.points);
    let moved: BTreeSet<String> = base_hosts
        .keys()
        .filter(|k| new_hosts.contains_key(*k) && base_ool.contains(*k) != new_ool.contains(*k))
        .cloned()
        .collect();
    let base_fns = attribute(&b.points, &moved);
    let new_fns = attribute(&n.points, &moved);
    Ok(Sides { command: command.to_string(), base: b, new: n, base_fns, new_fns, base_hosts, new_hosts })
}

/// Runs the whole analysis: see [`crate::report::Explanation`].
/// `cache_sim`: add the cache simulation's totals (the recordings have them).
pub fn explain(
    base: &Side,
    new: &Side,
    command: &str,
    top: usize,
    cache_sim: bool,
) -> Result<crate::Explanation, Error> {
    let s = sides(base, new, command)?;
    let mut e = crate::report::Explanation::of(&s, top);
    if cache_sim {
        e.cache = Some(crate::report::Cache::of(&base.recording, &new.recording)?);
    }
    Ok(e)
}
