//! Grouping keys and crate attribution for a parsed [`Symbol`].
//!
//! Keys (all printed without hashes or crate disambiguators):
//! - **instance**: the full name with generic arguments;
//! - **generic set**: generic arguments erased (`serde_json::value::to_value::<_>`),
//!   so every instantiation of one generic item groups together;
//! - **function**: the generic set with closures folded into the function that
//!   defines them (an `async fn` body is its `{closure#0}`). Drop glue keeps its
//!   type, itself reduced the same way:
//!   `core::ptr::drop_in_place::<web::photos::init::make_state>`.
//!
//! Crates, three ways:
//! - **defining**: the crate at the root of the item's path (for v0 trait
//!   impls, the crate holding the `impl` block);
//! - **type**: the crates named in generic arguments and impl self types (for
//!   drop glue, the crates of the dropped type);
//! - **instantiating**: the crate that instantiated a generic item (v0 suffix).

use crate::ast::{GenericArg, Mangling, Namespace, Path, Symbol, Type};
use crate::render::{write_path, write_type, Style};

/// Crates of the standard library, which [`Symbol::primary_type_crates`] sets
/// aside when a type also names another crate.
pub const STD_CRATES: &[&str] = &["core", "alloc", "std"];

impl Symbol {
    /// The full demangled name, without hash: `serde_json::value::to_value::<web::Post>`.
    pub fn instance(&self) -> String {
        let mut out = String::new();
        write_path(&mut out, &self.path, Style::exact(self.mangling), true);
        out
    }

    /// The generic set: generic arguments erased.
    pub fn generic_set(&self) -> String {
        let mut out = String::new();
        let style = Style { mangling: self.mangling, erase: true, fold_closures: false };
        write_path(&mut out, &self.path, style, true);
        out
    }

    /// The enclosing function: generic arguments erased and closures folded.
    /// Drop glue keeps its dropped type in the same reduced form.
    pub fn function(&self) -> String {
        let style = Style { mangling: self.mangling, erase: true, fold_closures: true };
        let mut out = String::new();
        if let Some(dropped) = self.drop_glue_type() {
            write_path(&mut out, self.path.strip_generics(), Style::exact(self.mangling), true);
            out.push_str(if self.mangling == Mangling::Legacy { "<" } else { "::<" });
            match dropped {
                Type::Path(p) => write_path(&mut out, p, style, false),
                other => reduce_into(&mut out, other, style),
            }
            out.push('>');
            return out;
        }
        write_path(&mut out, &self.path, style, true);
        out
    }

    /// The type dropped by drop glue (`core::ptr::drop_in_place::<T>`), if this is drop glue.
    pub fn drop_glue_type(&self) -> Option<&Type> {
        let Path::Generic { path, args } = &self.path else {
            return None;
        };
        let Path::Nested { parent, name, .. } = path.as_ref() else {
            return None;
        };
        if name != "drop_in_place" {
            return None;
        }
        let Path::Nested { parent: root, name: module, .. } = parent.as_ref() else {
            return None;
        };
        if module != "ptr" || !matches!(root.as_ref(), Path::Crate(c) if c.name == "core") {
            return None;
        }
        match args.as_slice() {
            [GenericArg::Type(t)] => Some(t),
            _ => None,
        }
    }

    /// True for drop glue (`core::ptr::drop_in_place::<T>`).
    pub fn is_drop_glue(&self) -> bool {
        self.drop_glue_type().is_some()
    }

    /// True when the item is, or is inside, a closure or async body.
    pub fn is_closure(&self) -> bool {
        fn has_closure(p: &Path) -> bool {
            match p {
                Path::Nested { parent, ns, .. } => *ns == Namespace::Closure || has_closure(parent),
                Path::Generic { path, .. } => has_closure(path),
                _ => false,
            }
        }
        has_closure(&self.path)
    }

    /// The crate that defines the item.
    pub fn defining_crate(&self) -> Option<&str> {
        defining_crate(&self.path)
    }

    /// Every crate named in the item's generic arguments and impl self types,
    /// in order of appearance, without repeats. For drop glue, the crates of
    /// the dropped type.
    pub fn type_crates(&self) -> Vec<&str> {
        let mut out = Vec::new();
        if let Some(t) = self.drop_glue_type() {
            type_crates(t, &mut out);
        } else {
            path_type_crates(&self.path, &mut out);
        }
        out
    }

    /// The type crates with the standard library (`core`, `alloc`, `std`) set
    /// aside when any other crate is named: `drop_in_place::<Vec<web::Foo>>`
    /// belongs to `web`, while `drop_in_place::<Vec<u8>>` belongs to `alloc`.
    pub fn primary_type_crates(&self) -> Vec<&str> {
        let all = self.type_crates();
        let non_std: Vec<&str> = all.iter().copied().filter(|c| !STD_CRATES.contains(c)).collect();
        if non_std.is_empty() {
            all
        } else {
            non_std
        }
    }

    /// The crate that instantiated this (generic) item, when the symbol says (v0).
    pub fn instantiating_crate(&self) -> Option<&str> {
        self.instantiating_crate.as_ref().map(|c| c.name.as_str())
    }
}

/// Drop glue of a non-path type: keep the constructors, reduce nested paths.
fn reduce_into(out: &mut String, ty: &Type, style: Style) {
    let sep = if style.mangling == Mangling::Legacy { "," } else { ", " };
    match ty {
        Type::Path(p) => write_path(out, p, style, false),
        Type::Ref { mutable, inner, .. } => {
            out.push_str(if *mutable { "&mut " } else { "&" });
            reduce_into(out, inner, style);
        }
        Type::Ptr { mutable, inner } => {
            out.push_str(if *mutable { "*mut " } else { "*const " });
            reduce_into(out, inner, style);
        }
        Type::Slice(inner) => {
            out.push('[');
            reduce_into(out, inner, style);
            out.push(']');
        }
        Type::Array { inner, .. } => {
            out.push('[');
            reduce_into(out, inner, style);
            out.push_str("; _]");
        }
        Type::Tuple(items) => {
            out.push('(');
            for (i, t) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                reduce_into(out, t, style);
            }
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        other => write_type(out, other, Style::exact(style.mangling)),
    }
}

fn defining_crate(path: &Path) -> Option<&str> {
    match path {
        Path::Crate(c) => Some(&c.name),
        Path::Nested { parent, .. } => defining_crate(parent),
        Path::Generic { path, .. } => defining_crate(path),
        Path::Impl { impl_path: Some(p), .. } => defining_crate(p),
        // Legacy symbols do not record where an impl lives: by the orphan
        // rule it is the crate of the self type or of the trait. Take the
        // self type when it is a named type, else the trait.
        Path::Impl { impl_path: None, self_ty, trait_ } => match self_ty.as_ref() {
            Type::Path(p) => defining_crate(p),
            _ => trait_.as_deref().and_then(defining_crate),
        },
        Path::Opaque(_) => None,
    }
}

fn push_unique<'a>(out: &mut Vec<&'a str>, name: &'a str) {
    if !out.contains(&name) {
        out.push(name);
    }
}

/// Crates in the generic arguments and impl self types along a path.
fn path_type_crates<'a>(path: &'a Path, out: &mut Vec<&'a str>) {
    match path {
        Path::Crate(_) | Path::Opaque(_) => {}
        Path::Nested { parent, .. } => path_type_crates(parent, out),
        Path::Generic { path, args } => {
            path_type_crates(path, out);
            for arg in args {
                if let GenericArg::Type(t) = arg {
                    type_crates(t, out);
                }
            }
        }
        Path::Impl { self_ty, trait_, .. } => {
            type_crates(self_ty, out);
            if let Some(t) = trait_ {
                path_type_crates(t, out);
            }
        }
    }
}

/// Every crate a type names.
fn type_crates<'a>(ty: &'a Type, out: &mut Vec<&'a str>) {
    match ty {
        Type::Basic(_) | Type::Opaque(_) => {}
        Type::Path(p) => {
            if let Some(c) = defining_crate(p) {
                push_unique(out, c);
            }
            path_type_crates(p, out);
        }
        Type::Ref { inner, .. }
        | Type::Ptr { inner, .. }
        | Type::Array { inner, .. }
        | Type::Slice(inner)
        | Type::Pattern { inner, .. }
        | Type::Splat(inner) => type_crates(inner, out),
        Type::Tuple(items) => items.iter().for_each(|t| type_crates(t, out)),
        Type::Fn(sig) => {
            sig.params.iter().for_each(|t| type_crates(t, out));
            if let Some(r) = &sig.ret {
                type_crates(r, out);
            }
        }
        Type::Dyn { traits, .. } => {
            for t in traits {
                if let Some(c) = defining_crate(&t.path) {
                    push_unique(out, c);
                }
                path_type_crates(&t.path, out);
            }
        }
    }
}
