//! What a function's machine code is on each side: the instructions that
//! changed (`diff`'s normalised view), the calls that appeared or
//! vanished, where it is called from, and how much of what it ran was
//! vector (SIMD) arithmetic.

use std::collections::{BTreeMap, HashMap};

use fastware_binary::diff::{diff_listings, DiffTag};
use fastware_binary::listing::{Labels, Listing};
use fastware_binary::{Binary, Flow, Syntax};
use serde::{Deserialize, Serialize};

use crate::analysis::{key, Attributed, Read};

/// A function's instructions compared, when it is out of line on both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeChange {
    pub base_instructions: usize,
    pub new_instructions: usize,
    pub added: usize,
    pub removed: usize,
    /// Calls in NEW's code that BASE's does not make (their targets).
    pub calls_appeared: Vec<String>,
    pub calls_vanished: Vec<String>,
}

/// Calls made to a function from one instruction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallSite {
    pub caller: String,
    /// The call's address in the file.
    pub address: Option<u64>,
    pub calls: u64,
    /// The instruction (`call qword ptr [rax+0x20]`).
    pub instruction: Option<String>,
    /// Through a register or memory: a `dyn` call or a function pointer.
    pub indirect: bool,
}

/// Listings of one file's functions, made once each.
pub(crate) struct Listings<'a> {
    binary: &'a Binary,
    by_address: HashMap<u64, Listing>,
}

impl<'a> Listings<'a> {
    pub fn new(binary: &'a Binary) -> Listings<'a> {
        Listings { binary, by_address: HashMap::new() }
    }

    /// The listing of the function holding `address`.
    pub fn of(&mut self, address: u64) -> Option<&Listing> {
        let sym = self.binary.function_at(address)?;
        let at = sym.address;
        if !self.by_address.contains_key(&at) {
            let l = self.binary.listing(sym, Syntax::Intel, Labels::Local, None);
            self.by_address.insert(at, l);
        }
        self.by_address.get(&at)
    }

    /// The instruction at `address`: its text and flow.
    pub fn instruction(&mut self, address: u64) -> Option<(String, Flow)> {
        let l = self.of(address)?;
        l.lines.iter().find(|x| x.insn.address == address).map(|x| (x.insn.text.clone(), x.insn.flow))
    }

    /// The largest symbol of function `name`, listed.
    pub fn named(&mut self, name: &str) -> Option<&Listing> {
        let sym = self
            .binary
            .functions
            .iter()
            .map(|&i| &self.binary.symbols[i])
            .filter(|s| key(&fastware_symbols::demangle(&s.raw)) == name)
            .max_by_key(|s| s.size)?;
        self.of(sym.address)
    }
}

/// The targets of a listing's calls (a name when known, else the
/// normalised instruction).
fn calls(l: &Listing) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for line in l.lines.iter().filter(|x| matches!(x.insn.flow, Flow::Call | Flow::IndirectCall)) {
        let target = line
            .target
            .as_ref()
            .and_then(|t| t.symbol.as_ref())
            .map(|(raw, _)| key(&fastware_symbols::demangle(raw)))
            .unwrap_or_else(|| fastware_binary::diff::line_text(line));
        *out.entry(target).or_default() += 1;
    }
    out
}

/// `name`'s code compared, when both sides have it out of line.
pub(crate) fn code_change(base: &mut Listings<'_>, new: &mut Listings<'_>, name: &str) -> Option<CodeChange> {
    let old = base.named(name)?.clone();
    let now = new.named(name)?;
    let d = diff_listings(&old, now);
    let (b, n) = (calls(&old), calls(now));
    let more = |x: &BTreeMap<String, usize>, y: &BTreeMap<String, usize>| -> Vec<String> {
        x.iter().filter(|(k, c)| y.get(*k).copied().unwrap_or(0) < **c).map(|(k, _)| k.clone()).collect()
    };
    Some(CodeChange {
        base_instructions: old.lines.len(),
        new_instructions: now.lines.len(),
        added: d.iter().filter(|l| l.tag == DiffTag::Added).count(),
        removed: d.iter().filter(|l| l.tag == DiffTag::Removed).count(),
        calls_appeared: more(&n, &b),
        calls_vanished: more(&b, &n),
    })
}

/// The calls into `name` on a side, by call site, most first.
pub(crate) fn call_sites(side: &Read, listings: &mut Listings<'_>, name: &str) -> Vec<CallSite> {
    let mut by_site: BTreeMap<(String, Option<u64>), u64> = BTreeMap::new();
    for c in side.calls.iter().filter(|c| c.callee == name) {
        *by_site.entry((c.caller.clone(), c.address)).or_default() += c.count;
    }
    let mut out: Vec<CallSite> = by_site
        .into_iter()
        .map(|((caller, address), calls)| {
            let insn = address.and_then(|a| listings.instruction(a));
            CallSite {
                caller,
                address,
                calls,
                indirect: insn.as_ref().is_some_and(|(_, f)| *f == Flow::IndirectCall),
                instruction: insn.map(|(t, _)| t),
            }
        })
        .collect();
    out.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.caller.cmp(&b.caller)));
    out
}

/// Whether an instruction is vector (packed SIMD) work: it uses a vector
/// register and is not one of the scalar forms (`…ss`, `…sd`) or a move
/// of one value between general and vector registers.
pub(crate) fn is_packed_simd(text: &str) -> bool {
    let mnemonic = text.split_whitespace().next().unwrap_or("");
    let vector = text.contains("xmm") || text.contains("ymm") || text.contains("zmm");
    let scalar = mnemonic.ends_with("ss")
        || mnemonic.ends_with("sd")
        || matches!(mnemonic, "movd" | "movq" | "vmovd" | "vmovq" | "pxor" | "xorps" | "xorpd" | "vxorps" | "vxorpd")
        || mnemonic.starts_with("cvt")
        || mnemonic.starts_with("vcvt")
        || mnemonic.starts_with("ucomi")
        || mnemonic.starts_with("comi");
    vector && !scalar
}

/// Of the instructions a function ran (attributed), the share that was
/// packed SIMD work.
pub(crate) fn simd_share(side: &Read, listings: &mut Listings<'_>, f: &Attributed) -> f64 {
    let (mut simd, mut all) = (0u64, 0u64);
    for &i in &f.points {
        let p = &side.points[i];
        all += p.events.instructions;
        if listings.instruction(p.address).is_some_and(|(t, _)| is_packed_simd(&t)) {
            simd += p.events.instructions;
        }
    }
    if all == 0 {
        0.0
    } else {
        simd as f64 / all as f64
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn packed_simd_is_told_from_scalar_floating_point() {
        for packed in ["addpd xmm0, xmm1", "vmulps ymm0, ymm1, ymm2", "paddd xmm2, xmm3", "movupd xmm0, [rax]"] {
            assert!(super::is_packed_simd(packed), "{packed}");
        }
        for scalar in ["addsd xmm0, xmm1", "mulss xmm2, xmm3", "movq rax, xmm0", "xorps xmm0, xmm0", "add rax, 1"] {
            assert!(!super::is_packed_simd(scalar), "{scalar}");
        }
    }
}
