//! The disassembly of one function: its instructions with their bytes, what
//! each refers to (named), and, with debug info, the source line and the
//! inline frames of each.

use std::collections::HashMap;

use crate::arch::{Insn, Syntax};
use crate::binary::{Binary, Sym};
use crate::debug::{Debug, Frame};
use crate::target::Ref;

/// One instruction of a listing.
#[derive(Debug, Clone)]
pub struct Line {
    pub insn: Insn,
    pub bytes: Vec<u8>,
    /// Offset from the function's start.
    pub offset: u64,
    pub target: Option<Ref>,
    /// For a call through a register: what the register was loaded with.
    pub comment: Option<String>,
    /// Frames at this address, innermost first (with `--source`).
    pub frames: Vec<Frame>,
}

/// A function's code.
#[derive(Debug, Clone)]
pub struct Listing {
    pub raw: String,
    pub name: String,
    pub address: u64,
    /// The address as shown (an offset in the section for object files).
    pub shown_address: u64,
    pub size: u64,
    pub member: Option<String>,
    pub lines: Vec<Line>,
}

/// How branch targets inside the function are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labels {
    /// `0x15354 <+0x194>`: addresses, for reading.
    Addresses,
    /// `.L3`: numbered in order of first use, for comparing two builds.
    Local,
}

impl Listing {
    /// The listing of a function a build does not have.
    pub fn empty(name: &str) -> Listing {
        Listing {
            raw: String::new(),
            name: name.to_string(),
            address: 0,
            shown_address: 0,
            size: 0,
            member: None,
            lines: Vec::new(),
        }
    }
}

impl Binary {
    /// Disassembles function `f`. With `debug`, each line gets its frames.
    pub fn listing(&self, f: &Sym, syntax: Syntax, labels: Labels, debug: Option<&Debug>) -> Listing {
        let base = self.display_base(f.address);
        let code = self.bytes_at(f.address, f.size).map(|(b, _)| b).unwrap_or_default();
        // first pass: what each instruction refers to, and the text to print for it
        let mut refs: HashMap<u64, Ref> = HashMap::new();
        let mut local: HashMap<u64, usize> = HashMap::new();
        let mut names: HashMap<u64, String> = HashMap::new();
        self.arch.scan(code, f.address, |i| {
            let Some(r) = self.target_of(i) else { return };
            let inside = r.address.filter(|a| !r.via_got && *a >= f.address && *a < f.address + f.size);
            let text = match (inside, labels) {
                (Some(a), Labels::Addresses) => format!("{:#x} <+{:#x}>", a - base, a - f.address),
                (Some(a), Labels::Local) => {
                    let n = local.len();
                    format!(".L{}", local.entry(a).or_insert(n))
                }
                (None, Labels::Addresses) => r.display(),
                (None, Labels::Local) => r.normalized(),
            };
            names.insert(i.address, text);
            refs.insert(i.address, r);
        });
        // `mov r13, [rip + f@GOT]` … `call r13`: the call reaches f
        let loads: Vec<(u64, Ref)> =
            refs.iter().filter(|(_, r)| r.via_got && !r.is_code).map(|(a, r)| (*a, r.clone())).collect();
        for (load, r) in loads {
            for call in self.arch.calls_through_register(code, f.address, load) {
                let mut r = r.clone();
                r.is_code = true;
                refs.entry(call).or_insert(r);
            }
        }
        let insns = self.arch.disassemble(code, f.address, syntax, names);
        let lines = insns
            .into_iter()
            .map(|insn| {
                let start = (insn.address - f.address) as usize;
                Line {
                    bytes: code[start..start + insn.len as usize].to_vec(),
                    offset: insn.address - f.address,
                    comment: (insn.branch.is_none() && insn.memory.is_none())
                        .then(|| refs.get(&insn.address).map(|r| format!("→ {}", r.display())))
                        .flatten(),
                    target: refs.remove(&insn.address),
                    frames: debug.map(|d| d.frames(insn.address)).unwrap_or_default(),
                    insn,
                }
            })
            .collect();
        Listing {
            raw: f.raw.clone(),
            name: fastware_symbols::demangle(&f.raw),
            address: f.address,
            shown_address: f.address - base,
            size: f.size,
            member: self.member_at(f.address).map(str::to_string),
            lines,
        }
    }
}
