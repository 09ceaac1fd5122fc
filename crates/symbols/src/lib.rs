//! fastware's symbol model: every capability that names a Rust function goes
//! through here.
//!
//! - [`parse`] demangles legacy (`_ZN…`) and v0 (`_R…`) names into a
//!   [`Symbol`]: path segments, generic arguments, closures, impls, drop glue.
//!   v0 names are parsed from their mangled structure (RFC 2603); legacy names
//!   from rustc-demangle's text, which is all the structure they carry.
//! - [`Symbol`] gives the grouping keys (instance, generic set, enclosing
//!   function) and the three crate attributions (defining, type,
//!   instantiating); see [`keys`].
//! - [`SymbolCache`] demangles each distinct name once.

pub mod ast;
mod cache;
pub mod keys;
mod legacy;
mod render;
mod v0;

pub use ast::{CrateRef, GenericArg, Mangling, Namespace, Path, Symbol, Type};
pub use cache::{Name, SymbolCache};

/// Parses a mangled Rust symbol (legacy or v0). `None` for anything else
/// (C symbols, LLVM intrinsics, plain text).
pub fn parse(mangled: &str) -> Option<Symbol> {
    let mangled = strip_llvm_suffix(mangled);
    if mangled.starts_with("_R") || mangled.starts_with("__R") {
        v0::parse(mangled)
    } else {
        legacy::parse(mangled)
    }
}

/// Parses an already demangled name (`core::ptr::drop_in_place<T>`,
/// `hotspots::{{closure}}`, as DWARF, valgrind and rustc-demangle write
/// them). `None` when the text is not a Rust path.
pub fn parse_demangled(text: &str) -> Option<Symbol> {
    let path = legacy::parse_path_text(text.trim())?;
    Some(Symbol { mangling: Mangling::Legacy, path, instantiating_crate: None, hash: None, suffix: String::new() })
}

/// Strips the `.llvm.<digits>` that ThinLTO appends to renamed local symbols.
fn strip_llvm_suffix(s: &str) -> &str {
    match s.find(".llvm.") {
        Some(i) if s[i + 6..].bytes().all(|b| b.is_ascii_hexdigit() || b == b'@') => &s[..i],
        _ => s,
    }
}

/// Demangles for display: the instance name without hash, or the input
/// unchanged when it is not a Rust symbol.
pub fn demangle(mangled: &str) -> String {
    match parse(mangled) {
        Some(s) => s.instance() + &s.suffix,
        None => fallback(mangled).unwrap_or_else(|| mangled.to_string()),
    }
}

/// rustc-demangle's text (without the hash) of a Rust symbol the structural
/// parser could not read, so that no output shows a raw mangled name.
pub(crate) fn fallback(mangled: &str) -> Option<String> {
    rustc_demangle::try_demangle(mangled).ok().map(|d| format!("{d:#}"))
}
