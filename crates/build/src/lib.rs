//! `fastware build`: one instrumented cargo build turned into a diagnosis —
//! the critical path, each unit's phases, with `--deep` rustc's self-profile
//! and LLVM's time trace of the crates that matter — and findings: rules
//! that fire on measured numbers and say what to change.

pub mod diagnosis;
pub mod diff;
pub mod findings;
pub mod phases;
pub mod render;
pub mod report;

pub use diagnosis::{diagnose, Diagnosis};
pub use findings::{findings, Finding};
pub use report::BuildReport;
