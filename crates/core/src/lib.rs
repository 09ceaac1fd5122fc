//! What every fastware library shares, and nothing about how results are
//! shown: the one error type ([`Error`]: what went wrong, whose fault, where,
//! a hint), durations ([`Duration`], written as microseconds), the JSON
//! convention (`schema`, [`json::read`]), the kinds of result ([`Kind`]),
//! the rules for the user's files ([`input`], [`output`]), and a tree
//! copied with its files' times ([`tree`]).
//!
//! Libraries that render a result depend on `fastware-report` too; the ones
//! that only compute (symbols, runner, cargo, history) depend on this alone.

pub mod error;
pub mod input;
pub mod json;
pub mod output;
pub mod tree;

pub use error::{Error, ErrorKind, Result, Typed};
pub use json::{Duration, FineDuration};
pub use output::OutputFile;
