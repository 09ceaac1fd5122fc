//! What an instruction refers to: the function a call reaches (directly,
//! through a PLT stub, through a GOT slot, or through a relocation in an
//! object file), or the data a PC-relative operand reads.

use crate::arch::{Flow, Insn};
use crate::binary::{Binary, Target};

/// The thing an instruction's branch or PC-relative operand refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    /// Its address in this file, when it is in this file.
    pub address: Option<u64>,
    /// The symbol (mangled, as in the file) and the offset in it.
    pub symbol: Option<(String, u64)>,
    /// Reached through a GOT slot (`call [rip + slot]`, or a register loaded from one).
    pub via_got: bool,
    /// Reached through a PLT stub.
    pub via_plt: bool,
    /// The instruction transfers control there (call or jump) rather than
    /// reading or writing it.
    pub is_code: bool,
    /// Named by its section (`.rodata+0x40`), no symbol holding it.
    pub by_section: bool,
}

impl Ref {
    /// `name`, `name+0x10`, `name@GOT`, or the address.
    pub fn display(&self) -> String {
        let mut s = match &self.symbol {
            Some((raw, 0)) => fastware_symbols::demangle(raw),
            Some((raw, off)) => format!("{}+{off:#x}", fastware_symbols::demangle(raw)),
            None => self.address.map_or_else(|| "?".into(), |a| format!("{a:#x}")),
        };
        s.push_str(self.suffix());
        s
    }

    fn suffix(&self) -> &'static str {
        if self.via_plt {
            "@plt"
        } else if self.via_got {
            "@GOT"
        } else {
            ""
        }
    }

    /// The name without what changes from build to build: hashes, ThinLTO's
    /// `.llvm.N` suffixes, offsets in sections, bare addresses. For comparing
    /// two builds.
    pub fn normalized(&self) -> String {
        let mut s = match &self.symbol {
            Some((raw, _)) if self.by_section => raw.clone(),
            Some((raw, off)) => {
                let name = stable_name(raw);
                if *off == 0 {
                    name
                } else {
                    format!("{name}+{off:#x}")
                }
            }
            None => "<address>".into(),
        };
        s.push_str(self.suffix());
        s
    }
}

/// A symbol's name without hash or `.llvm.N` suffix.
pub fn stable_name(raw: &str) -> String {
    match fastware_symbols::parse(raw) {
        Some(sym) => sym.instance(),
        None => {
            let base = raw.find(".llvm.").map_or(raw, |i| &raw[..i]);
            // anonymous constants are numbered per build
            if base.starts_with("anon.") || base.starts_with(".Lanon") {
                "anon".into()
            } else {
                base.to_string()
            }
        }
    }
}

impl Binary {
    /// What `insn` refers to, if anything.
    pub fn target_of(&self, insn: &Insn) -> Option<Ref> {
        let is_code = matches!(
            insn.flow,
            Flow::Call | Flow::Jump | Flow::ConditionalJump | Flow::IndirectCall | Flow::IndirectJump
        );
        if self.kind.is_relocatable() {
            return self.reloc_target(insn, is_code).or_else(|| insn.branch.map(|b| self.named(b, false, is_code)));
        }
        if let Some(b) = insn.branch {
            if let Some(r) = self.plt_target(b) {
                return Some(r);
            }
            return Some(self.named(b, false, is_code));
        }
        let m = insn.memory?;
        if let Some(t) = self.got().get(&m) {
            // a load of a GOT slot, or a call / jump through one
            return Some(self.slot_target(t, is_code));
        }
        Some(self.named(m, false, false))
    }

    /// What a GOT slot holds, as reached through it.
    fn slot_target(&self, t: &Target, is_code: bool) -> Ref {
        match t {
            Target::Address(a) => self.named(*a, true, is_code),
            Target::Symbol(name, add) => Ref {
                address: None,
                symbol: Some((name.clone(), *add as u64)),
                via_got: true,
                via_plt: false,
                is_code,
                by_section: false,
            },
        }
    }

    /// The symbol at an address in this file.
    fn named(&self, address: u64, via_got: bool, is_code: bool) -> Ref {
        let symbol = self.symbol_at(address).map(|(s, off)| (s.raw.clone(), off));
        let by_section = symbol.is_none();
        let symbol = symbol.or_else(|| {
            self.section_at(address).filter(|s| !s.name.is_empty()).map(|s| (s.name.clone(), address - s.address))
        });
        Ref { address: Some(address), symbol, via_got, via_plt: false, is_code, by_section }
    }

    /// A call into the PLT: the stub jumps through a GOT slot; name its target.
    fn plt_target(&self, address: u64) -> Option<Ref> {
        let section = self.section_at(address)?;
        if !section.name.starts_with(".plt") {
            return None;
        }
        let (code, _) = self.bytes_at(address, 16.min(section.address + section.size - address))?;
        let mut found = None;
        // the stub is `jmp [rip + slot]`, after an `endbr64` with IBT
        self.arch.scan(code, address, |i| {
            if found.is_none() && i.flow == Flow::IndirectJump {
                found = i.memory;
            }
        });
        let mut r = self.slot_target(self.got().get(&found?)?, true);
        r.via_got = false;
        r.via_plt = true;
        Some(r)
    }

    /// In an object file the target is in the relocation on the instruction.
    fn reloc_target(&self, insn: &Insn, is_code: bool) -> Option<Ref> {
        let r = self.relocs_in(insn.address, insn.len as u64).first()?;
        let end = insn.address + insn.len as u64;
        // PC-relative fields hold S + A - P; the instruction reaches S + A + (end - P)
        let bias = if r.pc_relative { end as i64 - r.address as i64 } else { 0 };
        match &r.target {
            Target::Symbol(name, addend) => {
                let off = addend + bias;
                // a defined symbol of this archive: name where it really is
                let address = self.by_name().get(name).map(|&i| self.symbols[i].address);
                Some(Ref {
                    address: address.map(|a| a.wrapping_add(off as u64)),
                    symbol: Some((name.clone(), off.max(0) as u64)),
                    via_got: r.via_got,
                    via_plt: false,
                    is_code,
                    by_section: false,
                })
            }
            Target::Address(a) => {
                let mut out = self.named(a.wrapping_add(bias as u64), r.via_got, is_code);
                out.via_got = r.via_got;
                Some(out)
            }
        }
    }
}
