//! The axes of an experiment, as the user gives them: `--set KEY=V1,V2`
//! (cargo config values, passed as `cargo --config KEY=V`), `--rustflags
//! 'TEMPLATE {a,b}'`, `--linker default,lld,mold`, `--toolchain
//! stable,nightly`.

use crate::MatrixError;
use serde::{Deserialize, Serialize};

use fastware_report::Error;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum AxisKind {
    /// A cargo config key (`profile.release.lto`).
    Config { key: String },
    /// RUSTFLAGS, one value per cell.
    Rustflags,
    /// The linker, through `-Clink-arg=-fuse-ld=…` (`default`: none).
    Linker,
    /// A rustup toolchain (`cargo +NAME`).
    Toolchain,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    /// How the axis is shown: the key, `RUSTFLAGS`, `linker`, `toolchain`.
    pub name: String,
    #[serde(flatten)]
    pub kind: AxisKind,
    pub values: Vec<String>,
}

fn values(text: &str, what: &str) -> Result<Vec<String>, Error> {
    let v: Vec<String> = text.split(',').map(|s| s.trim().to_string()).collect();
    if v.iter().any(String::is_empty) {
        return Err(MatrixError::EmptyValue { what: what.to_string(), text: text.to_string() }.into());
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(d) = v.iter().find(|x| !seen.insert(x.as_str())) {
        return Err(MatrixError::GivenTwice { what: what.to_string(), value: d.to_string() }.into());
    }
    Ok(v)
}

/// `--set KEY=V1,V2,…`.
pub fn parse_set(text: &str) -> Result<Axis, Error> {
    let (key, vals) =
        text.split_once('=').ok_or_else(|| Error::from(MatrixError::NotKeyValues { text: text.to_string() }))?;
    let key = key.trim();
    let segments_ok = !key.is_empty()
        && key.split('.').all(|s| {
            !s.is_empty()
                && (s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    || (s.starts_with('"') && s.ends_with('"') && s.len() >= 2))
        });
    // dots inside a quoted segment (`package."*"`) are fine: check by TOML
    // rules loosely, then let cargo judge the key itself
    if !segments_ok && !key.contains('"') {
        return Err(MatrixError::NotConfigKey { text: text.to_string(), key: key.to_string() }.into());
    }
    Ok(Axis { name: key.to_string(), kind: AxisKind::Config { key: key.to_string() }, values: values(vals, "--set")? })
}

/// Refuses a cargo config key given as two axes (`--set K=1,2 --set K=3`):
/// cargo would take one of them for every cell while the cells are labelled
/// with the other.
pub fn check_distinct(axes: &[Axis]) -> Result<(), Error> {
    let mut seen = std::collections::HashSet::new();
    for a in axes {
        if let AxisKind::Config { key } = &a.kind {
            let plain: String = key.chars().filter(|c| !c.is_whitespace() && *c != '"').collect();
            if !seen.insert(plain) {
                return Err(MatrixError::KeyTwice { key: key.to_string() }.into());
            }
        }
    }
    Ok(())
}

/// `--rustflags 'TEMPLATE'`: one `{a,b,…}` group gives one cell per value;
/// without one, the flags are one value.
pub fn parse_rustflags(text: &str) -> Result<Axis, Error> {
    let values = match (text.find('{'), text.find('}')) {
        (Some(a), Some(b)) if a < b => {
            if text[b + 1..].contains('{') {
                return Err(MatrixError::RustflagsGroups.into());
            }
            values(&text[a + 1..b], "--rustflags")?
                .into_iter()
                .map(|v| format!("{}{v}{}", &text[..a], &text[b + 1..]))
                .collect()
        }
        (None, None) => vec![text.to_string()],
        _ => return Err(MatrixError::Unbalanced { text: text.to_string() }.into()),
    };
    Ok(Axis { name: "RUSTFLAGS".into(), kind: AxisKind::Rustflags, values })
}

/// The program `-fuse-ld=NAME` needs.
pub fn linker_program(name: &str) -> String {
    match name {
        "lld" => "ld.lld".into(),
        "gold" => "ld.gold".into(),
        "bfd" => "ld.bfd".into(),
        other => other.to_string(),
    }
}

/// `--linker default,lld,mold`: each one that is not `default` must be installed.
pub fn parse_linker(text: &str) -> Result<Axis, Error> {
    let v = values(text, "--linker")?;
    for l in &v {
        if l != "default" && fastware_runner::on_path(&linker_program(l)).is_none() {
            let package = match l.as_str() {
                "lld" => "lld",
                "mold" => "mold",
                "gold" | "bfd" => "binutils",
                _ => "",
            };
            let hint = if package.is_empty() {
                "linkers: default, lld, mold, gold, bfd".to_string()
            } else {
                format!("install it: sudo apt-get install {package}")
            };
            let missing = MatrixError::LinkerMissing { linker: l.to_string(), program: linker_program(l).to_string() };
            return Err(Error::from(missing).with_hint(hint));
        }
    }
    Ok(Axis { name: "linker".into(), kind: AxisKind::Linker, values: v })
}

/// `--toolchain stable,nightly`: only toolchains rustup already has.
pub fn parse_toolchain(text: &str) -> Result<Axis, Error> {
    let v = values(text, "--toolchain")?;
    let list = std::process::Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .map_err(|e| Error::from(MatrixError::NoRustup { why: e.to_string() }))?;
    let installed = String::from_utf8_lossy(&list.stdout).into_owned();
    for t in &v {
        if !installed
            .lines()
            .any(|l| l.split_whitespace().next().is_some_and(|n| n == t || n.starts_with(&format!("{t}-"))))
        {
            let has = installed.split_whitespace().filter(|w| !w.starts_with('(')).collect::<Vec<_>>().join(", ");
            return Err(Error::from(MatrixError::ToolchainMissing { toolchain: t.to_string(), installed: has })
                .with_hint(format!("install it first: rustup toolchain install {t}")));
        }
    }
    Ok(Axis { name: "toolchain".into(), kind: AxisKind::Toolchain, values: v })
}

/// The axes of a finding's experiment (`fastware_cargo::experiment`), as
/// `--set` and `--linker` would give them; linkers that are not installed
/// are left out, and when fewer than two remain there is nothing to
/// compare: `Err` says why.
pub fn of_experiment(e: &fastware_cargo::experiment::Experiment) -> Result<Result<Vec<Axis>, String>, Error> {
    let mut axes = Vec::new();
    for s in &e.sets {
        axes.push(parse_set(&format!("{}={}", s.key, s.values.join(",")))?);
    }
    if !e.linkers.is_empty() {
        let have: Vec<&str> = e.linkers.iter().map(String::as_str).filter(|l| parse_linker(l).is_ok()).collect();
        if have.len() < 2 {
            return Ok(Err("no other linker is installed (apt-get install lld mold)".to_string()));
        }
        axes.push(parse_linker(&have.join(","))?);
    }
    if e.hot && e.hot_file.is_none() {
        return Ok(Err("the build had no hot rebuild to repeat (run `fastware build --hot` for the findings)".into()));
    }
    Ok(Ok(axes))
}

/// A value as TOML for `cargo --config KEY=VALUE`: numbers, booleans,
/// arrays, tables and quoted strings as given, anything else quoted.
pub fn toml_value(v: &str) -> String {
    let plain = v.parse::<i64>().is_ok()
        || v.parse::<f64>().is_ok()
        || v == "true"
        || v == "false"
        || v.starts_with(['"', '\'', '[', '{']);
    if plain {
        v.to_string()
    } else {
        use toml_writer::ToTomlValue;
        toml_writer::TomlStringBuilder::new(v).as_basic().to_toml_value()
    }
}

/// The flag that picks the linker (`None` for `default`).
pub fn linker_flag(name: &str) -> Option<String> {
    (name != "default").then(|| format!("-Clink-arg=-fuse-ld={name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_parse() {
        let a = parse_set("profile.release.lto=off,thin,fat").unwrap();
        assert_eq!(a.values, ["off", "thin", "fat"]);
        assert!(parse_set("profile.release.lto").is_err());
        assert!(parse_set("profile..lto=1").is_err());
        assert!(parse_set("profile.release.lto=a,,b").is_err());
        assert!(parse_set("profile.release.package.\"*\".opt-level=3,s").is_ok());
        let r = parse_rustflags("-Cllvm-args=-inline-threshold={10,50}").unwrap();
        assert_eq!(r.values, ["-Cllvm-args=-inline-threshold=10", "-Cllvm-args=-inline-threshold=50"]);
        assert!(parse_rustflags("{a}{b}").is_err());
        assert_eq!(toml_value("off"), "\"off\"");
        assert_eq!(toml_value("3"), "3");
        assert_eq!(toml_value("true"), "true");
        assert_eq!(toml_value("line-tables-only"), "\"line-tables-only\"");
    }
}
