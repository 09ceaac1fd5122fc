//! The `fastware` binary.
fn main() -> std::process::ExitCode {
    fastware_cli::main(std::env::args_os().collect(), false)
}
