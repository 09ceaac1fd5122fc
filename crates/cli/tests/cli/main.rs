//! `fastware` end to end: the real binary on real data that rustc, cargo,
//! criterion and the other tools produced, its figures checked against
//! independent references (measureme's analysis, objdump, nm, addr2line,
//! scipy, critcmp, cargo's own log). One test binary, one module per command.

mod bench;
mod binary;
mod build;
mod common;
mod doctor;
mod explain;
mod findings;
mod heap;
mod instructions;
mod llvm_lines;
mod matrix;
mod outputs;
mod page;
mod pgo;
mod profile;
mod results;
mod runs;
mod selfprof;
mod tasks;
mod trace;
mod usage;
