//! One module per subcommand, and what several share.
pub mod asm;
pub mod bench;
pub mod binary;
pub mod build;
pub mod diff;
pub mod inline;
pub mod selfprof;
pub mod size;
pub mod trace;

use fastware_cargo::run::Profile;

/// The cargo to run: `FASTWARE_CARGO`, else the one that started us (`CARGO`), else `cargo`.
pub fn cargo_program() -> String {
    std::env::var("FASTWARE_CARGO").or_else(|_| std::env::var("CARGO")).unwrap_or_else(|_| "cargo".to_string())
}

/// `--profile NAME` as cargo understands it.
pub fn profile(name: &str) -> Profile {
    match name {
        "release" => Profile::Release,
        "dev" | "debug" => Profile::Dev,
        n => Profile::Named(n.to_string()),
    }
}

pub fn profile_name(p: &Profile) -> &str {
    match p {
        Profile::Release => "release",
        Profile::Dev => "dev",
        Profile::Named(n) => n,
    }
}
