//! The machine code of real artifacts: what fastware's `asm`, `inline`,
//! `size` and `diff` read.
//!
//! - [`Binary`] reads an ELF executable, shared object, object file or
//!   archive (rlib) whole: sections, symbols, GOT slots, relocations, DWARF.
//! - [`arch`] decodes instructions (x86-64 via iced-x86), behind one
//!   [`arch::Insn`] model so another instruction set can be added alone.
//! - [`target`] names what an instruction reaches; [`listing`] disassembles a
//!   function; [`debug`] gives source lines, inline frames and inlined places.
//! - [`inline`] gives a function's inlining verdict, [`size`] code size by
//!   function, crate, generic set or section, [`diff`] compares two builds;
//!   [`report`] holds their results as values, rendered as text, CSV, JSON;
//!   [`symbolize`] names a running program's addresses (for profilers).

pub mod arch;
pub mod binary;
pub mod debug;
pub mod diff;
pub mod error;
pub mod inline;
pub mod listing;
pub mod report;
pub mod saved;
pub mod select;
pub mod size;
pub mod symbolize;
pub mod target;

pub use arch::{Arch, Flow, Insn, Syntax};
pub use binary::{Binary, Kind, Section, Segment, Sym};
pub use error::BinaryError;
pub use select::Pattern;
