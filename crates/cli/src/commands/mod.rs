//! One module per subcommand.
pub mod build;
pub mod selfprof;
pub mod trace;
