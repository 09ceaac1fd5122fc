//! Machine code decoding, one module per instruction set. Everything above
//! this module sees [`Insn`]: an address, a length, how control flows on, and
//! the text; adding an architecture means adding a module and an [`Arch`]
//! variant, nothing else.

mod x86;

use std::collections::HashMap;

/// An instruction set fastware decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
}

/// Assembly syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Syntax {
    #[default]
    Intel,
    Att,
}

/// How control goes on after an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Next,
    Call,
    IndirectCall,
    Jump,
    ConditionalJump,
    IndirectJump,
    Return,
    /// Traps, `ud2`, interrupts.
    Trap,
}

impl Flow {
    pub fn name(self) -> &'static str {
        match self {
            Flow::Next => "next",
            Flow::Call => "call",
            Flow::IndirectCall => "indirect-call",
            Flow::Jump => "jump",
            Flow::ConditionalJump => "conditional-jump",
            Flow::IndirectJump => "indirect-jump",
            Flow::Return => "return",
            Flow::Trap => "trap",
        }
    }
}

/// One decoded instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insn {
    pub address: u64,
    pub len: u8,
    pub flow: Flow,
    /// The target of a direct call or jump.
    pub branch: Option<u64>,
    /// The address of a PC-relative memory operand (`[rip + …]`).
    pub memory: Option<u64>,
    /// Mnemonic with its prefixes (`call`, `rep movsb`); empty from [`Arch::scan`].
    pub mnemonic: String,
    /// The whole instruction; empty from [`Arch::scan`].
    pub text: String,
    /// True when the bytes are not a valid instruction.
    pub invalid: bool,
}

impl Arch {
    /// The instruction set of an object file, or why fastware cannot decode it.
    pub fn from_object(a: object::Architecture) -> Result<Arch, crate::BinaryError> {
        match a {
            object::Architecture::X86_64 => Ok(Arch::X86_64),
            object::Architecture::Unknown => Err(crate::BinaryError::UnknownMachine),
            other => Err(crate::BinaryError::OtherMachine { machine: arch_name(other).to_string() }),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86-64",
        }
    }

    /// Decodes `code` (at `address`) for its control flow, without text:
    /// the fast path of whole-binary scans.
    pub fn scan(self, code: &[u8], address: u64, f: impl FnMut(&Insn)) {
        match self {
            Arch::X86_64 => x86::scan(code, address, f),
        }
    }

    /// The indirect calls and jumps through the register that the load of a
    /// function's address at `load` fills (`mov r13, [rip + f@GOT]` …
    /// `call r13`), within `code` (one function, at `address`).
    pub fn calls_through_register(self, code: &[u8], address: u64, load: u64) -> Vec<u64> {
        match self {
            Arch::X86_64 => x86::calls_through_register(code, address, load),
        }
    }

    /// Decodes and formats `code` (at `address`). `names` gives, by
    /// instruction address, the text to print for that instruction's target
    /// (branch or PC-relative operand).
    pub fn disassemble(self, code: &[u8], address: u64, syntax: Syntax, names: HashMap<u64, String>) -> Vec<Insn> {
        match self {
            Arch::X86_64 => x86::disassemble(code, address, syntax, names),
        }
    }
}

fn arch_name(a: object::Architecture) -> String {
    match a {
        object::Architecture::Aarch64 => "aarch64".into(),
        object::Architecture::Arm => "32-bit ARM".into(),
        object::Architecture::I386 => "32-bit x86".into(),
        object::Architecture::Riscv64 => "riscv64".into(),
        object::Architecture::PowerPc64 => "powerpc64".into(),
        object::Architecture::S390x => "s390x".into(),
        other => format!("{other:?}"),
    }
}
