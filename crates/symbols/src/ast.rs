//! The structure of a demangled Rust symbol: paths, types and generic arguments.
//!
//! Both manglings parse into this one model. v0 symbols fill it from the
//! mangled grammar (RFC 2603); legacy symbols from the demangled text, since
//! the legacy mangling carries no more structure than that.

/// Which mangling scheme a symbol used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mangling {
    /// `_ZN…17h<hash>E`
    Legacy,
    /// `_R…` (RFC 2603)
    V0,
}

/// A crate root: its name and (v0 only) the disambiguator that tells two
/// crates of the same name apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CrateRef {
    pub name: String,
    pub disambiguator: u64,
}

/// The namespace of a nested path segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// `t`: types, modules, traits.
    Type,
    /// `v`: functions, statics, constants.
    Value,
    /// `C`: a closure, async block or coroutine: `{closure#N}`.
    Closure,
    /// `S`: a compiler-generated shim: `{shim:vtable#0}`.
    Shim,
    /// Another special (uppercase) namespace, printed `{X#N}`.
    Special(char),
    /// An implementation-specific (lowercase) namespace.
    Unspecified(char),
}

/// Disambiguator used for legacy `{{closure}}` segments, whose index the
/// legacy mangling does not record.
pub const LEGACY_CLOSURE: u64 = u64::MAX;

/// A path to an item.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    Crate(CrateRef),
    Nested {
        parent: Box<Path>,
        ns: Namespace,
        name: String,
        disambiguator: u64,
    },
    /// `<T>` (inherent impl) or `<T as Trait>` (trait impl). `impl_path` is the
    /// module holding the `impl` block (v0 only; legacy symbols do not say).
    Impl {
        impl_path: Option<Box<Path>>,
        self_ty: Box<Type>,
        trait_: Option<Box<Path>>,
    },
    /// A path with generic arguments: `foo::<T>`, `Vec<T>`.
    Generic {
        path: Box<Path>,
        args: Vec<GenericArg>,
    },
    /// A legacy segment we keep as text, e.g. `{{vtable.shim}}`.
    Opaque(String),
}

/// A generic argument.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GenericArg {
    Lifetime(String),
    Type(Type),
    /// A const argument, kept as its printed form.
    Const(String),
}

/// A type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `u8`, `str`, `!`, `_`, `()` …
    Basic(String),
    Path(Path),
    Ref {
        lifetime: Option<String>,
        mutable: bool,
        inner: Box<Type>,
    },
    Ptr {
        mutable: bool,
        inner: Box<Type>,
    },
    Array {
        inner: Box<Type>,
        len: String,
    },
    Slice(Box<Type>),
    Tuple(Vec<Type>),
    Fn(Box<FnSig>),
    Dyn {
        binder: Vec<String>,
        traits: Vec<DynTrait>,
        lifetime: Option<String>,
    },
    /// A pattern type `T is 1..=9`.
    Pattern {
        inner: Box<Type>,
        pattern: String,
    },
    /// `#[splat] T` (unstable).
    Splat(Box<Type>),
    /// Text we could not parse further (legacy only).
    Opaque(String),
}

/// A function pointer signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FnSig {
    pub binder: Vec<String>,
    pub is_unsafe: bool,
    pub abi: Option<String>,
    pub params: Vec<Type>,
    /// `None` for `()`.
    pub ret: Option<Type>,
}

/// One trait of a `dyn` type, with its associated type bindings.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DynTrait {
    pub path: Path,
    pub assoc: Vec<(String, GenericArg)>,
}

/// A parsed symbol.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Symbol {
    pub mangling: Mangling,
    pub path: Path,
    /// v0: the crate that instantiated a generic item, when the symbol says.
    pub instantiating_crate: Option<CrateRef>,
    /// Legacy: the `h…` hash; v0 symbols have none.
    pub hash: Option<String>,
    /// Anything after the symbol proper, e.g. `.llvm.1234`.
    pub suffix: String,
}

impl Path {
    /// The path without generic arguments at its end.
    pub fn strip_generics(&self) -> &Path {
        match self {
            Path::Generic { path, .. } => path.strip_generics(),
            p => p,
        }
    }

    /// The last identifier of the path, if it has one.
    pub fn last_name(&self) -> Option<&str> {
        match self.strip_generics() {
            Path::Nested { name, .. } => Some(name),
            Path::Crate(c) => Some(&c.name),
            _ => None,
        }
    }
}
