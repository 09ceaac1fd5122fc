//! Was a function inlined? Its out-of-line copies (symbols), every call or
//! tail jump in the file that reaches one (a whole-file scan: direct, through
//! the PLT or a GOT slot, or by relocation in an object file), and every
//! place DWARF records it inlined.

use std::collections::{BTreeMap, HashMap, HashSet};

use fastware_report::units::bytes;

use crate::arch::Flow;
use crate::binary::{Binary, Sym, Target};
use crate::debug::{Debug, InlinedPlace, Location};
use crate::select::{last_segment, without_generics, Pattern};

/// A function as `inline` sees it: a name, its copies, and the places DWARF
/// records it inlined.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    /// Demangled, hash and generic arguments removed.
    pub key: String,
    pub copies: Vec<&'a Sym>,
    pub places: Vec<Place>,
    /// True when some places matched only on the bare name DWARF gave
    /// (`debug = "line-tables-only"` has no paths).
    pub bare_names: bool,
}

/// A place a candidate was inlined.
#[derive(Debug, Clone)]
pub struct Place {
    pub place: InlinedPlace,
    /// Matched on a bare name that DWARF could not tell apart from another
    /// function's of the same name.
    pub uncertain: bool,
}

/// What DWARF says of a bare-named inlined place and a candidate's copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Identity {
    Same,
    Different,
    Uncertain,
}

/// A call or tail jump that reaches a copy.
#[derive(Debug, Clone)]
pub struct CallSite {
    pub address: u64,
    /// The function holding the instruction.
    pub caller: String,
    pub kind: Flow,
    pub via_got: bool,
    /// A call through a register loaded with the copy's address.
    pub through_register: bool,
    /// The copy it reaches (its address).
    pub copy: u64,
}

/// Where the inlined code lives: one function of the file.
#[derive(Debug, Clone)]
pub struct InlinedInto {
    pub function: String,
    pub places: u64,
    pub bytes: u64,
    /// The lines of the calls that were inlined.
    pub calls: Vec<Location>,
    /// Of `places`, those matched on a bare name only (see [`Place`]).
    pub uncertain: u64,
}

/// The inlining verdict for one function.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub function: String,
    pub copies: Vec<(String, u64, u64)>,
    pub call_sites: Vec<CallSite>,
    /// Loads of a copy's address not followed by a call through it (a
    /// function pointer stored or passed on).
    pub address_taken: Vec<CallSite>,
    pub inlined: Vec<InlinedInto>,
    pub has_debug: bool,
    pub bare_names: bool,
    /// One line: "not inlined — …", "inlined into …".
    pub summary: String,
}

impl Verdict {
    pub fn inlined_places(&self) -> u64 {
        self.inlined.iter().map(|i| i.places).sum()
    }
    pub fn inlined_bytes(&self) -> u64 {
        self.inlined.iter().map(|i| i.bytes).sum()
    }
}

impl Binary {
    /// The functions matching `pattern`, from the symbol table and from
    /// DWARF's inlined places, one candidate per name.
    ///
    /// DWARF from `debug = "line-tables-only"` names functions without their
    /// path; such a bare name joins a candidate with copies unless DWARF
    /// shows it is another function (see [`identity`]), and is marked
    /// uncertain when DWARF cannot tell.
    pub fn inline_candidates<'a>(
        &'a self,
        pattern: &Pattern,
        places: &[InlinedPlace],
        debug: Option<&Debug>,
    ) -> Vec<Candidate<'a>> {
        let mut by_key: BTreeMap<String, Candidate> = BTreeMap::new();
        for f in self.find_functions(pattern) {
            let key = without_generics(&f.name);
            by_key
                .entry(key.clone())
                .or_insert_with(|| Candidate { key, copies: Vec::new(), places: Vec::new(), bare_names: false })
                .copies
                .push(f.sym);
        }
        // for each bare name: whether its places are of several functions
        let mut several: HashMap<String, bool> = HashMap::new();
        for p in places {
            let name = without_generics(&p.name.display);
            let mut uncertain = false;
            let key = if p.name.qualified {
                if !pattern.matches(&p.name.display) && !pattern.matches(&name) {
                    continue;
                }
                name
            } else {
                // a bare DWARF name joins the one candidate ending in it, or
                // stands for the pattern that ends in it
                let same: Vec<&String> = by_key
                    .iter()
                    .filter(|(k, c)| last_segment(k) == name && !c.copies.is_empty())
                    .map(|(k, _)| k)
                    .collect();
                // several functions of this name: which is meant cannot be told
                let mut ambiguous =
                    || *several.entry(p.name.display.clone()).or_insert_with(|| functions(debug, places, &p.name) > 1);
                match (same.as_slice(), pattern) {
                    ([one], _) => match identity(debug, p, &by_key[*one].copies) {
                        Identity::Different => continue,
                        Identity::Same => (*one).clone(),
                        // never inlined into itself by a bare name alone
                        Identity::Uncertain if within(p.address, &by_key[*one].copies) => continue,
                        Identity::Uncertain => {
                            uncertain = true;
                            (*one).clone()
                        }
                    },
                    (_, Pattern::Substring(text)) if last_segment(text) == name => {
                        uncertain = ambiguous();
                        text.clone()
                    }
                    _ if pattern.matches(&name) => {
                        uncertain = ambiguous();
                        name
                    }
                    _ => continue,
                }
            };
            let c = by_key.entry(key.clone()).or_insert_with(|| Candidate {
                key,
                copies: Vec::new(),
                places: Vec::new(),
                bare_names: false,
            });
            c.bare_names |= !p.name.qualified;
            c.places.push(Place { place: p.clone(), uncertain });
        }
        by_key.into_values().collect()
    }

    /// The verdict for a candidate. `has_debug` says whether DWARF was read.
    pub fn verdict(&self, c: &Candidate, has_debug: bool) -> Verdict {
        let copies: HashSet<u64> = c.copies.iter().map(|s| s.address).collect();
        let raws: HashMap<&str, u64> = c.copies.iter().map(|s| (s.raw.as_str(), s.address)).collect();
        let mut call_sites = Vec::new();
        let mut loads = Vec::new();
        let name_of = |address: u64| {
            self.function_at(address).map_or_else(|| format!("{address:#x}"), |f| fastware_symbols::demangle(&f.raw))
        };
        for section in self.code_sections() {
            self.arch.scan(&section.data, section.address, |i| {
                let branch = matches!(
                    i.flow,
                    Flow::Call | Flow::Jump | Flow::ConditionalJump | Flow::IndirectCall | Flow::IndirectJump
                );
                if !branch && i.memory.is_none() && !self.kind.is_relocatable() {
                    return;
                }
                let Some((copy, via_got)) = self.reaches(i, &copies, &raws) else { return };
                let site = CallSite {
                    address: i.address,
                    caller: String::new(),
                    kind: i.flow,
                    via_got,
                    through_register: false,
                    copy,
                };
                if !branch {
                    // its address is loaded: `mov r13, [rip + f@GOT]`, maybe `call r13` later
                    loads.push(site);
                    return;
                }
                let caller = self.function_at(i.address);
                // a jump inside the copy itself is its own loop, not a call site
                if i.flow != Flow::Call && i.flow != Flow::IndirectCall && caller.is_some_and(|f| f.address == copy) {
                    return;
                }
                call_sites.push(CallSite { caller: name_of(i.address), ..site });
            });
        }
        let mut address_taken = Vec::new();
        for load in loads {
            let calls = self
                .function_at(load.address)
                .and_then(|f| Some((f, self.bytes_at(f.address, f.size)?.0)))
                .map(|(f, code)| self.arch.calls_through_register(code, f.address, load.address))
                .unwrap_or_default();
            let caller = name_of(load.address);
            if calls.is_empty() {
                address_taken.push(CallSite { caller, ..load });
                continue;
            }
            for call in calls {
                call_sites.push(CallSite {
                    address: call,
                    caller: caller.clone(),
                    kind: Flow::IndirectCall,
                    via_got: load.via_got,
                    through_register: true,
                    copy: load.copy,
                });
            }
        }
        call_sites.sort_by_key(|s| s.address);
        // inlined places, grouped by the function whose code holds them
        let mut into: BTreeMap<String, InlinedInto> = BTreeMap::new();
        for Place { place: p, uncertain } in &c.places {
            let function = self.function_at(p.address).map_or_else(
                || p.parent.as_ref().map_or_else(|| format!("{:#x}", p.address), |n| n.display.clone()),
                |f| fastware_symbols::demangle(&f.raw),
            );
            let e = into.entry(function.clone()).or_insert(InlinedInto {
                function,
                places: 0,
                bytes: 0,
                calls: Vec::new(),
                uncertain: 0,
            });
            e.places += 1;
            e.uncertain += u64::from(*uncertain);
            e.bytes += p.bytes;
            e.calls.extend(p.call.clone());
        }
        let mut inlined: Vec<InlinedInto> = into.into_values().collect();
        inlined.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.function.cmp(&b.function)));
        let copies: Vec<(String, u64, u64)> =
            c.copies.iter().map(|s| (fastware_symbols::demangle(&s.raw), s.address, s.size)).collect();
        let summary = summary(&c.key, &copies, &call_sites, &inlined, has_debug);
        Verdict {
            function: c.key.clone(),
            copies,
            call_sites,
            address_taken,
            inlined,
            has_debug,
            bare_names: c.bare_names,
            summary,
        }
    }

    /// The copy a branch reaches, and whether through a GOT slot or PLT stub.
    fn reaches(&self, i: &crate::arch::Insn, copies: &HashSet<u64>, raws: &HashMap<&str, u64>) -> Option<(u64, bool)> {
        if self.kind.is_relocatable() {
            let r = self.relocs_in(i.address, i.len as u64).first()?;
            return match &r.target {
                Target::Symbol(name, _) => raws.get(name.as_str()).map(|&a| (a, r.via_got)),
                Target::Address(a) => copies.contains(a).then_some((*a, r.via_got)),
            };
        }
        if let Some(b) = i.branch {
            if copies.contains(&b) {
                return Some((b, false));
            }
            if self.section_at(b).is_some_and(|s| s.name.starts_with(".plt")) {
                let r = self.target_of(i)?;
                return r.address.filter(|a| copies.contains(a)).map(|a| (a, true));
            }
            return None;
        }
        let m = i.memory?;
        match self.got().get(&m)? {
            Target::Address(a) => copies.contains(a).then_some((*a, true)),
            Target::Symbol(name, _) => raws.get(name.as_str()).map(|&a| (a, true)),
        }
    }
}

/// Source lines as (file, first, last).
type Span = (String, u32, u32);

fn overlaps(a: &Span, b: &Span) -> bool {
    a.0 == b.0 && a.1 <= b.2 && b.1 <= a.2
}

/// The lines of its body that the code inlined at `p` runs (at each
/// address, the line of its frame).
fn place_span(d: &Debug, p: &InlinedPlace) -> Option<Span> {
    d.body_lines(&p.ranges, |frames| frames.len().checked_sub(1 + p.depth))
}

/// Whether the code inlined at `p`, which DWARF names only by its last
/// segment, is the function of `copies`. Debug info this thin gives no
/// path and no declaration line, but its line table does: the lines of
/// its body that the place runs and those a copy runs (at each address the
/// outermost frame's line) are of one function when they overlap, of two
/// when they do not (or are in different files).
fn identity(debug: Option<&Debug>, p: &InlinedPlace, copies: &[&Sym]) -> Identity {
    let Some(d) = debug else { return Identity::Uncertain };
    let Some(theirs) = place_span(d, p) else { return Identity::Uncertain };
    let spans: Vec<Option<Span>> =
        copies.iter().map(|c| d.body_lines(&[(c.address, c.address + c.size)], |f| f.len().checked_sub(1))).collect();
    if spans.iter().flatten().any(|s| overlaps(s, &theirs)) {
        Identity::Same
    } else if !spans.is_empty() && spans.iter().all(Option::is_some) {
        Identity::Different
    } else {
        Identity::Uncertain
    }
}

/// How many functions the places DWARF names `name` are of, told apart by
/// their lines (as in [`identity`]); places without lines count as one.
fn functions(debug: Option<&Debug>, places: &[InlinedPlace], name: &crate::debug::DieName) -> usize {
    let Some(d) = debug else { return 1 };
    let mut spans: Vec<Span> = places.iter().filter(|p| &p.name == name).filter_map(|p| place_span(d, p)).collect();
    spans.sort();
    let mut merged: Vec<Span> = Vec::new();
    for s in spans {
        match merged.last_mut() {
            Some(m) if overlaps(m, &s) => m.2 = m.2.max(s.2),
            _ => merged.push(s),
        }
    }
    merged.len().max(1)
}

/// Whether `address` lies in one of `copies`.
fn within(address: u64, copies: &[&Sym]) -> bool {
    copies.iter().any(|c| (c.address..c.address + c.size).contains(&address))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "in `a`", "in `a` and `b`", "in 5 functions".
fn callers_text(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [a] => format!("in `{a}`"),
        [a, b] => format!("in `{a}` and `{b}`"),
        [a, b, c] => format!("in `{a}`, `{b}` and `{c}`"),
        _ => format!("in {} functions", names.len()),
    }
}

fn summary(
    key: &str,
    copies: &[(String, u64, u64)],
    sites: &[CallSite],
    inlined: &[InlinedInto],
    has_debug: bool,
) -> String {
    let copy_bytes: u64 = copies.iter().map(|c| c.2).sum();
    let mut callers: Vec<&str> = sites.iter().map(|s| s.caller.as_str()).collect();
    callers.sort();
    callers.dedup();
    let called = if sites.is_empty() {
        "with no direct call site (reached through a function pointer or vtable, if at all)".to_string()
    } else {
        format!("called from {} {}", plural(sites.len(), "site", "sites"), callers_text(&callers))
    };
    let places: u64 = inlined.iter().map(|i| i.places).sum();
    let uncertain: u64 = inlined.iter().map(|i| i.uncertain).sum();
    let inlined_bytes: u64 = inlined.iter().map(|i| i.bytes).sum();
    let into = format!(
        "inlined into {} at {} ({}){}",
        plural(inlined.len(), "function", "functions"),
        plural(places as usize, "place", "places"),
        bytes(inlined_bytes),
        match uncertain {
            0 => String::new(),
            n if n == places => " — uncertain (bare names)".to_string(),
            n => format!(" — {n} of them uncertain (bare names)"),
        }
    );
    let kept = format!("{} ({})", plural(copies.len(), "copy", "copies"), bytes(copy_bytes));
    match (copies.is_empty(), inlined.is_empty()) {
        (false, true) if has_debug => format!("`{key}`: not inlined — {kept}, {called}"),
        (false, true) => format!("`{key}`: {kept}, {called}; without debug info, places it was inlined cannot be seen"),
        (true, false) => format!("`{key}`: {into}, no out-of-line copy"),
        (false, false) => format!("`{key}`: {into}, and kept as {kept}, {called}"),
        (true, true) if has_debug => format!("`{key}`: not in this binary — no copy and no inlined code"),
        (true, true) => {
            format!("`{key}`: no out-of-line copy; without debug info, places it was inlined cannot be seen")
        }
    }
}
