//! Benchmark results, and whether a change made things faster.
//!
//! - [`results`]: one model for every source — a benchmark's name, what one
//!   measurement times (an iteration, or a whole run), a summary, and the raw
//!   samples when the source keeps them.
//! - Readers, one per format: [`libtest`] (`cargo bench` text or JSON lines),
//!   [`criterion`] (a `target/criterion` baseline, from its raw `sample.json`),
//!   [`hyperfine`] (`--export-json`), [`saved`] (fastware's own files);
//!   [`input`] tells them apart by content.
//! - [`stats`]: means, medians, Welch's t-test, bootstrap confidence
//!   intervals; [`compare`]: the verdict per benchmark.
//! - [`noise`]: the run-to-run noise of the same code run several times;
//!   [`past`]: the noise thresholds past runs of each benchmark set.
//! - [`store`]: results saved by name, and criterion baselines; [`report`]:
//!   comparisons and runs as values, rendered as text, CSV and JSON.

pub mod compare;
pub mod criterion;
pub mod error;
pub mod hyperfine;
pub mod input;
pub mod instructions;
pub mod libtest;
pub mod noise;
pub mod past;
pub mod report;
pub mod results;
pub mod saved;
pub mod stats;
pub mod store;

pub use compare::{compare, Comparison, Options, Row, Test, Verdict};
pub use error::BenchError;
pub use report::{ComparisonReport, RunReport};
pub use results::{BenchBinary, Benchmark, Measure, Meta, Results, Source};
pub use store::Store;
