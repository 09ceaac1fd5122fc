//! The run store: every measuring command's typed result, kept with what it
//! ran on — time, git commit and branch, `rustc -vV`, cargo, the machine, the
//! command line — so that any two runs can be compared later and a team's
//! runs outlive their CI runners.
//!
//! - [`run`]: a kept run ([`Run`]) and its listing row ([`RunInfo`]);
//!   [`context`]: what a run is measured on, captured when it is recorded.
//! - [`store`]: where runs are kept — embedded SQLite by default
//!   (`<target-dir>/fastware/history.sqlite`); versioned schema, one
//!   transaction per run, results stored compressed.
//! - [`report`]: lists and single runs as values, rendered as text and JSON.

pub mod context;
pub mod error;
pub mod page;
pub mod report;
pub mod run;
pub mod store;
pub mod trend;

mod postgres;
mod sqlite;

pub use error::HistoryError;
pub use run::{NewRun, Run, RunInfo};
pub use store::{Filter, Store};
