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

/// Frees a model of many small allocations on another thread: a profile
/// of hundreds of thousands of functions and addresses, or a library's
/// symbol table, took a tenth of a `profile` run to free after its result
/// was ready. The process does not wait for it at exit. (With no thread to
/// be had, it is freed here.)
pub fn free_later<T: Send + 'static>(model: T) {
    let _ = std::thread::Builder::new().name("free".into()).spawn(move || drop(model));
}
