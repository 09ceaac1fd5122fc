//! Parser for v0 mangled names (RFC 2603) into the [`crate::ast`] model.
//!
//! rustc-demangle only prints v0 names; fastware needs their structure (crate
//! roots with disambiguators, generic arguments, impl paths, the instantiating
//! crate), so this module parses the grammar itself. It follows
//! rustc-demangle's grammar (including its later additions: pattern types,
//! `#[splat]`, const ADTs), and the tests check that rendering the parsed tree
//! gives exactly rustc-demangle's `{:#}` output for real symbols.

use crate::ast::{CrateRef, DynTrait, FnSig, GenericArg, Mangling, Namespace, Path, Symbol, Type};

/// Deepest nesting accepted, like rustc-demangle's own limit.
const MAX_DEPTH: u32 = 500;
/// Most tree nodes one symbol may expand to through backrefs.
const MAX_NODES: u32 = 100_000;

#[derive(Debug)]
struct Invalid;

type Result<T> = std::result::Result<T, Invalid>;

/// Parses a v0 symbol (`_R…`, also `R…` and `__R…`). Returns `None` when the
/// text is not a valid v0 symbol.
pub fn parse(symbol: &str) -> Option<Symbol> {
    let inner =
        symbol.strip_prefix("_R").or_else(|| symbol.strip_prefix("__R")).or_else(|| symbol.strip_prefix('R'))?;
    if !inner.as_bytes().first()?.is_ascii_uppercase() || !inner.is_ascii() {
        return None;
    }
    let mut p = Parser { sym: inner.as_bytes(), pos: 0, depth: 0, lifetime_depth: 0, nodes: 0 };
    let path = p.path().ok()?;
    let instantiating_crate = match p.peek() {
        Some(b'A'..=b'Z') => Some(crate_of(&p.path().ok()?)?),
        _ => None,
    };
    let suffix = &inner[p.pos..];
    if !suffix.is_empty() && !suffix.starts_with('.') {
        return None;
    }
    Some(Symbol { mangling: Mangling::V0, path, instantiating_crate, hash: None, suffix: suffix.to_string() })
}

/// The crate root at the base of an instantiating-crate path.
fn crate_of(path: &Path) -> Option<CrateRef> {
    match path {
        Path::Crate(c) => Some(c.clone()),
        Path::Nested { parent, .. } => crate_of(parent),
        Path::Generic { path, .. } => crate_of(path),
        _ => None,
    }
}

struct Parser<'s> {
    sym: &'s [u8],
    pos: usize,
    depth: u32,
    /// Lifetimes bound by enclosing `for<…>` binders, to name `'a`, `'b` ….
    lifetime_depth: u64,
    nodes: u32,
}

impl<'s> Parser<'s> {
    fn peek(&self) -> Option<u8> {
        self.sym.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn next(&mut self) -> Result<u8> {
        let b = self.peek().ok_or(Invalid)?;
        self.pos += 1;
        Ok(b)
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        self.nodes += 1;
        if self.depth > MAX_DEPTH || self.nodes > MAX_NODES {
            return Err(Invalid);
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn integer_62(&mut self) -> Result<u64> {
        if self.eat(b'_') {
            return Ok(0);
        }
        let mut x: u64 = 0;
        while !self.eat(b'_') {
            let d = match self.next()? {
                d @ b'0'..=b'9' => d - b'0',
                d @ b'a'..=b'z' => 10 + (d - b'a'),
                d @ b'A'..=b'Z' => 36 + (d - b'A'),
                _ => return Err(Invalid),
            };
            x = x.checked_mul(62).ok_or(Invalid)?;
            x = x.checked_add(u64::from(d)).ok_or(Invalid)?;
        }
        x.checked_add(1).ok_or(Invalid)
    }

    fn opt_integer_62(&mut self, tag: u8) -> Result<u64> {
        if !self.eat(tag) {
            return Ok(0);
        }
        self.integer_62()?.checked_add(1).ok_or(Invalid)
    }

    fn disambiguator(&mut self) -> Result<u64> {
        self.opt_integer_62(b's')
    }

    fn ident(&mut self) -> Result<String> {
        let is_punycode = self.eat(b'u');
        let first = match self.next()? {
            d @ b'0'..=b'9' => d - b'0',
            _ => return Err(Invalid),
        };
        let mut len = usize::from(first);
        if len != 0 {
            while let Some(d @ b'0'..=b'9') = self.peek() {
                self.pos += 1;
                len = len.checked_mul(10).ok_or(Invalid)?;
                len = len.checked_add(usize::from(d - b'0')).ok_or(Invalid)?;
            }
        }
        self.eat(b'_');
        let start = self.pos;
        let end = start.checked_add(len).ok_or(Invalid)?;
        let bytes = self.sym.get(start..end).ok_or(Invalid)?;
        self.pos = end;
        let text = std::str::from_utf8(bytes).map_err(|_| Invalid)?;
        if !is_punycode {
            return Ok(text.to_string());
        }
        let (ascii, code) = match text.rfind('_') {
            Some(i) => (&text[..i], &text[i + 1..]),
            None => ("", text),
        };
        if code.is_empty() {
            return Err(Invalid);
        }
        Ok(punycode_decode(ascii, code).unwrap_or_else(|| {
            if ascii.is_empty() {
                format!("punycode{{{code}}}")
            } else {
                format!("punycode{{{ascii}-{code}}}")
            }
        }))
    }

    /// Follows a backref: parses with `f` at the earlier position it names.
    fn backref<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let at = self.pos - 1;
        let target = self.integer_62()?;
        if target >= at as u64 {
            return Err(Invalid);
        }
        let resume = self.pos;
        self.pos = target as usize;
        self.enter()?;
        let r = f(self);
        self.leave();
        self.pos = resume;
        r
    }

    fn lifetime(&self, index: u64) -> Result<String> {
        if index == 0 {
            return Ok("'_".to_string());
        }
        let depth = self.lifetime_depth.checked_sub(index).ok_or(Invalid)?;
        Ok(if depth < 26 { format!("'{}", char::from(b'a' + depth as u8)) } else { format!("'_{depth}") })
    }

    /// Parses an optional `for<…>` binder, runs `f` with its lifetimes in scope,
    /// and returns their names with `f`'s result.
    fn binder<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<(Vec<String>, T)> {
        let count = self.opt_integer_62(b'G')?;
        if count > 1_000 {
            return Err(Invalid);
        }
        let mut names = Vec::new();
        for _ in 0..count {
            self.lifetime_depth += 1;
            names.push(self.lifetime(1)?);
        }
        let r = f(self);
        self.lifetime_depth -= count;
        Ok((names, r?))
    }

    fn path(&mut self) -> Result<Path> {
        self.enter()?;
        let tag = self.next()?;
        let path = match tag {
            b'C' => {
                let disambiguator = self.disambiguator()?;
                let name = self.ident()?;
                Path::Crate(CrateRef { name, disambiguator })
            }
            b'N' => {
                let ns = match self.next()? {
                    b'C' => Namespace::Closure,
                    b'S' => Namespace::Shim,
                    b't' => Namespace::Type,
                    b'v' => Namespace::Value,
                    c @ b'A'..=b'Z' => Namespace::Special(char::from(c)),
                    c @ b'a'..=b'z' => Namespace::Unspecified(char::from(c)),
                    _ => return Err(Invalid),
                };
                let parent = Box::new(self.path()?);
                let disambiguator = self.disambiguator()?;
                let name = self.ident()?;
                Path::Nested { parent, ns, name, disambiguator }
            }
            b'M' | b'X' => {
                self.disambiguator()?;
                let impl_path = Some(Box::new(self.path()?));
                let self_ty = Box::new(self.ty()?);
                let trait_ = if tag == b'X' { Some(Box::new(self.path()?)) } else { None };
                Path::Impl { impl_path, self_ty, trait_ }
            }
            b'Y' => {
                let self_ty = Box::new(self.ty()?);
                let trait_ = Some(Box::new(self.path()?));
                Path::Impl { impl_path: None, self_ty, trait_ }
            }
            b'I' => {
                let path = Box::new(self.path()?);
                let mut args = Vec::new();
                while !self.eat(b'E') {
                    args.push(self.generic_arg()?);
                }
                Path::Generic { path, args }
            }
            b'B' => self.backref(Self::path)?,
            _ => return Err(Invalid),
        };
        self.leave();
        Ok(path)
    }

    fn generic_arg(&mut self) -> Result<GenericArg> {
        if self.eat(b'L') {
            let lt = self.integer_62()?;
            Ok(GenericArg::Lifetime(self.lifetime(lt)?))
        } else if self.eat(b'K') {
            Ok(GenericArg::Const(self.konst(false)?))
        } else {
            Ok(GenericArg::Type(self.ty()?))
        }
    }

    fn ty(&mut self) -> Result<Type> {
        if self.eat(b'w') {
            return Ok(Type::Splat(Box::new(self.ty()?)));
        }
        let tag = self.next()?;
        if let Some(basic) = basic_type(tag) {
            return Ok(Type::Basic(basic.to_string()));
        }
        self.enter()?;
        let ty = match tag {
            b'R' | b'Q' => {
                let mut lifetime = None;
                if self.eat(b'L') {
                    let lt = self.integer_62()?;
                    if lt != 0 {
                        lifetime = Some(self.lifetime(lt)?);
                    }
                }
                Type::Ref { lifetime, mutable: tag == b'Q', inner: Box::new(self.ty()?) }
            }
            b'P' | b'O' => Type::Ptr { mutable: tag == b'O', inner: Box::new(self.ty()?) },
            b'A' => {
                let inner = Box::new(self.ty()?);
                let len = self.konst(true)?;
                Type::Array { inner, len }
            }
            b'S' => Type::Slice(Box::new(self.ty()?)),
            b'T' => {
                let mut items = Vec::new();
                while !self.eat(b'E') {
                    items.push(self.ty()?);
                }
                Type::Tuple(items)
            }
            b'F' => {
                let (binder, mut sig) = self.binder(|p| {
                    let is_unsafe = p.eat(b'U');
                    let abi = if p.eat(b'K') {
                        if p.eat(b'C') {
                            Some("C".to_string())
                        } else {
                            let abi = p.ident()?;
                            if abi.is_empty() || !abi.is_ascii() {
                                return Err(Invalid);
                            }
                            Some(abi.replace('_', "-"))
                        }
                    } else {
                        None
                    };
                    let mut params = Vec::new();
                    while !p.eat(b'E') {
                        params.push(p.ty()?);
                    }
                    let ret = if p.eat(b'u') { None } else { Some(p.ty()?) };
                    Ok(FnSig { binder: Vec::new(), is_unsafe, abi, params, ret })
                })?;
                sig.binder = binder;
                Type::Fn(Box::new(sig))
            }
            b'D' => {
                let (binder, traits) = self.binder(|p| {
                    let mut traits = Vec::new();
                    while !p.eat(b'E') {
                        traits.push(p.dyn_trait()?);
                    }
                    Ok(traits)
                })?;
                if !self.eat(b'L') {
                    return Err(Invalid);
                }
                let lt = self.integer_62()?;
                let lifetime = if lt != 0 { Some(self.lifetime(lt)?) } else { None };
                Type::Dyn { binder, traits, lifetime }
            }
            b'B' => self.backref(Self::ty)?,
            b'W' => {
                let inner = Box::new(self.ty()?);
                let pattern = self.pattern()?;
                Type::Pattern { inner, pattern }
            }
            _ => {
                self.pos -= 1;
                Type::Path(self.path()?)
            }
        };
        self.leave();
        Ok(ty)
    }

    fn dyn_trait(&mut self) -> Result<DynTrait> {
        let path = self.path()?;
        let mut assoc = Vec::new();
        while self.eat(b'p') {
            let name = self.ident()?;
            let value =
                if self.eat(b'K') { GenericArg::Const(self.konst(false)?) } else { GenericArg::Type(self.ty()?) };
            assoc.push((name, value));
        }
        Ok(DynTrait { path, assoc })
    }

    fn pattern(&mut self) -> Result<String> {
        match self.next()? {
            b'R' => {
                let lo = self.konst(false)?;
                let hi = self.konst(false)?;
                Ok(format!("{lo}..={hi}"))
            }
            b'O' => {
                self.enter()?;
                let mut out = self.pattern()?;
                while !self.eat(b'E') {
                    out.push_str(" | ");
                    out.push_str(&self.pattern()?);
                }
                self.leave();
                Ok(out)
            }
            b'N' => Ok("!null".to_string()),
            _ => Err(Invalid),
        }
    }

    fn hex_nibbles(&mut self) -> Result<&'s str> {
        let start = self.pos;
        loop {
            match self.next()? {
                b'0'..=b'9' | b'a'..=b'f' => {}
                b'_' => break,
                _ => return Err(Invalid),
            }
        }
        std::str::from_utf8(&self.sym[start..self.pos - 1]).map_err(|_| Invalid)
    }

    /// A const value, printed as rustc-demangle prints it in `{:#}` mode.
    fn konst(&mut self, in_value: bool) -> Result<String> {
        if self.eat(b'B') {
            return self.backref(|p| p.konst(in_value));
        }
        let tag = self.next()?;
        self.enter()?;
        let mut braced = false;
        let mut out = String::new();
        let mut brace = |out: &mut String| {
            if !in_value {
                braced = true;
                out.push('{');
            }
        };
        match tag {
            b'p' => out.push('_'),
            b'h' | b't' | b'm' | b'y' | b'o' | b'j' => out.push_str(&uint_text(self.hex_nibbles()?)),
            b'a' | b's' | b'l' | b'x' | b'n' | b'i' => {
                if self.eat(b'n') {
                    out.push('-');
                }
                out.push_str(&uint_text(self.hex_nibbles()?));
            }
            b'b' => match parse_uint(self.hex_nibbles()?) {
                Some(0) => out.push_str("false"),
                Some(1) => out.push_str("true"),
                _ => return Err(Invalid),
            },
            b'c' => {
                let c = parse_uint(self.hex_nibbles()?)
                    .and_then(|v| u32::try_from(v).ok())
                    .and_then(char::from_u32)
                    .ok_or(Invalid)?;
                quote_chars(&mut out, '\'', std::iter::once(c));
            }
            b'e' => {
                brace(&mut out);
                out.push('*');
                let s = str_literal(self.hex_nibbles()?)?;
                quote_chars(&mut out, '"', s.chars());
            }
            b'R' | b'Q' => {
                if tag == b'R' && self.eat(b'e') {
                    let s = str_literal(self.hex_nibbles()?)?;
                    quote_chars(&mut out, '"', s.chars());
                } else {
                    brace(&mut out);
                    out.push('&');
                    if tag == b'Q' {
                        out.push_str("mut ");
                    }
                    out.push_str(&self.konst(true)?);
                }
            }
            b'A' => {
                brace(&mut out);
                out.push('[');
                out.push_str(&self.const_list()?.join(", "));
                out.push(']');
            }
            b'T' => {
                brace(&mut out);
                let items = self.const_list()?;
                out.push('(');
                out.push_str(&items.join(", "));
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            b'V' => {
                brace(&mut out);
                let path = self.path()?;
                out.push_str(&crate::render::path_text(&path, Mangling::V0, true));
                match self.next()? {
                    b'U' => {}
                    b'T' => {
                        out.push('(');
                        out.push_str(&self.const_list()?.join(", "));
                        out.push(')');
                    }
                    b'S' => {
                        let mut fields = Vec::new();
                        while !self.eat(b'E') {
                            self.disambiguator()?;
                            let name = self.ident()?;
                            fields.push(format!("{name}: {}", self.konst(true)?));
                        }
                        out.push_str(" { ");
                        out.push_str(&fields.join(", "));
                        out.push_str(" }");
                    }
                    _ => return Err(Invalid),
                }
            }
            _ => return Err(Invalid),
        }
        if braced {
            out.push('}');
        }
        self.leave();
        Ok(out)
    }

    fn const_list(&mut self) -> Result<Vec<String>> {
        let mut items = Vec::new();
        while !self.eat(b'E') {
            items.push(self.konst(true)?);
        }
        Ok(items)
    }
}

fn basic_type(tag: u8) -> Option<&'static str> {
    Some(match tag {
        b'b' => "bool",
        b'c' => "char",
        b'e' => "str",
        b'u' => "()",
        b'a' => "i8",
        b's' => "i16",
        b'l' => "i32",
        b'x' => "i64",
        b'n' => "i128",
        b'i' => "isize",
        b'h' => "u8",
        b't' => "u16",
        b'm' => "u32",
        b'y' => "u64",
        b'o' => "u128",
        b'j' => "usize",
        b'f' => "f32",
        b'd' => "f64",
        b'z' => "!",
        b'p' => "_",
        b'v' => "...",
        _ => return None,
    })
}

fn parse_uint(nibbles: &str) -> Option<u64> {
    let nibbles = nibbles.trim_start_matches('0');
    if nibbles.len() > 16 {
        return None;
    }
    if nibbles.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(nibbles, 16).ok()
}

fn uint_text(nibbles: &str) -> String {
    match parse_uint(nibbles) {
        Some(v) => v.to_string(),
        None => format!("0x{nibbles}"),
    }
}

fn str_literal(nibbles: &str) -> Result<String> {
    if !nibbles.len().is_multiple_of(2) {
        return Err(Invalid);
    }
    let bytes = nibbles
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            let hex = std::str::from_utf8(pair).map_err(|_| Invalid)?;
            u8::from_str_radix(hex, 16).map_err(|_| Invalid)
        })
        .collect::<Result<Vec<u8>>>()?;
    String::from_utf8(bytes).map_err(|_| Invalid)
}

fn quote_chars(out: &mut String, quote: char, chars: impl Iterator<Item = char>) {
    out.push(quote);
    for c in chars {
        if matches!((quote, c), ('\'', '"') | ('"', '\'')) {
            out.push(c);
        } else {
            out.extend(c.escape_debug());
        }
    }
    out.push(quote);
}

/// Decodes the punycode part of a v0 identifier (RFC 3492 with the RFC 2603
/// conventions: `_` separates the ASCII part, digits are `a-z0-9`).
fn punycode_decode(ascii: &str, code: &str) -> Option<String> {
    const BASE: usize = 36;
    const T_MIN: usize = 1;
    const T_MAX: usize = 26;
    const SKEW: usize = 38;
    let mut out: Vec<char> = ascii.chars().collect();
    let (mut n, mut i, mut bias, mut damp) = (0x80usize, 0usize, 72usize, 700usize);
    let mut bytes = code.bytes().peekable();
    while bytes.peek().is_some() {
        let old_i = i;
        let (mut w, mut k) = (1usize, 0usize);
        loop {
            k += BASE;
            let t = k.saturating_sub(bias).clamp(T_MIN, T_MAX);
            let d = match bytes.next()? {
                d @ b'a'..=b'z' => usize::from(d - b'a'),
                d @ b'0'..=b'9' => 26 + usize::from(d - b'0'),
                _ => return None,
            };
            i = i.checked_add(d.checked_mul(w)?)?;
            if d < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
        }
        let len = out.len() + 1;
        let mut delta = i - old_i;
        n = n.checked_add(i / len)?;
        i %= len;
        out.insert(i, char::from_u32(u32::try_from(n).ok()?)?);
        i += 1;
        // Bias adaptation (RFC 3492 section 6.1).
        delta /= damp;
        damp = 2;
        delta += delta / len;
        let mut k = 0;
        while delta > ((BASE - T_MIN) * T_MAX) / 2 {
            delta /= BASE - T_MIN;
            k += BASE;
        }
        bias = k + ((BASE - T_MIN + 1) * delta) / (delta + SKEW);
    }
    Some(out.into_iter().collect())
}
