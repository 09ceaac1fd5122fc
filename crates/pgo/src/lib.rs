//! `fastware pgo`: profile-guided optimisation in one flow. An instrumented
//! build (`-Cprofile-generate`), the workload run with it, `llvm-profdata
//! merge` (found and checked against the raw profiles' version), the
//! optimised build (`-Cprofile-use`), and the optimised binary measured
//! against a normal release build on the comparison workload, runs
//! interleaved, with the statistics of `crates/bench`.

pub mod error;
pub mod flow;
pub mod profdata;
pub mod report;

pub use error::PgoError;
