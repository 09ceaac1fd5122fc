//! Counting one `.ll` file: for each function body (`define … @name(…) {`
//! to a line `}`), one copy and the number of its lines that start with
//! exactly two spaces (instructions and labels' contents; not the labels,
//! not continuation lines). This is cargo-llvm-lines' rule (0.4.48,
//! `count.rs`), so the figures can be checked against it.
//!
//! Hand-written over bytes with memchr rather than `str::lines` over a
//! lossily converted copy: IR files of whole crates run to hundreds of
//! megabytes, and this pass is the only work done on them.

use std::collections::HashMap;

/// Copies and lines of one symbol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub copies: u64,
    pub lines: u64,
}

impl Counts {
    pub fn add(&mut self, o: Counts) {
        self.copies += o.copies;
        self.lines += o.lines;
    }
}

/// The function name of a `define` line: between the first `@` and the
/// `(` after it, without quotes. `None` when the line has neither.
fn defined_name(line: &[u8]) -> Option<&[u8]> {
    let at = memchr::memchr(b'@', line)? + 1;
    let open = memchr::memchr(b'(', &line[at..])?;
    let mut name = &line[at..at + open];
    while let [b'"', rest @ ..] = name {
        name = rest;
    }
    while let [rest @ .., b'"'] = name {
        name = rest;
    }
    Some(name)
}

/// Counts per mangled symbol name (as written in the file).
pub fn count(ir: &[u8]) -> HashMap<Vec<u8>, Counts> {
    let mut out: HashMap<Vec<u8>, Counts> = HashMap::new();
    let mut current: Option<&[u8]> = None;
    let mut lines = 0u64;
    let mut start = 0;
    while start < ir.len() {
        let end = memchr::memchr(b'\n', &ir[start..]).map_or(ir.len(), |i| start + i);
        let mut line = &ir[start..end];
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        start = end + 1;
        if line.starts_with(b"define ") {
            current = defined_name(line);
        } else if line == b"}" {
            if let Some(name) = current.take() {
                let c = out.entry(name.to_vec()).or_default();
                c.copies += 1;
                c.lines += lines;
            }
            lines = 0;
        } else if line.starts_with(b"  ") && !line.starts_with(b"   ") {
            lines += 1;
        }
    }
    out
}
