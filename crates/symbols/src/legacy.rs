//! Legacy (`_ZN…17h<hash>E`) symbols: rustc-demangle gives the text, and this
//! module parses that text into the [`crate::ast`] model.
//!
//! The legacy mangling only encodes the item path as printed by rustc
//! (`core::ptr::drop_in_place<alloc::vec::Vec<u8>>`,
//! `<&T as core::fmt::Debug>::fmt`), so the text is all the structure there
//! is. Anything the parser does not understand inside generic arguments is
//! kept as [`Type::Opaque`] rather than rejected.

use crate::ast::{CrateRef, DynTrait, FnSig, GenericArg, Mangling, Namespace, Path, Symbol, Type, LEGACY_CLOSURE};

/// Parses a legacy-mangled symbol. `None` when it is not one.
pub fn parse(symbol: &str) -> Option<Symbol> {
    let body =
        symbol.strip_prefix("_ZN").or_else(|| symbol.strip_prefix("__ZN")).or_else(|| symbol.strip_prefix("ZN"))?;
    let demangled = rustc_demangle::try_demangle(symbol).ok()?;
    let text = format!("{demangled:#}");
    let (text, suffix) = split_suffix(&text, symbol);
    let hash = legacy_hash(body);
    let path = parse_path_text(text)?;
    Some(Symbol { mangling: Mangling::Legacy, path, instantiating_crate: None, hash, suffix: suffix.to_string() })
}

/// Separates a trailing `.suffix` (kept by rustc-demangle) from the path text.
fn split_suffix<'t>(text: &'t str, symbol: &str) -> (&'t str, &'t str) {
    let Some(end) = symbol.rfind('E') else {
        return (text, "");
    };
    let sym_suffix = &symbol[end + 1..];
    if !sym_suffix.is_empty() && text.ends_with(sym_suffix) {
        text.split_at(text.len() - sym_suffix.len())
    } else {
        (text, "")
    }
}

/// The `h<16 hex>` hash segment at the end of a legacy body, if present.
fn legacy_hash(body: &str) -> Option<String> {
    let end = body.rfind('E')?;
    let inner = &body[..end];
    let start = inner.len().checked_sub(17)?;
    let seg = inner.get(start..)?;
    let hex = seg.strip_prefix('h')?;
    if hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()) && inner[..start].ends_with("17") {
        Some(seg.to_string())
    } else {
        None
    }
}

/// Parses demangled legacy path text such as
/// `<alloc::vec::Vec<T,A> as core::ops::drop::Drop>::drop`.
pub fn parse_path_text(text: &str) -> Option<Path> {
    let mut p = TextParser { s: text.as_bytes(), pos: 0, depth: 0 };
    let path = p.path()?;
    if p.pos == text.len() {
        Some(path)
    } else {
        None
    }
}

struct TextParser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: u32,
}

const MAX_DEPTH: u32 = 200;

impl TextParser<'_> {
    fn rest(&self) -> &[u8] {
        &self.s[self.pos..]
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.rest().starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// `<T as Trait>::seg::seg` or `seg::seg<…>::seg`.
    fn path(&mut self) -> Option<Path> {
        self.enter()?;
        let mut path = if self.peek() == Some(b'<') {
            self.qualified()?
        } else {
            let name = self.ident()?;
            let root = Path::Crate(CrateRef { name, disambiguator: 0 });
            self.generics(root)?
        };
        // every segment nests the path one box deeper, and everything that
        // walks a path (drop, hash, rendering) recurses through the boxes:
        // so each segment counts toward the depth bound, and a symbol of
        // 20,000 segments is refused here (shown as rustc-demangle's text)
        // rather than overflowing a thread's stack later
        let mut segments = 0;
        while self.eat("::") {
            self.enter()?;
            segments += 1;
            if self.peek() == Some(b'<') {
                path = self.impl_segment(path)?;
                continue;
            }
            let name = self.ident()?;
            path = self.nested(path, name);
            path = self.generics(path)?;
        }
        self.depth -= 1 + segments;
        Some(path)
    }

    fn nested(&self, parent: Path, name: String) -> Path {
        let (ns, disambiguator, name) = if name == "{{closure}}" {
            (Namespace::Closure, LEGACY_CLOSURE, String::new())
        } else {
            (Namespace::Value, 0, name)
        };
        Path::Nested { parent: Box::new(parent), ns, name, disambiguator }
    }

    /// `<T>` or `<T as Trait>`.
    fn qualified(&mut self) -> Option<Path> {
        if !self.eat("<") {
            return None;
        }
        let self_ty = Box::new(self.ty()?);
        let trait_ = if self.eat(" as ") { Some(Box::new(self.path()?)) } else { None };
        if !self.eat(">") {
            return None;
        }
        Some(Path::Impl { impl_path: None, self_ty, trait_ })
    }

    /// `<impl Type>` or `<impl Trait for Type>`: an impl block inside `module`.
    fn impl_segment(&mut self, module: Path) -> Option<Path> {
        if !self.eat("<impl ") {
            return None;
        }
        let start = self.pos;
        let first = self.ty()?;
        let (self_ty, trait_) = if self.eat(" for ") {
            let Type::Path(trait_path) = first else {
                self.pos = start;
                return None;
            };
            (self.ty()?, Some(Box::new(trait_path)))
        } else {
            (first, None)
        };
        if !self.eat(">") {
            return None;
        }
        Some(Path::Impl { impl_path: Some(Box::new(module)), self_ty: Box::new(self_ty), trait_ })
    }

    /// An optional `<arg,arg>` list after a path segment.
    fn generics(&mut self, path: Path) -> Option<Path> {
        if self.peek() != Some(b'<') {
            return Some(path);
        }
        self.pos += 1;
        let mut args = Vec::new();
        loop {
            args.push(self.generic_arg()?);
            if self.eat(",") {
                continue;
            }
            if self.eat(">") {
                break;
            }
            return None;
        }
        Some(Path::Generic { path: Box::new(path), args })
    }

    fn generic_arg(&mut self) -> Option<GenericArg> {
        if self.peek().is_some_and(|b| b.is_ascii_digit() || b == b'-') {
            let start = self.pos;
            while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                self.pos += 1;
            }
            return Some(GenericArg::Const(self.text(start)));
        }
        let start = self.pos;
        match self.ty() {
            Some(t) if matches!(self.peek(), Some(b',' | b'>')) => Some(GenericArg::Type(t)),
            _ => {
                self.pos = start;
                Some(GenericArg::Type(Type::Opaque(self.opaque()?)))
            }
        }
    }

    fn text(&self, start: usize) -> String {
        String::from_utf8_lossy(&self.s[start..self.pos]).into_owned()
    }

    /// Skips balanced text up to the next `,` or `>` at this nesting level.
    fn opaque(&mut self) -> Option<String> {
        let start = self.pos;
        let mut depth = 0i32;
        while let Some(b) = self.peek() {
            match b {
                b'<' | b'(' | b'[' => depth += 1,
                b')' | b']' => depth -= 1,
                b'>' if depth == 0 => break,
                b'>' if self.pos > 0 && self.s[self.pos - 1] == b'-' => {}
                b'>' => depth -= 1,
                b',' if depth == 0 => break,
                _ => {}
            }
            self.pos += 1;
        }
        (self.pos > start).then(|| self.text(start))
    }

    fn ty(&mut self) -> Option<Type> {
        self.enter()?;
        let ty = if self.eat("&mut ") {
            Type::Ref { lifetime: None, mutable: true, inner: Box::new(self.ty()?) }
        } else if self.eat("&") {
            Type::Ref { lifetime: None, mutable: false, inner: Box::new(self.ty()?) }
        } else if self.eat("*const ") {
            Type::Ptr { mutable: false, inner: Box::new(self.ty()?) }
        } else if self.eat("*mut ") {
            Type::Ptr { mutable: true, inner: Box::new(self.ty()?) }
        } else if self.eat("[") {
            let inner = Box::new(self.ty()?);
            let ty = if self.eat("; ") {
                let start = self.pos;
                while self.peek().is_some_and(|b| b != b']') {
                    self.pos += 1;
                }
                Type::Array { inner, len: self.text(start) }
            } else {
                Type::Slice(inner)
            };
            if !self.eat("]") {
                return None;
            }
            ty
        } else if self.eat("(") {
            let mut items = Vec::new();
            while !self.eat(")") {
                items.push(self.ty()?);
                if !self.eat(",") && self.peek() != Some(b')') {
                    return None;
                }
            }
            if items.is_empty() {
                Type::Basic("()".to_string())
            } else {
                Type::Tuple(items)
            }
        } else if self.rest().starts_with(b"dyn ") {
            self.pos += 4;
            let mut traits = vec![DynTrait { path: self.path()?, assoc: Vec::new() }];
            while self.eat("+") {
                traits.push(DynTrait { path: self.path()?, assoc: Vec::new() });
            }
            Type::Dyn { binder: Vec::new(), traits, lifetime: None }
        } else if self.rest().starts_with(b"fn(")
            || self.rest().starts_with(b"unsafe ")
            || self.rest().starts_with(b"extern ")
        {
            self.fn_sig()?
        } else if self.eat("!") {
            Type::Basic("!".to_string())
        } else {
            // A one-segment path in a legacy type is a primitive or a generic
            // parameter (`u8`, `T`): crates always show up with `::` after them.
            match self.path()? {
                Path::Crate(c) => Type::Basic(c.name),
                path => Type::Path(path),
            }
        };
        self.depth -= 1;
        Some(ty)
    }

    fn fn_sig(&mut self) -> Option<Type> {
        let is_unsafe = self.eat("unsafe ");
        let abi = if self.eat("extern \"") {
            let start = self.pos;
            while self.peek().is_some_and(|b| b != b'"') {
                self.pos += 1;
            }
            let abi = self.text(start);
            if !self.eat("\" ") {
                return None;
            }
            Some(abi)
        } else {
            None
        };
        if !self.eat("fn(") {
            return None;
        }
        let mut params = Vec::new();
        while !self.eat(")") {
            params.push(self.ty()?);
            if !self.eat(",") && self.peek() != Some(b')') {
                return None;
            }
        }
        // legacy mangling has no `-`: rustc writes `->` as `.>`, and rustc-demangle keeps it
        let ret = if self.eat(" -> ") || self.eat(" .> ") { Some(self.ty()?) } else { None };
        Some(Type::Fn(Box::new(FnSig { binder: Vec::new(), is_unsafe, abi, params, ret })))
    }

    /// An identifier segment: anything up to a delimiter, with `{{…}}` kept whole.
    fn ident(&mut self) -> Option<String> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if self.rest().starts_with(b"{{") {
                let close = find(self.rest(), b"}}")?;
                self.pos += close + 2;
                continue;
            }
            if matches!(b, b':' | b'<' | b'>' | b',' | b'(' | b')' | b'[' | b']' | b';' | b' ' | b'+' | b'&' | b'*') {
                break;
            }
            self.pos += 1;
        }
        (self.pos > start).then(|| self.text(start))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
