//! `cargo fastware …`: cargo runs `cargo-fastware fastware …`.
fn main() -> std::process::ExitCode {
    fastware_cli::main(std::env::args_os().collect(), true)
}
