//! Code size: by function, by crate (three attributions), by generic set
//! with its number of instantiations, by section; and the change between
//! two files.

use std::collections::HashMap;

use fastware_symbols::SymbolCache;

use crate::binary::Binary;

/// What sizes are summed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum SizeBy {
    /// Each function (instance) by its demangled name.
    Function,
    /// Generic functions with all their instantiations.
    GenericSet,
    /// The crate that instantiated the code (v0 symbols), else the defining crate.
    Crate,
    /// The crate that defines the function.
    DefiningCrate,
    /// The crates of the types in the generic arguments (each counts).
    TypeCrate,
    /// ELF sections.
    Section,
}

impl SizeBy {
    pub fn key_name(self) -> &'static str {
        match self {
            SizeBy::Function => "function",
            SizeBy::GenericSet => "generic_set",
            SizeBy::Crate => "crate",
            SizeBy::DefiningCrate => "defining_crate",
            SizeBy::TypeCrate => "type_crate",
            SizeBy::Section => "section",
        }
    }
}

/// One row: a key, its bytes, and how many symbols (instantiations, for a
/// generic set) or sections make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeRow {
    pub key: String,
    pub bytes: u64,
    pub count: u64,
}

/// Rows of two files side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeChange {
    pub key: String,
    pub old_bytes: u64,
    pub new_bytes: u64,
    pub old_count: u64,
    pub new_count: u64,
}

impl SizeChange {
    pub fn change(&self) -> i64 {
        self.new_bytes as i64 - self.old_bytes as i64
    }
}

/// Key for code that is not a Rust symbol.
pub const NOT_RUST: &str = "(not Rust)";

impl Binary {
    /// Sizes summed by `by`, largest first. Function sizes are the symbol
    /// sizes (`nm -S`); each function counts once, under its first name.
    pub fn sizes(&self, by: SizeBy) -> Vec<SizeRow> {
        let mut sums: HashMap<String, (u64, u64)> = HashMap::new();
        let mut add = |k: String, b: u64| {
            let e = sums.entry(k).or_default();
            e.0 += b;
            e.1 += 1;
        };
        if by == SizeBy::Section {
            for s in &self.sections {
                if s.name.is_empty() || s.size == 0 {
                    continue;
                }
                add(s.name.clone(), s.size);
            }
        } else {
            let mut cache = SymbolCache::new();
            for &i in &self.functions {
                let s = &self.symbols[i];
                let name = cache.get(&s.raw);
                let rust = name.symbol.is_some();
                match by {
                    SizeBy::Function => add(fastware_symbols::demangle(&s.raw), s.size),
                    SizeBy::GenericSet => add(
                        name.symbol.as_ref().map_or_else(|| s.raw.clone(), |sym| sym.generic_set() + &sym.suffix),
                        s.size,
                    ),
                    SizeBy::Crate => {
                        let c = name.instantiating_crate().or(name.defining_crate());
                        add(c.filter(|_| rust).unwrap_or(NOT_RUST).to_string(), s.size)
                    }
                    SizeBy::DefiningCrate => {
                        add(name.defining_crate().filter(|_| rust).unwrap_or(NOT_RUST).to_string(), s.size)
                    }
                    SizeBy::TypeCrate => {
                        let crates = name.primary_type_crates();
                        if crates.is_empty() {
                            add(name.defining_crate().filter(|_| rust).unwrap_or(NOT_RUST).to_string(), s.size);
                        }
                        for c in crates {
                            add(c.to_string(), s.size);
                        }
                    }
                    SizeBy::Section => unreachable!("handled above"),
                }
            }
        }
        let mut rows: Vec<SizeRow> =
            sums.into_iter().map(|(key, (bytes, count))| SizeRow { key, bytes, count }).collect();
        rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.key.cmp(&b.key)));
        rows
    }

    /// The bytes of code in functions.
    pub fn function_bytes(&self) -> u64 {
        self.functions.iter().map(|&i| self.symbols[i].size).sum()
    }
}

/// Two files' rows by key, sorted by the size of the change, largest first.
pub fn size_changes(old: &[SizeRow], new: &[SizeRow]) -> Vec<SizeChange> {
    let mut by_key: HashMap<&str, SizeChange> = HashMap::new();
    for r in old {
        by_key.insert(
            &r.key,
            SizeChange { key: r.key.clone(), old_bytes: r.bytes, new_bytes: 0, old_count: r.count, new_count: 0 },
        );
    }
    for r in new {
        let e = by_key.entry(&r.key).or_insert(SizeChange {
            key: r.key.clone(),
            old_bytes: 0,
            new_bytes: 0,
            old_count: 0,
            new_count: 0,
        });
        e.new_bytes = r.bytes;
        e.new_count = r.count;
    }
    let mut out: Vec<SizeChange> = by_key.into_values().collect();
    out.sort_by(|a, b| b.change().unsigned_abs().cmp(&a.change().unsigned_abs()).then_with(|| a.key.cmp(&b.key)));
    out
}
