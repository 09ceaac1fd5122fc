//! Heap profiles: DHAT's JSON (`dhat.out.<pid>` from `valgrind --tool=dhat`,
//! `dhat-heap.json` from the dhat crate) read into one [`HeapProfile`] —
//! every program point with its frames demangled and the first frame in the
//! user's code found — and the views `fastware heap` shows: totals, sites
//! ranked, roll-ups by function and crate, short-lived allocations with
//! advice, and diffs.

pub mod dhat;
pub mod error;
pub mod findings;
pub mod frames;
pub mod model;
pub mod report;
pub mod saved;

pub use error::HeapError;
pub use model::HeapProfile;
