//! LLVM time traces (`-Zllvm-time-trace`) and other Chrome Trace Event files,
//! of any size.
//!
//! - [`reader`]: a streaming reader of the Trace Event Format (both layouts,
//!   a missing closing `]`, truncated files), on the hand-written scanner in
//!   [`json`] and [`event`];
//! - [`parallel`]: reads a whole build's traces, and single large traces in
//!   pieces, on all cores with flat memory;
//! - [`llvm`] and [`summary`]: per-function LLVM time, crates, passes with
//!   self time, modules, files;
//! - [`slim`]: writes a smaller trace that viewers can open;
//! - [`report`]: the result of `fastware trace` as a value, rendered as
//!   text, CSV and JSON.

pub mod error;
pub mod event;
pub mod input;
pub mod json;
pub mod llvm;
pub mod parallel;
pub mod reader;
pub mod report;
pub mod slim;
pub mod summary;

pub use error::TraceError;
pub use fastware_report::Error;
pub use report::{SlimReport, TraceReport, View};
pub use summary::{summarize, GroupRow, Groupings, LlvmTotal, ModuleRow, PassRow, TraceQuery, TraceSummary};
