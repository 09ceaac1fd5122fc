//! `--annotate FN`: a function's real machine code (the listing `fastware
//! asm` shows) with the cost of each instruction and its source line.
//! perf's addresses are the file's own; callgrind's are where valgrind
//! loaded the file, so the load offset is found first (the one page-aligned
//! shift that puts the costed addresses of the file's functions inside
//! their symbols).

use std::collections::HashMap;
use std::path::Path;

use fastware_binary::binary::Sym;
use fastware_binary::listing::Labels;
use fastware_binary::{Binary, Syntax};
use fastware_report::Error;
use regex::Regex;

use crate::model::Profile;
use crate::report::{AnnotateReport, AnnotatedLine};

/// The annotated listing of the function (a symbol, not inlined code) whose
/// name matches `pattern`.
pub fn annotate(p: &Profile, pattern: &Regex) -> Result<AnnotateReport, Error> {
    let candidates: Vec<usize> = (0..p.functions.len())
        .filter(|&i| {
            !p.functions[i].inlined && p.functions[i].module.is_some() && pattern.is_match(&p.functions[i].name)
        })
        .collect();
    let f = match candidates.as_slice() {
        [] => return Err(crate::ProfileError::NotInBinaries { pattern: pattern.as_str().to_string() }.into()),
        [one] => *one,
        many => {
            let exact: Vec<usize> =
                many.iter().copied().filter(|&i| crate::views::is_named(&p.functions[i].name, pattern)).collect();
            match exact.as_slice() {
                [one] => *one,
                _ => {
                    let mut by_cost = many.to_vec();
                    by_cost.sort_by_key(|&i| std::cmp::Reverse(p.self_cost[i]));
                    let names: Vec<&str> = by_cost.iter().take(6).map(|&i| p.functions[i].name.as_str()).collect();
                    return Err(crate::views::too_many(many.len(), pattern, &names));
                }
            }
        }
    };
    let func = &p.functions[f];
    let module = func.module.clone().unwrap_or_default();
    let b = Binary::open(Path::new(&module))?;
    let empty = Default::default();
    let costs = p.addresses.get(&(f as u32)).unwrap_or(&empty);
    let calls = p.calls_at.get(&(f as u32)).unwrap_or(&empty);
    let shift = if p.meta.tool == "callgrind" { load_offset(p, &b, &module).unwrap_or(0) } else { 0 };
    let sym = symbol_of(p, f, &b, shift)
        .ok_or_else(|| Error::from(crate::ProfileError::NoSymbol { name: func.name.clone() }).at(&module))?;
    let debug = b.debug().ok().flatten();
    let listing = b.listing(sym, Syntax::Intel, Labels::Addresses, debug.as_ref());
    let base = listing.address - listing.shown_address;
    let mut covered = 0u64;
    let lines = listing
        .lines
        .iter()
        .map(|l| {
            let at = l.insn.address + shift;
            let cost = costs.get(&at).copied().unwrap_or(0);
            covered += cost;
            let loc = l.frames.last().and_then(|f| f.location.clone());
            AnnotatedLine {
                address: l.insn.address - base,
                text: l.insn.text.clone(),
                cost,
                share: None,
                call_cost: calls.get(&at).copied(),
                file: loc.as_ref().map(|x| x.file.clone()),
                line: loc.map(|x| x.line),
                hot: false,
            }
        })
        .collect();
    let elsewhere = costs.values().sum::<u64>() - covered;
    Ok(AnnotateReport::new(p, &func.name, listing.shown_address, lines, elsewhere))
}

/// The symbol of out-of-line function `f` in `b` (loaded `shift` bytes
/// from its file addresses): by its symbol name; for a name without its
/// hash (callgrind's), which several instances of one generic function may
/// share, the instance the recorded addresses fall in.
pub fn symbol_of<'b>(p: &Profile, f: usize, b: &'b Binary, shift: u64) -> Option<&'b Sym> {
    let func = &p.functions[f];
    let empty = Default::default();
    let costs = p.addresses.get(&(f as u32)).unwrap_or(&empty);
    let rank = |s: &&Sym| {
        let (from, to) = (s.address + shift, s.address + shift + s.size.max(1));
        (costs.range(from..to).map(|(_, c)| *c).sum::<u64>(), std::cmp::Reverse(s.address))
    };
    match &func.raw {
        Some(raw) => b.by_name().get(raw).map(|&i| &b.symbols[i]),
        // first the symbols the costs fall in (a few names demangled); when
        // none of them has the name, every symbol of the file
        None => costed_functions(b, costs, shift)
            .filter(|s| fastware_symbols::demangle(&s.raw) == func.name)
            .max_by_key(rank)
            .or_else(|| {
                b.functions
                    .iter()
                    .map(|&i| &b.symbols[i])
                    .filter(|s| fastware_symbols::demangle(&s.raw) == func.name)
                    .max_by_key(rank)
            }),
    }
}

/// The function symbols of `b` holding a costed address (`shift` bytes from
/// the file's addresses), each once, with every other symbol at the same
/// address (an alias).
fn costed_functions<'b>(
    b: &'b Binary,
    costs: &std::collections::BTreeMap<u64, u64>,
    shift: u64,
) -> impl Iterator<Item = &'b Sym> {
    let mut starts: Vec<u64> =
        costs.keys().filter_map(|&a| b.function_at(a.checked_sub(shift)?)).map(|s| s.address).collect();
    starts.dedup();
    starts.into_iter().flat_map(move |at| {
        let from = b.functions.partition_point(|&f| b.symbols[f].address < at);
        let to = b.functions.partition_point(|&f| b.symbols[f].address <= at);
        b.functions[from..to].iter().map(|&i| &b.symbols[i])
    })
}

/// The files of a profile's functions, each opened once, with where the
/// run had it loaded (see [`load_offset`]; 0 for perf, whose addresses are
/// the file's).
#[derive(Default)]
pub struct Modules {
    files: HashMap<String, Option<(Binary, u64)>>,
}

impl Modules {
    /// Opens `module` unless it was (a file that cannot be read stays unread).
    pub fn load(&mut self, p: &Profile, module: &str) {
        self.files.entry(module.to_string()).or_insert_with(|| {
            let b = Binary::open(Path::new(module)).ok()?;
            let shift = if p.meta.tool == "callgrind" { load_offset(p, &b, module).unwrap_or(0) } else { 0 };
            Some((b, shift))
        });
    }

    /// A file [`Modules::load`] opened, and its load offset.
    pub fn get(&self, module: &str) -> Option<(&Binary, u64)> {
        self.files.get(module)?.as_ref().map(|(b, s)| (b, *s))
    }
}

const PAGE: u64 = 0x1000;

/// Where valgrind put the file: the page-aligned offset of run addresses
/// from file addresses that fits the costed functions of `module`.
pub fn load_offset(p: &Profile, b: &Binary, module: &str) -> Option<u64> {
    voted_offset(p, b, module).or_else(|| offset_by_names(p, b, module))
}

/// The load offset without demangling the whole file (a big library has
/// hundreds of thousands of symbols: librustc_driver's 92,684 functions
/// took a quarter of a `profile` run). A function that ran was entered at
/// its first instruction, so its lowest costed address minus the offset is
/// where a symbol starts: each of the costliest functions votes for every
/// page-aligned offset that puts its first address at a symbol's start.
/// The offset most of them agree on is taken when the functions found there
/// bear their names; `None` leaves it to
/// [`offset_by_names`].
fn voted_offset(p: &Profile, b: &Binary, module: &str) -> Option<u64> {
    const VOTERS: usize = 64;
    let mut ranges: Vec<(u64, u64, usize)> = p // (cost, first address, function)
        .addresses
        .iter()
        .filter(|(&f, costs)| p.functions[f as usize].module.as_deref() == Some(module) && !costs.is_empty())
        .filter_map(|(&f, costs)| Some((costs.values().sum::<u64>(), *costs.keys().next()?, f as usize)))
        .collect();
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
    ranges.truncate(VOTERS);
    if ranges.len() < 2 {
        return None;
    }
    // symbol starts by their place in a page
    let mut by_page_offset: HashMap<u64, Vec<u64>> = HashMap::new();
    for &i in &b.functions {
        let a = b.symbols[i].address;
        by_page_offset.entry(a % PAGE).or_default().push(a);
    }
    let mut votes: HashMap<u64, usize> = HashMap::new();
    for &(_, first, _) in &ranges {
        let mut offsets: Vec<u64> = by_page_offset
            .get(&(first % PAGE))
            .into_iter()
            .flatten()
            .filter_map(|&start| first.checked_sub(start))
            .collect();
        offsets.sort_unstable();
        offsets.dedup();
        for off in offsets {
            *votes.entry(off).or_default() += 1;
        }
    }
    let (&off, &n) = votes.iter().max_by_key(|(&off, &n)| (n, std::cmp::Reverse(off)))?;
    if n * 2 <= ranges.len() {
        return None;
    }
    // the functions there are the ones the profile names (valgrind's own
    // names, as `(below main)`, aside: three in four at least, and two)
    let (mut landed, mut named) = (0, 0);
    for &(_, first, f) in &ranges {
        let at = first.checked_sub(off)?;
        // a function not entered at its start (no symbol starts there) cannot say
        if b.function_at(at).is_none_or(|s| s.address != at) {
            continue;
        }
        landed += 1;
        let here = b.functions.partition_point(|&i| b.symbols[i].address < at);
        let mut same_start = b.functions[here..].iter().map(|&i| &b.symbols[i]).take_while(|s| s.address == at);
        if same_start.any(|s| fastware_symbols::demangle(&s.raw) == p.functions[f].name) {
            named += 1;
        }
    }
    (named >= 2 && named * 4 >= landed * 3).then_some(off)
}

/// The load offset from every costed function found by its name in `b`.
fn offset_by_names(p: &Profile, b: &Binary, module: &str) -> Option<u64> {
    // (lowest, highest) offset that keeps each function's costs in its symbol
    let (mut lo, mut hi) = (0u64, u64::MAX);
    let mut any = false;
    // by demangled name; a name several instances of a generic function
    // share (callgrind's names have no hash) says nothing of where it is
    // (demangled on every core: a big library has hundreds of thousands of
    // symbols, librustc_driver 165,406, a fifth of a `profile` run)
    use rayon::prelude::*;
    let names: Vec<(String, &Sym)> =
        b.functions.par_iter().map(|&i| (fastware_symbols::demangle(&b.symbols[i].raw), &b.symbols[i])).collect();
    let mut by_name: HashMap<String, Option<&Sym>> = HashMap::with_capacity(names.len());
    for (name, s) in names {
        by_name
            .entry(name)
            .and_modify(|known| {
                if known.is_some_and(|k| k.address != s.address) {
                    *known = None;
                }
            })
            .or_insert(Some(s));
    }
    for (&f, costs) in &p.addresses {
        let func = &p.functions[f as usize];
        if func.module.as_deref() != Some(module) || costs.is_empty() {
            continue;
        }
        let Some(Some(sym)) = by_name.get(&func.name) else {
            continue;
        };
        let (first, last) = (*costs.keys().next()?, *costs.keys().next_back()?);
        // sym.address <= a - off < sym.address + size, for first and last
        lo = lo.max((last + 1).saturating_sub(sym.address + sym.size.max(1)));
        hi = hi.min(first.checked_sub(sym.address)?);
        any = true;
        if hi < lo {
            return None;
        }
    }
    if !any {
        return None;
    }
    let off = hi / PAGE * PAGE;
    (off >= lo).then_some(off)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a real callgrind recording, the vote finds the offset the names
    /// give, for the program and each library it loaded (or leaves it to them).
    #[test]
    fn the_vote_finds_the_offset_the_names_give() {
        if std::process::Command::new("valgrind").arg("--version").output().is_err() {
            eprintln!("SKIPPED the load offset's vote: no valgrind");
            return;
        }
        let bin = fastware_testkit::cargo_build_stable("hotspots", "", &["--release"]).join("release/hotspots");
        let out = fastware_testkit::temp_dir("load-offset").join("callgrind.out");
        let st = std::process::Command::new("valgrind")
            .args(["-q", "--tool=callgrind", "--dump-instr=yes"])
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(&bin)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("valgrind");
        assert!(st.success());
        let p = crate::callgrind::read(&out, None).expect("read");
        let mut modules: Vec<&str> = p.functions.iter().filter_map(|f| f.module.as_deref()).collect();
        modules.sort_unstable();
        modules.dedup();
        let mut voted = 0;
        for module in modules {
            let Ok(b) = Binary::open(Path::new(module)) else { continue };
            let by_names = offset_by_names(&p, &b, module);
            match voted_offset(&p, &b, module) {
                // (where the names find none, as in ld.so whose costs spill
                // past some symbols, the callers take 0)
                Some(off) => {
                    assert_eq!(off, by_names.unwrap_or(0), "{module}");
                    voted += 1;
                }
                None => assert!(!module.ends_with("/hotspots"), "no vote for the program"),
            }
        }
        assert!(voted >= 1);
    }
}
