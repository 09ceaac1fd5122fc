//! Addresses of a running program named, as profilers need them: the
//! function (symbol) whose code holds an address, and the functions DWARF
//! says were inlined there, innermost first — what `addr2line -i -f`
//! prints, with names demangled and hashes removed.

use std::collections::HashMap;

use crate::binary::Binary;
use crate::debug::Debug;

/// One function at an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Demangled, without hash.
    pub name: String,
    /// The symbol's name as in the file, for the function that holds the
    /// code (inlined frames have none).
    pub raw: Option<String>,
    /// True for code of this function inlined into the next frame.
    pub inlined: bool,
    /// Where in this function's source the code is.
    pub file: Option<String>,
    pub line: Option<u32>,
}

/// Names addresses of one file, remembering what it named.
pub struct Symbolizer<'a> {
    binary: &'a Binary,
    debug: Option<Debug<'a>>,
    cache: HashMap<u64, Vec<Frame>>,
}

impl std::fmt::Debug for Symbolizer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Symbolizer").field("binary", &self.binary.path).finish()
    }
}

impl<'a> Symbolizer<'a> {
    /// Reads the file's DWARF when it has some (damaged DWARF is ignored:
    /// the symbol table still names functions).
    pub fn new(binary: &'a Binary) -> Symbolizer<'a> {
        Symbolizer { binary, debug: binary.debug().ok().flatten(), cache: HashMap::new() }
    }

    pub fn binary(&self) -> &'a Binary {
        self.binary
    }

    /// True when the file has DWARF, so inlined frames can be seen.
    pub fn has_debug_info(&self) -> bool {
        self.debug.is_some()
    }

    /// The frames at file address `address`, innermost first; empty when no
    /// symbol holds it.
    pub fn frames(&mut self, address: u64) -> &[Frame] {
        if !self.cache.contains_key(&address) {
            let frames = self.lookup(address);
            self.cache.insert(address, frames);
        }
        &self.cache[&address]
    }

    fn lookup(&self, address: u64) -> Vec<Frame> {
        let Some(sym) = self.binary.function_at(address) else { return Vec::new() };
        let outer_name = fastware_symbols::demangle(&sym.raw);
        let dwarf = self.debug.as_ref().map(|d| d.frames(address)).unwrap_or_default();
        let mut out = Vec::with_capacity(dwarf.len().max(1));
        let n = dwarf.len();
        for (i, f) in dwarf.into_iter().enumerate() {
            let outermost = i + 1 == n;
            let (file, line) = match f.location {
                Some(l) => (Some(l.file), Some(l.line)),
                None => (None, None),
            };
            out.push(Frame {
                name: if outermost { outer_name.clone() } else { f.function.unwrap_or_else(|| "?".into()) },
                raw: outermost.then(|| sym.raw.clone()),
                inlined: !outermost,
                file,
                line,
            });
        }
        if out.is_empty() {
            out.push(Frame { name: outer_name, raw: Some(sym.raw.clone()), inlined: false, file: None, line: None });
        }
        out
    }
}
