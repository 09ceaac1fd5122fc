//! Two builds compared: which functions were added, removed or changed, and
//! one function's instructions side by side, with addresses, hashes and
//! local labels normalised away so only real changes show.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use similar::{capture_diff_slices, Algorithm, DiffOp};

use crate::arch::Syntax;
use crate::binary::Binary;
use crate::listing::{Labels, Line, Listing};
use crate::target::stable_name;

/// A function's figures in one build; several symbols of one name (generic
/// instances under legacy mangling) are summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub count: u64,
    pub bytes: u64,
    pub instructions: u64,
    /// Hash of the normalised instructions.
    pub fingerprint: u64,
}

/// How a function differs between the builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Changed,
    Added,
    Removed,
    Same,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Changed => "changed",
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Same => "same",
        }
    }
}

/// One function of either build.
#[derive(Debug, Clone)]
pub struct FunctionChange {
    pub name: String,
    pub status: Status,
    pub old: Option<Figures>,
    pub new: Option<Figures>,
}

impl FunctionChange {
    pub fn byte_change(&self) -> i64 {
        self.new.as_ref().map_or(0, |f| f.bytes as i64) - self.old.as_ref().map_or(0, |f| f.bytes as i64)
    }
}

/// The normalised text of a listing's instructions.
pub fn normalized(listing: &Listing) -> Vec<String> {
    listing.lines.iter().map(line_text).collect()
}

/// An instruction's text and, for a call through a register, what it calls.
pub fn line_text(l: &Line) -> String {
    match &l.comment {
        Some(c) => format!("{}    ; {c}", l.insn.text),
        None => l.insn.text.clone(),
    }
}

impl Binary {
    /// Every function's figures, by stable name (no hash, no `.llvm.N`).
    pub fn function_figures(&self) -> BTreeMap<String, Figures> {
        let mut per: HashMap<String, Vec<(u64, u64, u64)>> = HashMap::new();
        for &i in &self.functions {
            let f = &self.symbols[i];
            let listing = self.listing(f, Syntax::Intel, Labels::Local, None);
            let mut h = DefaultHasher::new();
            for l in &listing.lines {
                line_text(l).hash(&mut h);
            }
            per.entry(stable_name(&f.raw)).or_default().push((f.size, listing.lines.len() as u64, h.finish()));
        }
        per.into_iter()
            .map(|(name, mut copies)| {
                copies.sort();
                let mut h = DefaultHasher::new();
                copies.iter().for_each(|c| c.2.hash(&mut h));
                let figures = Figures {
                    count: copies.len() as u64,
                    bytes: copies.iter().map(|c| c.0).sum(),
                    instructions: copies.iter().map(|c| c.1).sum(),
                    fingerprint: h.finish(),
                };
                (name, figures)
            })
            .collect()
    }
}

/// Functions of two builds matched by stable name; changed ones first, then
/// added and removed, each sorted by the size of the byte change.
pub fn diff_functions(old: &BTreeMap<String, Figures>, new: &BTreeMap<String, Figures>) -> Vec<FunctionChange> {
    let mut out = Vec::new();
    for (name, o) in old {
        let n = new.get(name);
        let status = match n {
            None => Status::Removed,
            Some(n) if n.fingerprint != o.fingerprint || n.bytes != o.bytes => Status::Changed,
            Some(_) => Status::Same,
        };
        out.push(FunctionChange { name: name.clone(), status, old: Some(o.clone()), new: n.cloned() });
    }
    for (name, n) in new {
        if !old.contains_key(name) {
            out.push(FunctionChange { name: name.clone(), status: Status::Added, old: None, new: Some(n.clone()) });
        }
    }
    out.sort_by(|a, b| {
        a.status
            .cmp(&b.status)
            .then(b.byte_change().unsigned_abs().cmp(&a.byte_change().unsigned_abs()))
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

/// One line of an instruction diff.
#[derive(Debug, Clone)]
pub struct DiffLine<'a> {
    pub tag: DiffTag,
    pub old: Option<&'a Line>,
    pub new: Option<&'a Line>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffTag {
    Same,
    Removed,
    Added,
}

/// The instructions of two listings (made with [`Labels::Local`]) aligned:
/// equal normalised text is the same instruction.
pub fn diff_listings<'a>(old: &'a Listing, new: &'a Listing) -> Vec<DiffLine<'a>> {
    let a = normalized(old);
    let b = normalized(new);
    let mut out = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &a, &b) {
        match op {
            DiffOp::Equal { old_index, new_index, len } => {
                for k in 0..len {
                    out.push(DiffLine {
                        tag: DiffTag::Same,
                        old: Some(&old.lines[old_index + k]),
                        new: Some(&new.lines[new_index + k]),
                    });
                }
            }
            DiffOp::Delete { old_index, old_len, .. } => {
                for k in 0..old_len {
                    out.push(DiffLine { tag: DiffTag::Removed, old: Some(&old.lines[old_index + k]), new: None });
                }
            }
            DiffOp::Insert { new_index, new_len, .. } => {
                for k in 0..new_len {
                    out.push(DiffLine { tag: DiffTag::Added, old: None, new: Some(&new.lines[new_index + k]) });
                }
            }
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                for k in 0..old_len {
                    out.push(DiffLine { tag: DiffTag::Removed, old: Some(&old.lines[old_index + k]), new: None });
                }
                for k in 0..new_len {
                    out.push(DiffLine { tag: DiffTag::Added, old: None, new: Some(&new.lines[new_index + k]) });
                }
            }
        }
    }
    out
}
