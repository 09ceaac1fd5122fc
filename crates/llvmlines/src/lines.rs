//! A build's IR counted per crate ([`CrateIr`], what `--save` keeps), and
//! its functions grouped: by instance (the demangled name without hash, as
//! cargo-llvm-lines lists them), by function (generic arguments erased,
//! closures folded, as `trace --by function`), or by crate — the crate
//! whose IR holds the copy, the crate defining the function, or the crates
//! of its generic arguments' types.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use fastware_report::Error;
use fastware_symbols::Name;
use rayon::prelude::*;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::ir::{self, Counts};

/// What the rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum By {
    /// Functions: generic arguments erased, closures folded into their function
    Function,
    /// Each instance: the full demangled name (cargo-llvm-lines' rows)
    Instance,
    /// The crate whose IR holds the copies (where they are compiled)
    Crate,
    /// The crate that defines the function
    DefiningCrate,
    /// The crates of the types in the generic arguments
    TypeCrate,
}

/// The order of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Sort {
    /// Lines of IR, most first
    Lines,
    /// Copies (instantiations), most first
    Copies,
    /// LLVM time (with --with-trace), most first
    Time,
}

/// One symbol's copies and lines in a crate's IR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolLines {
    /// The mangled name, as in the IR.
    pub symbol: String,
    pub copies: u64,
    pub lines: u64,
}

/// One crate's IR, counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrateIr {
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// `lib`, `bin`, `proc-macro` …
    pub kind: String,
    /// The `.ll` file read.
    pub file: String,
    pub symbols: Vec<SymbolLines>,
}

impl CrateIr {
    pub fn totals(&self) -> Counts {
        let mut t = Counts::default();
        for s in &self.symbols {
            t.add(Counts { copies: s.copies, lines: s.lines });
        }
        t
    }
}

/// Reads and counts the `.ll` files (crate name, kind, file), in parallel.
pub fn read(files: &[(String, String, &Path)]) -> Result<Vec<CrateIr>, Error> {
    files
        .par_iter()
        .map(|(crate_name, kind, path)| {
            let shown = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|e| Error::io(&shown, &e))?;
            let mut symbols: Vec<SymbolLines> = ir::count(&bytes)
                .into_iter()
                .map(|(name, c)| SymbolLines {
                    symbol: String::from_utf8_lossy(&name).into_owned(),
                    copies: c.copies,
                    lines: c.lines,
                })
                .collect();
            symbols.sort_by(|a, b| b.lines.cmp(&a.lines).then_with(|| a.symbol.cmp(&b.symbol)));
            Ok(CrateIr { crate_name: crate_name.clone(), kind: kind.clone(), file: shown, symbols })
        })
        .collect()
}

/// Crate label for symbols that are not Rust (C functions, LLVM intrinsics).
pub const NOT_RUST: &str = "(not Rust)";
/// Type-crate label for functions with no types in their generic arguments.
pub const NO_TYPES: &str = "(no type arguments)";

/// A row before any time is joined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    pub key: String,
    pub counts: Counts,
    /// Distinct instances (demangled names) in the group.
    pub instances: u64,
    /// Crates whose IR holds copies of it.
    pub crates: Vec<String>,
}

/// The keys of one symbol for `by`.
fn keys(name: &Name, crate_name: &str, by: By) -> Vec<String> {
    match by {
        By::Instance => vec![name.instance()],
        By::Function => vec![name.function()],
        By::Crate => vec![crate_name.to_string()],
        By::DefiningCrate => vec![name.defining_crate().unwrap_or(NOT_RUST).to_string()],
        By::TypeCrate => {
            let c = name.primary_type_crates();
            if c.is_empty() {
                vec![NO_TYPES.to_string()]
            } else {
                c.into_iter().map(str::to_string).collect()
            }
        }
    }
}

/// Groups every crate's symbols by `by`, keeping those whose instance name
/// matches `filter`; largest first by lines. Symbols of one demangled name
/// are one instance (as cargo-llvm-lines counts them).
pub fn group(units: &[CrateIr], by: By, filter: Option<&Regex>) -> Vec<Group> {
    type Acc = HashMap<String, (Group, HashSet<String>)>;
    let parts: Vec<Acc> = units
        .par_iter()
        .map(|u| {
            let mut acc: Acc = HashMap::new();
            for s in &u.symbols {
                let name = Name::new(&s.symbol);
                let instance = name.instance();
                if filter.is_some_and(|f| !f.is_match(&instance)) {
                    continue;
                }
                for k in keys(&name, &u.crate_name, by) {
                    let (g, seen) = acc.entry(k).or_default();
                    g.counts.add(Counts { copies: s.copies, lines: s.lines });
                    if !seen.contains(&instance) {
                        seen.insert(instance.clone());
                    }
                    if !g.crates.contains(&u.crate_name) {
                        g.crates.push(u.crate_name.clone());
                    }
                }
            }
            acc
        })
        .collect();
    let mut all: Acc = HashMap::new();
    for part in parts {
        for (k, (g, seen)) in part {
            let (a, a_seen) = all.entry(k).or_default();
            a.counts.add(g.counts);
            a_seen.extend(seen);
            for c in g.crates {
                if !a.crates.contains(&c) {
                    a.crates.push(c);
                }
            }
        }
    }
    let mut rows: Vec<Group> = all
        .into_iter()
        .map(|(key, (mut g, seen))| {
            g.key = key;
            g.instances = seen.len() as u64;
            g.crates.sort();
            g
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.counts.lines, b.counts.copies).cmp(&(a.counts.lines, a.counts.copies)).then_with(|| a.key.cmp(&b.key))
    });
    rows
}
