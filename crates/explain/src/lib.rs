//! `fastware explain BASE NEW`: why a program got slower (or faster)
//! between two builds of it, from one callgrind recording of the same
//! workload on each side and the two binaries.
//!
//! - [`analysis`]: the counts of each side, function by function, matched
//!   by name through inlining (a function inlined on one side and out of
//!   line on the other is matched to itself through DWARF's inline
//!   records), ranked by their part of the change;
//! - [`error`]: what keeps a side from being explained ([`ExplainError`]);
//! - [`code`]: what changed in a function's machine code, and its calls;
//! - [`findings`]: the rules that name a cause (no longer inlined, a call
//!   through a register, allocations, copies, bounds checks, vectorisation);
//! - [`report`]: the result (`fastware/explain/1`) and its text.

pub mod analysis;
pub mod code;
pub mod error;
pub mod findings;
pub mod report;

pub use analysis::{explain, Events, Side};
pub use error::ExplainError;
pub use report::{Explanation, SCHEMA};
