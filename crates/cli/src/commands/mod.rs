//! One module per subcommand.
pub mod selfprof;
pub mod trace;
