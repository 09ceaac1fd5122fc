//! CPU profiles, read in-process: `perf.data` from `perf record` (samples,
//! stacks unwound by frame pointers or DWARF) and `callgrind.out` from
//! valgrind (exact instruction counts), into one [`model::Profile`] —
//! functions with self and total cost, call edges, the cost of each
//! instruction, and the stacks — and the views of it `fastware profile`
//! shows.

pub mod annotate;
pub mod callgrind;
pub mod calltree;
pub mod error;
pub mod export;
pub mod findings;
pub mod model;
pub mod offcpu;
pub mod perf;
pub mod report;
pub mod saved;
pub mod tasks;
pub mod usercode;
pub mod views;

pub use error::ProfileError;
pub use model::Profile;
