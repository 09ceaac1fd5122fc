//! fastware as a rustc wrapper, for `fastware build --deep` and
//! `fastware llvm-lines`.
//!
//! cargo runs `$RUSTC_WORKSPACE_WRAPPER rustc <args>` (workspace members) or
//! `$RUSTC_WRAPPER rustc <args>` (every crate). When fastware is started
//! that way with [`ENV_PROFILE_DIR`] set, it runs rustc with the profilers
//! added for the selected crates: `-Zself-profile` (with query arguments) and
//! `-Zllvm-time-trace`, with v0 symbol mangling so that closures and generic
//! arguments can be told apart. `RUSTC_BOOTSTRAP=1` is set by `fastware
//! build` for its own isolated build only.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

/// Directory for `-Zself-profile` output; its presence turns wrapper mode on.
pub const ENV_PROFILE_DIR: &str = "FASTWARE_WRAP_PROFILE_DIR";
/// Crate names to profile, comma-separated, or `*` for all.
pub const ENV_CRATES: &str = "FASTWARE_WRAP_CRATES";
/// More rustc flags for the selected crates, separated by [`FLAG_SEP`]; its
/// presence turns wrapper mode on too.
pub const ENV_FLAGS: &str = "FASTWARE_WRAP_FLAGS";
const FLAG_SEP: char = '\u{1f}';

/// `flags` as the value of [`ENV_FLAGS`].
pub fn flags_value(flags: &[String]) -> String {
    flags.join(&FLAG_SEP.to_string())
}

/// The flags added to a profiled rustc run.
pub fn profiler_flags(profile_dir: &Path) -> Vec<String> {
    vec![
        format!("-Zself-profile={}", profile_dir.display()),
        "-Zself-profile-events=default,args".to_string(),
        "-Zllvm-time-trace".to_string(),
        "-Csymbol-mangling-version=v0".to_string(),
    ]
}

/// True when this process was started by cargo as fastware's rustc wrapper.
pub fn is_wrapper_invocation(args: &[OsString]) -> bool {
    (std::env::var_os(ENV_PROFILE_DIR).is_some() || std::env::var_os(ENV_FLAGS).is_some())
        && args.get(1).and_then(|a| Path::new(a).file_stem()).is_some_and(|s| s.to_string_lossy().starts_with("rustc"))
}

fn crate_name(args: &[OsString]) -> Option<String> {
    let pos = args.iter().position(|a| a == "--crate-name")?;
    args.get(pos + 1).map(|a| a.to_string_lossy().into_owned())
}

/// Runs rustc (`args[1]`) with `args[2..]`, plus the profiler flags and
/// [`ENV_FLAGS`] when the crate is selected. Returns rustc's exit status.
pub fn run_wrapper(args: &[OsString]) -> i32 {
    let rustc = &args[1];
    let mut rest: Vec<OsString> = args[2..].to_vec();
    let name = crate_name(&rest);
    // cargo's probes (`rustc -vV`, `rustc - --crate-name ___ --print …`) and
    // crates not asked for run untouched
    let selected = match (&name, std::env::var(ENV_CRATES)) {
        (Some(n), _) if n == "___" => false,
        (None, _) => false,
        (Some(_), Ok(list)) if list == "*" => true,
        (Some(n), Ok(list)) => list.split(',').any(|c| c == n || c.replace('-', "_") == *n),
        (Some(_), Err(_)) => true,
    };
    if selected {
        if let Some(dir) = std::env::var_os(ENV_PROFILE_DIR) {
            rest.extend(profiler_flags(Path::new(&dir)).into_iter().map(OsString::from));
        }
        if let Ok(flags) = std::env::var(ENV_FLAGS) {
            rest.extend(flags.split(FLAG_SEP).filter(|f| !f.is_empty()).map(OsString::from));
        }
    }
    let mut cmd = Command::new(rustc);
    if selected && rest.iter().any(|a| a.to_string_lossy().starts_with("-Z")) {
        // unstable flags of fastware's own: this rustc acts as a nightly
        cmd.env("RUSTC_BOOTSTRAP", "1");
    }
    match cmd.args(&rest).status() {
        Ok(s) => s.code().unwrap_or(101),
        Err(e) => {
            eprintln!("error: fastware could not run {}: {e}", Path::new(rustc).display());
            101
        }
    }
}
