//! The frames of a DHAT stack: each `ftbl` entry parsed (`0xADDR: NAME
//! (FILE:LINE)`, `0xADDR: NAME (in OBJECT)`, `[root]`), its name demangled
//! through `crates/symbols`, and told apart as the user's code or as the
//! allocator and the standard library, which are folded away so that a site
//! is named by the first frame in the user's code.

use serde::{Deserialize, Serialize};

use fastware_symbols::Name;

use crate::model::{Stack, Stacks};

/// One entry of the frame table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// The code address, when the entry has one.
    pub address: Option<u64>,
    /// The entry demangled, without its address: `allocs::run (lib.rs:66)`.
    pub text: String,
    /// The function the frame's code belongs to, generic arguments erased and
    /// closures folded (the enclosing real function for an inlined frame).
    pub function: String,
    /// The crate that defines that function, when its name says.
    #[serde(rename = "crate")]
    pub krate: Option<String>,
    /// The allocator, the standard library, or code outside Rust.
    pub internal: bool,
    /// An allocation function (malloc, `__rust_alloc` …).
    #[serde(default)]
    pub allocator: bool,
    /// A function that copies (clone, to_vec, to_owned, to_string).
    #[serde(default)]
    pub copies: bool,
}

/// Crates whose frames are folded into the user's frame that called them.
const STD_CRATES: &[&str] =
    &["std", "core", "alloc", "hashbrown", "std_detect", "compiler_builtins", "panic_unwind", "dhat", "backtrace"];

/// Allocation functions, C's and Rust's.
const ALLOCATORS: &[&str] = &[
    "malloc",
    "calloc",
    "realloc",
    "free",
    "memalign",
    "posix_memalign",
    "aligned_alloc",
    "valloc",
    "reallocarray",
    "__rust_alloc",
    "__rust_alloc_zeroed",
    "__rust_realloc",
    "__rust_dealloc",
];

/// An entry split: address, name, location (`lib.rs:66`, `in /lib/libc.so.6`).
fn split(entry: &str) -> (Option<u64>, &str, Option<&str>) {
    let (address, rest) = match entry.strip_prefix("0x").and_then(|r| r.split_once(": ")) {
        Some((hex, rest)) => (u64::from_str_radix(hex, 16).ok(), rest),
        None => (None, entry),
    };
    match rest.strip_suffix(')').and_then(|r| r.rfind(" (").map(|i| (&r[..i], &r[i + 2..]))) {
        Some((name, loc)) => (address, name, Some(loc)),
        None => (address, rest, None),
    }
}

fn is_mangled(name: &str) -> bool {
    name.starts_with("_ZN") || name.starts_with("_R") || name.starts_with("__R")
}

/// The name parsed, and whether it is a path that names a crate (a bare
/// `with_capacity<u64>`, as DWARF names inlined frames, names none).
fn parsed(name: &str) -> (Name, bool) {
    if is_mangled(name) {
        return (Name::new(name), true);
    }
    let head = &name[..name.find('<').unwrap_or(name.len())];
    let path = name.starts_with('<') || head.contains("::");
    (Name::from_demangled(name), path)
}

/// Module directories of the standard library, as the dhat crate shows
/// their files (the last three path components: `src/raw_vec/mod.rs`).
const STD_MODULE_DIRS: &[&str] = &[
    "raw_vec",
    "vec",
    "collections",
    "slice",
    "str",
    "string",
    "iter",
    "ptr",
    "sync",
    "sys",
    "io",
    "fmt",
    "ops",
    "alloc",
    "boxed",
    "rc",
    "hash",
    "cell",
    "num",
    "thread",
    "panicking",
    "rt",
    "ffi",
    "os",
    "env",
];

/// The file of a location, without `:LINE[:COL]`.
fn file_of(loc: &str) -> &str {
    let mut f = loc;
    for _ in 0..2 {
        if let Some((head, tail)) = f.rsplit_once(':') {
            if tail.bytes().all(|b| b.is_ascii_digit()) && !tail.is_empty() {
                f = head;
            }
        }
    }
    f
}

/// The crate a source path names: the directory before `src/`, without a
/// registry version (`serde_json-1.0.140/src/de.rs` → `serde_json`,
/// `library/alloc/src/alloc.rs` → `alloc`).
fn file_crate(loc: &str) -> Option<String> {
    let parts: Vec<&str> = file_of(loc).split('/').collect();
    let i = parts.iter().rposition(|&p| p == "src").filter(|&i| i > 0)?;
    let dir = parts[i - 1];
    let name = match dir.rfind('-') {
        Some(k) if dir[k + 1..].starts_with(|c: char| c.is_ascii_digit()) => &dir[..k],
        _ => dir,
    };
    Some(name.replace('-', "_"))
}

/// The source file is the standard library's (`library/alloc/src/…`,
/// `/rustc/<hash>/library/…`, the dhat crate's `alloc/src/alloc.rs`).
fn std_file(loc: &str) -> bool {
    let f = file_of(loc);
    f.starts_with("library/")
        || f.contains("/rustc/")
        || file_crate(f).is_some_and(|c| STD_CRATES.contains(&c.as_str()))
        || trimmed_std(f)
}

/// The dhat crate keeps the last three components of a path: the standard
/// library's show as `src/raw_vec/mod.rs` or `iter/traits/iterator.rs` — a
/// module directory of std's, with a file inside it.
fn trimmed_std(f: &str) -> bool {
    let parts: Vec<&str> = f.split('/').collect();
    match parts.as_slice() {
        ["src", dir, _] | [dir, _, _] => STD_MODULE_DIRS.contains(dir),
        _ => false,
    }
}

struct Entry {
    address: Option<u64>,
    shown: String,
    loc: Option<String>,
    name: Name,
    /// The name is a path (see [`parsed`]).
    path: bool,
}

impl Entry {
    fn krate(&self) -> Option<&str> {
        if self.path {
            self.name.defining_crate()
        } else {
            None
        }
    }
}

/// Reads the frame table. Valgrind lists a stack's inlined frames before the
/// real function that holds their code, all at one address; the dhat crate
/// does the same. So an entry's enclosing function is the last entry at its
/// address in a stack — which needs the stacks, see [`containers`].
pub fn read_table(ftbl: &[impl AsRef<str>], stacks: &Stacks) -> Vec<Frame> {
    let container = containers(ftbl, stacks);
    let names: Vec<Entry> = ftbl
        .iter()
        .map(|e| {
            let (address, name, loc) = split(e.as_ref());
            let (parsed, path) = parsed(name);
            let shown = if is_mangled(name) { fastware_symbols::demangle(name) } else { name.to_string() };
            Entry { address, shown, loc: loc.map(str::to_string), name: parsed, path }
        })
        .collect();
    (0..ftbl.len())
        .map(|i| {
            let own = &names[i];
            let text = match &own.loc {
                Some(l) => format!("{} ({l})", own.shown),
                None => own.shown.clone(),
            };
            let holder = &names[container[i] as usize];
            // the frame's own name when it carries a crate (the dhat crate's
            // inlined frames do), else the function holding its code
            let named = if own.krate().is_some() { own } else { holder };
            let allocator = ALLOCATORS.contains(&own.shown.as_str())
                || own.loc.as_deref().is_some_and(|l| l.starts_with("in ") && l.contains("vgpreload"));
            // code with a source location in a Rust file
            let rust_source = own.loc.as_deref().is_some_and(|l| !l.starts_with("in ") && file_of(l).ends_with(".rs"));
            let internal = allocator
                || own.shown == "[root]"
                || match own.krate() {
                    Some(c) => STD_CRATES.contains(&c),
                    None => {
                        !rust_source
                            || own.loc.as_deref().is_some_and(std_file)
                            || holder.krate().is_some_and(|c| STD_CRATES.contains(&c))
                    }
                };
            let function = if named.path { named.name.function() } else { named.shown.clone() };
            let krate = own
                .krate()
                .map(str::to_string)
                .or_else(|| own.loc.as_deref().and_then(file_crate).filter(|_| rust_source))
                .or_else(|| holder.krate().map(str::to_string));
            let copies = ["clone", "to_vec", "to_owned", "to_string"].iter().any(|w| own.shown.contains(w));
            Frame { address: own.address, text, function, krate, internal, allocator, copies }
        })
        .collect()
}

/// For each frame-table entry, the entry of the real function that holds
/// its code: the outermost entry of the run at its address in a stack.
fn containers(ftbl: &[impl AsRef<str>], stacks: &Stacks) -> Vec<u32> {
    let mut holder: Vec<u32> = (0..ftbl.len() as u32).collect();
    let mut seen = vec![false; ftbl.len()];
    // each entry's address parsed once, not once per stack it is in
    let addresses: Vec<Option<u64>> = ftbl.iter().map(|e| split(e.as_ref()).0).collect();
    let address = |i: u32| addresses[i as usize];
    for fs in stacks.iter() {
        let mut k = 0;
        while k < fs.len() {
            let a = address(fs.at(k));
            let mut end = k;
            while a.is_some() && end + 1 < fs.len() && address(fs.at(end + 1)) == a {
                end += 1;
            }
            for f in (k..=end).map(|j| fs.at(j)) {
                if !seen[f as usize] {
                    seen[f as usize] = true;
                    holder[f as usize] = fs.at(end);
                }
            }
            k = end + 1;
        }
    }
    holder
}

/// The position in `fs` of the first frame in the user's code.
pub fn user_frame(frames: &[Frame], fs: Stack<'_>) -> Option<usize> {
    fs.iter().position(|f| !frames[f as usize].internal)
}

/// The frames between the allocation and the user's frame call something
/// that copies (clone, to_vec, to_owned, to_string).
pub fn through_clone(frames: &[Frame], fs: Stack<'_>, user: usize) -> bool {
    fs.first(user).iter().any(|f| frames[f as usize].copies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_split() {
        assert_eq!(
            split("0x11D185: alloc (library/alloc/src/alloc.rs:95)"),
            (Some(0x11d185), "alloc", Some("library/alloc/src/alloc.rs:95"))
        );
        assert_eq!(
            split("0x48417B4: malloc (in /usr/libexec/valgrind/x.so)"),
            (Some(0x48417b4), "malloc", Some("in /usr/libexec/valgrind/x.so"))
        );
        assert_eq!(split("[root]"), (None, "[root]", None));
        assert_eq!(split("0x1: ???"), (Some(1), "???", None));
    }

    #[test]
    fn std_files_told_apart() {
        for f in [
            "library/alloc/src/alloc.rs:95",
            "alloc/src/alloc.rs:95:9",
            "src/raw_vec/mod.rs:464:47",
            "dhat-0.3.3/src/lib.rs:1176:9",
            "iter/traits/iterator.rs:2064:9",
        ] {
            assert!(std_file(f), "{f}");
        }
        for f in ["allocs/src/lib.rs:33:35", "lib.rs:49", "src/main.rs:3", "serde_json-1.0.1/src/de.rs:9"] {
            assert!(!std_file(f), "{f}");
        }
        assert_eq!(file_crate("serde_json-1.0.140/src/de.rs:3").as_deref(), Some("serde_json"));
        assert_eq!(file_crate("lib.rs:3"), None);
    }
}
