//! `fastware matrix`: build-configuration experiments. Axes (cargo config
//! keys, RUSTFLAGS variants, linkers, toolchains) make a plan of cells; each
//! cell builds the project in its own target directory under
//! `<target-dir>/fastware/matrix/` and is measured (cold build, hot
//! rebuild, artifact size, the program's run time), repeated with the cells
//! interleaved; the results are kept as they finish, resumed, merged from
//! several machines, and compared with a baseline cell.

pub mod axis;
pub mod chart;
pub mod error;
pub mod findings;
pub mod measure;
pub mod plan;
pub mod report;
pub mod run;
pub mod store;

pub use error::MatrixError;
pub use plan::Plan;
