//! The rustc command lines of a build, from cargo's `--verbose` output
//! (`Running \`rustc --crate-name foo …\``): the settings each crate was
//! really compiled with.

/// One rustc invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invocation {
    pub crate_name: String,
    pub crate_types: Vec<String>,
    pub settings: Settings,
    /// The whole command line.
    pub args: Vec<String>,
}

/// The code generation settings a crate was compiled with.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// `-C opt-level` (`0`…`3`, `s`, `z`); rustc's default is 0.
    pub opt_level: Option<String>,
    /// `-C lto` (`fat`, `thin`, `off`, or `true`…); unset means thin-local.
    pub lto: Option<String>,
    pub debuginfo: Option<String>,
    pub codegen_units: Option<u32>,
    /// Incremental compilation on (`-C incremental=<dir>`).
    pub incremental: bool,
    pub linker: Option<String>,
    /// `-fuse-ld=…` given through `-C link-arg(s)`.
    pub fuse_ld: Option<String>,
}

impl Settings {
    /// The linker that was asked for: `-fuse-ld`'s, else `-C linker`'s.
    pub fn linker_name(&self) -> Option<&str> {
        self.fuse_ld.as_deref().or(self.linker.as_deref())
    }
}

/// Parses a line of cargo's verbose output; `None` for other lines.
pub fn parse_running(line: &str) -> Option<Invocation> {
    let rest = line.trim_start().strip_prefix("Running `")?;
    let cmd = rest.strip_suffix('`').unwrap_or(rest);
    let args = shlex::split(cmd).unwrap_or_else(|| cmd.split_whitespace().map(str::to_string).collect());
    let mut inv = Invocation::default();
    let mut i = 0;
    let value = |i: usize| args.get(i + 1).cloned();
    while i < args.len() {
        let a = &args[i];
        match a.as_str() {
            "--crate-name" => inv.crate_name = value(i).unwrap_or_default(),
            "--crate-type" => inv.crate_types.extend(value(i)),
            "-C" | "--codegen" => {
                if let Some(v) = value(i) {
                    codegen(&mut inv.settings, &v);
                }
            }
            _ => {
                if let Some(v) = a.strip_prefix("-C") {
                    codegen(&mut inv.settings, v);
                    i += 1;
                    continue;
                }
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    if inv.crate_name.is_empty() {
        return None;
    }
    inv.args = args;
    Some(inv)
}

fn codegen(inv: &mut Settings, opt: &str) {
    let (k, v) = opt.split_once('=').unwrap_or((opt, ""));
    match k {
        "opt-level" => inv.opt_level = Some(v.to_string()),
        "lto" => inv.lto = Some(if v.is_empty() { "fat".to_string() } else { v.to_string() }),
        "debuginfo" => inv.debuginfo = Some(v.to_string()),
        "codegen-units" => inv.codegen_units = v.parse().ok(),
        "incremental" => inv.incremental = true,
        "linker" => inv.linker = Some(v.to_string()),
        "link-arg" | "link-args" => {
            if let Some(ld) = v.split_whitespace().find_map(|a| a.strip_prefix("-fuse-ld=")) {
                inv.fuse_ld = Some(ld.to_string());
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_verbose_line() {
        let line = "     Running `/root/.rustup/toolchains/stable/bin/rustc --crate-name tracee_types --edition=2021 types/src/lib.rs --error-format=json --crate-type lib --emit=dep-info,metadata,link -C opt-level=3 -C embed-bitcode=no -C debuginfo=line-tables-only --check-cfg 'cfg(docsrs,test)' -C lto=thin -Ccodegen-units=16 -C incremental=/t/incr -C link-arg=-fuse-ld=lld -C metadata=df5b --out-dir /t/deps`";
        let inv = parse_running(line).expect("an invocation");
        assert_eq!(inv.crate_name, "tracee_types");
        assert_eq!(inv.crate_types, ["lib"]);
        assert_eq!(inv.settings.opt_level.as_deref(), Some("3"));
        assert_eq!(inv.settings.debuginfo.as_deref(), Some("line-tables-only"));
        assert_eq!(inv.settings.lto.as_deref(), Some("thin"));
        assert_eq!(inv.settings.codegen_units, Some(16));
        assert!(inv.settings.incremental);
        assert_eq!(inv.settings.fuse_ld.as_deref(), Some("lld"));
        assert!(inv.args.contains(&"cfg(docsrs,test)".to_string()));
        assert!(parse_running("   Compiling foo v0.1.0").is_none());
    }
}
