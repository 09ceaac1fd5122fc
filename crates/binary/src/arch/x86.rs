//! x86-64 through iced-x86: decoding, control flow, Intel and AT&T text with
//! targets named by the caller.

use std::collections::HashMap;

use iced_x86::{
    Decoder, DecoderOptions, FlowControl, Formatter, GasFormatter, Instruction, InstructionInfoFactory, IntelFormatter,
    Mnemonic, OpAccess, OpKind, Register, SymbolResolver, SymbolResult,
};

use super::{Flow, Insn, Syntax};

fn flow(i: &Instruction) -> Flow {
    match i.flow_control() {
        FlowControl::Next | FlowControl::XbeginXabortXend => Flow::Next,
        FlowControl::UnconditionalBranch => Flow::Jump,
        FlowControl::ConditionalBranch => Flow::ConditionalJump,
        FlowControl::IndirectBranch => Flow::IndirectJump,
        FlowControl::Return => Flow::Return,
        FlowControl::Call => Flow::Call,
        FlowControl::IndirectCall => Flow::IndirectCall,
        FlowControl::Interrupt | FlowControl::Exception => Flow::Trap,
    }
}

fn insn(i: &Instruction) -> Insn {
    let flow = flow(i);
    let branch = matches!(flow, Flow::Call | Flow::Jump | Flow::ConditionalJump).then(|| i.near_branch_target());
    let memory = i.is_ip_rel_memory_operand().then(|| i.ip_rel_memory_address());
    Insn {
        address: i.ip(),
        len: i.len() as u8,
        flow,
        branch,
        memory,
        mnemonic: String::new(),
        text: String::new(),
        invalid: i.is_invalid(),
    }
}

pub fn scan(code: &[u8], address: u64, mut f: impl FnMut(&Insn)) {
    let mut decoder = Decoder::with_ip(64, code, address, DecoderOptions::NONE);
    let mut i = Instruction::default();
    while decoder.can_decode() {
        decoder.decode_out(&mut i);
        f(&insn(&i));
    }
}

/// Names targets by instruction address, from the table the caller built.
struct Names(HashMap<u64, String>);

impl SymbolResolver for Names {
    fn symbol(
        &mut self,
        instruction: &Instruction,
        _operand: u32,
        _instruction_operand: Option<u32>,
        address: u64,
        _address_size: u32,
    ) -> Option<SymbolResult<'_>> {
        // only the branch target or the PC-relative operand is named
        let is_target = (instruction.is_ip_rel_memory_operand() && address == instruction.ip_rel_memory_address())
            || (matches!(
                instruction.flow_control(),
                FlowControl::Call | FlowControl::UnconditionalBranch | FlowControl::ConditionalBranch
            ) && address == instruction.near_branch_target());
        if !is_target {
            return None;
        }
        self.0.get(&instruction.ip()).map(|name| SymbolResult::with_string(address, name.clone()))
    }
}

pub fn disassemble(code: &[u8], address: u64, syntax: Syntax, names: HashMap<u64, String>) -> Vec<Insn> {
    let resolver: Box<dyn SymbolResolver> = Box::new(Names(names));
    let mut formatter: Box<dyn Formatter> = match syntax {
        Syntax::Intel => Box::new(IntelFormatter::with_options(Some(resolver), None)),
        Syntax::Att => Box::new(GasFormatter::with_options(Some(resolver), None)),
    };
    let o = formatter.options_mut();
    o.set_space_after_operand_separator(true);
    o.set_rip_relative_addresses(false);
    o.set_branch_leading_zeros(false);
    o.set_leading_zeros(false);
    o.set_hex_prefix("0x");
    o.set_hex_suffix("");
    o.set_uppercase_hex(false);
    let mut decoder = Decoder::with_ip(64, code, address, DecoderOptions::NONE);
    let mut i = Instruction::default();
    let mut out = Vec::new();
    while decoder.can_decode() {
        decoder.decode_out(&mut i);
        let mut x = insn(&i);
        if x.invalid {
            x.mnemonic = "(bad)".into();
            x.text = "(bad)".into();
        } else {
            formatter.format_mnemonic(&i, &mut x.mnemonic);
            formatter.format(&i, &mut x.text);
        }
        out.push(x);
    }
    out
}

/// Registers a call may change (System V): a value loaded into one of these
/// does not survive a call.
const CALLER_SAVED: [Register; 9] = [
    Register::RAX,
    Register::RCX,
    Register::RDX,
    Register::RSI,
    Register::RDI,
    Register::R8,
    Register::R9,
    Register::R10,
    Register::R11,
];

/// The calls and jumps through the register that the `mov reg, [rip + …]`
/// at `load` fills: `mov r13, [rip + f@GOT]` … `call r13`. A linear walk from
/// the load to the end of `code`, until the register is written again (or
/// clobbered by a call, for caller-saved registers).
pub fn calls_through_register(code: &[u8], address: u64, load: u64) -> Vec<u64> {
    let mut decoder = Decoder::with_ip(64, code, address, DecoderOptions::NONE);
    let mut info = InstructionInfoFactory::new();
    let mut i = Instruction::default();
    let mut reg: Option<Register> = None;
    let mut out = Vec::new();
    while decoder.can_decode() {
        decoder.decode_out(&mut i);
        if i.ip() == load {
            if i.mnemonic() == Mnemonic::Mov && i.op_kind(0) == OpKind::Register && i.op0_register().is_gpr64() {
                reg = Some(i.op0_register());
            } else {
                return out;
            }
            continue;
        }
        let Some(r) = reg else { continue };
        let flow = i.flow_control();
        if matches!(flow, FlowControl::IndirectCall | FlowControl::IndirectBranch)
            && i.op_kind(0) == OpKind::Register
            && i.op0_register() == r
        {
            out.push(i.ip());
        }
        let written = info.info(&i).used_registers().iter().any(|u| {
            u.register().full_register() == r
                && matches!(
                    u.access(),
                    OpAccess::Write | OpAccess::CondWrite | OpAccess::ReadWrite | OpAccess::ReadCondWrite
                )
        });
        let clobbered = matches!(flow, FlowControl::Call | FlowControl::IndirectCall) && CALLER_SAVED.contains(&r);
        if written || clobbered || flow == FlowControl::Return {
            break;
        }
    }
    out
}
