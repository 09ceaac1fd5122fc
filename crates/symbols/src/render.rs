//! Printing symbols: the full instance name, and the grouping forms (generic
//! arguments erased, closures folded).
//!
//! v0 symbols print exactly as rustc-demangle's `{:#}`; legacy symbols print
//! as rustc-demangle prints them (`Vec<T,A>`, `{{closure}}`, no turbofish).

use std::fmt::Write as _;

use crate::ast::{GenericArg, Mangling, Namespace, Path, Type, LEGACY_CLOSURE};

/// How to print.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    pub mangling: Mangling,
    /// Replace generic arguments by `_` (and drop lifetimes).
    pub erase: bool,
    /// Drop closure segments (`{closure#N}`), so a closure or async body
    /// prints as the function that defines it.
    pub fold_closures: bool,
}

impl Style {
    pub(crate) fn exact(mangling: Mangling) -> Style {
        Style { mangling, erase: false, fold_closures: false }
    }
}

/// Prints a path as rustc-demangle would.
pub(crate) fn path_text(path: &Path, mangling: Mangling, in_value: bool) -> String {
    let mut out = String::new();
    write_path(&mut out, path, Style::exact(mangling), in_value);
    out
}

pub(crate) fn write_path(out: &mut String, path: &Path, style: Style, in_value: bool) {
    match path {
        Path::Crate(c) => out.push_str(&c.name),
        Path::Nested { parent, ns, name, disambiguator } => {
            if style.fold_closures && *ns == Namespace::Closure {
                write_path(out, parent, style, in_value);
                return;
            }
            write_path(out, parent, style, in_value);
            write_segment(out, *ns, name, *disambiguator);
        }
        // Legacy names print an impl block inside its module:
        // `core::slice::<impl [T]>::len`, `<impl Trait for Type>`.
        Path::Impl { impl_path: Some(module), self_ty, trait_ } if style.mangling == Mangling::Legacy => {
            write_path(out, module, style, in_value);
            out.push_str("::<impl ");
            if let Some(t) = trait_ {
                write_path(out, t, style, false);
                out.push_str(" for ");
            }
            if style.erase {
                write_outer_type(out, self_ty, style);
            } else {
                write_type(out, self_ty, style);
            }
            out.push('>');
        }
        Path::Impl { self_ty, trait_, .. } => {
            out.push('<');
            if style.erase {
                write_outer_type(out, self_ty, style);
            } else {
                write_type(out, self_ty, style);
            }
            if let Some(t) = trait_ {
                out.push_str(" as ");
                write_path(out, t, style, false);
            }
            out.push('>');
        }
        Path::Generic { path, args } => {
            write_path(out, path, style, in_value);
            write_generic_args(out, args, style, in_value);
        }
        Path::Opaque(text) => out.push_str(text),
    }
}

fn write_segment(out: &mut String, ns: Namespace, name: &str, disambiguator: u64) {
    let special = match ns {
        Namespace::Closure if disambiguator == LEGACY_CLOSURE => {
            out.push_str("::{{closure}}");
            return;
        }
        Namespace::Closure => "closure".to_string(),
        Namespace::Shim => "shim".to_string(),
        Namespace::Special(c) => c.to_string(),
        Namespace::Type | Namespace::Value | Namespace::Unspecified(_) => {
            if !name.is_empty() {
                out.push_str("::");
                out.push_str(name);
            }
            return;
        }
    };
    out.push_str("::{");
    out.push_str(&special);
    if !name.is_empty() {
        out.push(':');
        out.push_str(name);
    }
    let _ = write!(out, "#{disambiguator}}}");
}

fn write_generic_args(out: &mut String, args: &[GenericArg], style: Style, in_value: bool) {
    let legacy = style.mangling == Mangling::Legacy;
    if style.erase {
        let n = args.iter().filter(|a| !matches!(a, GenericArg::Lifetime(_))).count();
        if n == 0 {
            return;
        }
        if in_value && !legacy {
            out.push_str("::");
        }
        out.push('<');
        out.push_str(&vec!["_"; n].join(if legacy { "," } else { ", " }));
        out.push('>');
        return;
    }
    if in_value && !legacy {
        out.push_str("::");
    }
    out.push('<');
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(if legacy { "," } else { ", " });
        }
        write_generic_arg(out, arg, style);
    }
    out.push('>');
}

fn write_generic_arg(out: &mut String, arg: &GenericArg, style: Style) {
    match arg {
        GenericArg::Lifetime(l) => out.push_str(l),
        GenericArg::Type(t) => write_type(out, t, style),
        GenericArg::Const(c) => out.push_str(c),
    }
}

/// A type with its outermost constructor kept and everything inside erased:
/// `&_`, `[_]`, `(_, _)`, `alloc::vec::Vec<_>`. Used for impl self types in
/// generic sets, where the constructor tells impls apart.
fn write_outer_type(out: &mut String, ty: &Type, style: Style) {
    let sep = if style.mangling == Mangling::Legacy { "," } else { ", " };
    match ty {
        Type::Ref { mutable, .. } => out.push_str(if *mutable { "&mut _" } else { "&_" }),
        Type::Ptr { mutable, .. } => out.push_str(if *mutable { "*mut _" } else { "*const _" }),
        Type::Array { .. } => out.push_str("[_; _]"),
        Type::Slice(_) => out.push_str("[_]"),
        Type::Tuple(items) => {
            out.push('(');
            out.push_str(&vec!["_"; items.len()].join(sep));
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Type::Fn(_) => out.push_str("fn(..)"),
        Type::Path(p) => write_path(out, p, style, false),
        Type::Dyn { traits, .. } => {
            out.push_str("dyn ");
            for (i, t) in traits.iter().enumerate() {
                if i > 0 {
                    out.push_str(" + ");
                }
                write_path(out, &t.path, style, false);
            }
        }
        Type::Pattern { inner, .. } | Type::Splat(inner) => write_outer_type(out, inner, style),
        Type::Basic(_) | Type::Opaque(_) => write_type(out, ty, style),
    }
}

pub(crate) fn write_type(out: &mut String, ty: &Type, style: Style) {
    let legacy = style.mangling == Mangling::Legacy;
    match ty {
        Type::Basic(b) => out.push_str(b),
        Type::Path(p) => write_path(out, p, style, false),
        Type::Ref { lifetime, mutable, inner } => {
            out.push('&');
            if let Some(l) = lifetime {
                out.push_str(l);
                out.push(' ');
            }
            if *mutable {
                out.push_str("mut ");
            }
            write_type(out, inner, style);
        }
        Type::Ptr { mutable, inner } => {
            out.push_str(if *mutable { "*mut " } else { "*const " });
            write_type(out, inner, style);
        }
        Type::Array { inner, len } => {
            out.push('[');
            write_type(out, inner, style);
            out.push_str("; ");
            out.push_str(len);
            out.push(']');
        }
        Type::Slice(inner) => {
            out.push('[');
            write_type(out, inner, style);
            out.push(']');
        }
        Type::Tuple(items) => {
            out.push('(');
            for (i, t) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(if legacy { "," } else { ", " });
                }
                write_type(out, t, style);
            }
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Type::Fn(sig) => {
            write_binder(out, &sig.binder);
            if sig.is_unsafe {
                out.push_str("unsafe ");
            }
            if let Some(abi) = &sig.abi {
                let _ = write!(out, "extern \"{abi}\" ");
            }
            out.push_str("fn(");
            for (i, t) in sig.params.iter().enumerate() {
                if i > 0 {
                    out.push_str(if legacy { "," } else { ", " });
                }
                write_type(out, t, style);
            }
            out.push(')');
            if let Some(ret) = &sig.ret {
                out.push_str(" -> ");
                write_type(out, ret, style);
            }
        }
        Type::Dyn { binder, traits, lifetime } => {
            out.push_str("dyn ");
            write_binder(out, binder);
            for (i, t) in traits.iter().enumerate() {
                if i > 0 {
                    out.push_str(if legacy { "+" } else { " + " });
                }
                write_dyn_trait(out, t, style);
            }
            if let Some(l) = lifetime {
                out.push_str(" + ");
                out.push_str(l);
            }
        }
        Type::Pattern { inner, pattern } => {
            write_type(out, inner, style);
            out.push_str(" is ");
            out.push_str(pattern);
        }
        Type::Splat(inner) => {
            out.push_str("#[splat] ");
            write_type(out, inner, style);
        }
        Type::Opaque(text) => out.push_str(text),
    }
}

fn write_binder(out: &mut String, binder: &[String]) {
    if !binder.is_empty() {
        let _ = write!(out, "for<{}> ", binder.join(", "));
    }
}

/// `Trait<A, Assoc = B>`: associated type bindings go inside the trait's
/// generic list, as rustc-demangle prints them.
fn write_dyn_trait(out: &mut String, t: &crate::ast::DynTrait, style: Style) {
    let (base, args) = match &t.path {
        Path::Generic { path, args } => (path.as_ref(), args.as_slice()),
        p => (p, &[][..]),
    };
    write_path(out, base, style, false);
    if args.is_empty() && t.assoc.is_empty() {
        return;
    }
    out.push('<');
    let mut first = true;
    for arg in args {
        if !first {
            out.push_str(", ");
        }
        first = false;
        write_generic_arg(out, arg, style);
    }
    for (name, value) in &t.assoc {
        if !first {
            out.push_str(", ");
        }
        first = false;
        out.push_str(name);
        out.push_str(" = ");
        write_generic_arg(out, value, style);
    }
    out.push('>');
}
