//! One module per subcommand, and what several share.
pub mod asm;
pub mod bench;
pub mod bench_ab;
pub mod bench_cargo;
pub mod binary;
pub mod build;
pub mod diff;
pub mod function;
pub mod heap;
pub mod history;
pub mod inline;
pub mod llvm_lines;
pub mod llvm_lines_build;
pub mod matrix;
pub mod matrix_findings;
pub mod matrix_run;
pub mod pgo;
pub mod profile;
pub mod profile_diff;
pub mod profile_run;
pub mod report;
pub mod runs;
pub mod selection;
pub mod selfprof;
pub mod size;
pub mod trace;
pub mod under_tool;

/// The cargo to run: `FASTWARE_CARGO`, else the one that started us (`CARGO`), else `cargo`.
pub fn cargo_program() -> String {
    std::env::var("FASTWARE_CARGO").or_else(|_| std::env::var("CARGO")).unwrap_or_else(|_| "cargo".to_string())
}
