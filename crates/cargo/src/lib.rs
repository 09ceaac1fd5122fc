//! Running cargo for measurement: the user's project (`cargo metadata`), one
//! instrumented build in fastware's own target directory, cargo's record of
//! it (`-Zbuild-analysis`, or the `--timings` page), the critical path
//! through its unit graph, fastware as a rustc wrapper (for `--deep`, and
//! builds with extra flags such as `llvm-lines`' IR), and the
//! artifact of a normal build for the commands that read machine code.

pub mod artifact;
pub mod bench;
pub mod counted;
pub mod critical;
pub mod error;
pub mod experiment;
pub mod invocation;
pub mod log;
pub mod project;
pub mod revision;
pub mod run;
pub mod wrapped;
pub mod wrapper;

pub use error::CargoError;
pub use fastware_core::{Error, ErrorKind};
