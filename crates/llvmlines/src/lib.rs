//! `fastware llvm-lines`: how many lines of unoptimised LLVM IR each
//! function costs, and in how many copies (monomorphised instances), over
//! every crate of a build.
//!
//! - [`ir`] counts a `.ll` file the way cargo-llvm-lines does.
//! - [`lines`] reads a build's files and groups the functions through
//!   `fastware_symbols` (instance, function with generics erased, crates).
//! - [`report`] is the result (`fastware/llvm-lines/1`), with LLVM time per
//!   row when a trace of the same build is joined; [`diff`] compares two
//!   saved runs ([`saved`]).

pub mod diff;
pub mod ir;
pub mod lines;
pub mod report;
pub mod saved;

pub use lines::{By, CrateIr, Sort};
pub use report::LlvmLinesReport;
