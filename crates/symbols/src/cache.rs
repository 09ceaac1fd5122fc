//! A name as found in a trace or binary, demangled once and cached.

use std::collections::HashMap;
use std::sync::Arc;

use crate::Symbol;

/// A raw symbol name and, when it is a Rust symbol, its parsed form.
/// Every key falls back to the raw name for non-Rust symbols.
#[derive(Clone, Debug)]
pub struct Name {
    pub raw: String,
    pub symbol: Option<Symbol>,
    /// rustc-demangle's text when the structural parse failed on a Rust symbol.
    pub fallback: Option<String>,
}

impl Name {
    pub fn new(raw: &str) -> Name {
        let symbol = crate::parse(raw);
        let fallback = if symbol.is_none() { crate::fallback(raw) } else { None };
        Name { raw: raw.to_string(), symbol, fallback }
    }

    /// A name already demangled (see [`crate::parse_demangled`]).
    pub fn from_demangled(text: &str) -> Name {
        Name { raw: text.to_string(), symbol: crate::parse_demangled(text), fallback: None }
    }

    /// Full demangled name (see [`Symbol::instance`]).
    pub fn instance(&self) -> String {
        self.symbol.as_ref().map_or_else(|| self.shown(), Symbol::instance)
    }

    /// See [`Symbol::generic_set`].
    pub fn generic_set(&self) -> String {
        self.symbol.as_ref().map_or_else(|| self.shown(), Symbol::generic_set)
    }

    /// See [`Symbol::function`].
    pub fn function(&self) -> String {
        self.symbol.as_ref().map_or_else(|| self.shown(), Symbol::function)
    }

    /// The name as shown when it has no structure: rustc-demangle's text, else the raw name.
    fn shown(&self) -> String {
        self.fallback.clone().unwrap_or_else(|| self.raw.clone())
    }

    pub fn defining_crate(&self) -> Option<&str> {
        self.symbol.as_ref().and_then(Symbol::defining_crate)
    }

    pub fn instantiating_crate(&self) -> Option<&str> {
        self.symbol.as_ref().and_then(Symbol::instantiating_crate)
    }

    pub fn primary_type_crates(&self) -> Vec<&str> {
        self.symbol.as_ref().map(Symbol::primary_type_crates).unwrap_or_default()
    }

    pub fn is_drop_glue(&self) -> bool {
        self.symbol.as_ref().is_some_and(Symbol::is_drop_glue)
    }
}

/// Demangles each distinct raw name once.
#[derive(Default, Debug)]
pub struct SymbolCache {
    names: HashMap<String, Arc<Name>>,
}

impl SymbolCache {
    pub fn new() -> SymbolCache {
        SymbolCache::default()
    }

    /// The parsed name, from the cache when seen before.
    pub fn get(&mut self, raw: &str) -> Arc<Name> {
        if let Some(n) = self.names.get(raw) {
            return Arc::clone(n);
        }
        let n = Arc::new(Name::new(raw));
        self.names.insert(raw.to_string(), Arc::clone(&n));
        n
    }

    /// How many distinct names were demangled.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}
