//! Finding an `llvm-profdata` that reads the raw profiles rustc wrote: on
//! PATH, in rustup's `llvm-tools` component, or a versioned Debian name
//! (`llvm-profdata-19` …); each is tried on the raw profiles, newest first,
//! and the raw profile's own version header is named when none can read it.

use std::path::{Path, PathBuf};
use std::process::Command;

use fastware_report::Error;

use crate::PgoError;

/// The version field of an LLVM raw profile (after the 8-byte magic).
pub fn raw_version(path: &Path) -> Option<u64> {
    let bytes = std::fs::read(path).ok()?;
    let magic = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    // "\xfflprofr\x81" (64-bit) or "\xfflprofR\x81" (32-bit), little-endian
    if magic != 0xff6c_7072_6f66_7281 && magic != 0xff6c_7072_6f66_5281 {
        return None;
    }
    Some(u64::from_le_bytes(bytes.get(8..16)?.try_into().ok()?) & 0x00ff_ffff)
}

/// Candidates, preferred first (`FASTWARE_LLVM_PROFDATA` names one to use
/// instead): rustup's llvm-tools (the same LLVM as
/// rustc), then versioned names newest first, then plain `llvm-profdata`.
pub fn candidates() -> Vec<PathBuf> {
    // the user's choice, alone
    if let Some(p) = std::env::var_os("FASTWARE_LLVM_PROFDATA") {
        let p = PathBuf::from(p);
        return if p.is_file() { vec![p] } else { Vec::new() };
    }
    let mut out = Vec::new();
    if let Ok(o) = Command::new("rustc").args(["--print", "sysroot"]).output() {
        let sysroot = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
        if let Ok(rd) = std::fs::read_dir(sysroot.join("lib/rustlib")) {
            for e in rd.flatten() {
                let p = e.path().join("bin/llvm-profdata");
                if p.is_file() {
                    out.push(p);
                }
            }
        }
    }
    out.extend((14..=30).rev().filter_map(|v| fastware_runner::on_path(&format!("llvm-profdata-{v}"))));
    out.extend(fastware_runner::on_path("llvm-profdata"));
    out
}

/// Merges `raw` into `out` with the first candidate that reads them.
/// Returns the tool used.
pub fn merge(raw: &[PathBuf], out: &Path) -> Result<PathBuf, Error> {
    let tools = candidates();
    if tools.is_empty() {
        return Err(PgoError::NoProfdata.into());
    }
    let mut tried = Vec::new();
    for t in &tools {
        let o = Command::new(t)
            .arg("merge")
            .arg("-o")
            .arg(out)
            .args(raw)
            .output()
            .map_err(|e| PgoError::CannotRun { program: t.display().to_string(), why: e.to_string() })?;
        if o.status.success() {
            return Ok(t.clone());
        }
        let err = String::from_utf8_lossy(&o.stderr);
        tried.push(format!(
            "{} ({})",
            t.display(),
            err.lines().find(|l| !l.trim().is_empty()).unwrap_or("failed").trim()
        ));
    }
    let version = raw.first().and_then(|r| raw_version(r)).map_or("unknown".to_string(), |v| v.to_string());
    Err(PgoError::ProfdataCannotRead { version, tried }.into())
}

/// The raw profile version `llvm-profdata` of LLVM `major` reads: only its
/// own (LLVM's raw reader refuses any other: "raw profile version
/// mismatch"), by the history in LLVM's `InstrProfData.inc` — version 8
/// from LLVM 14 (relative counter pointers), 9 from 18 (MC/DC bitmaps), 10
/// from 19 (vtable value profiles). `None` outside what is known here.
pub fn raw_version_read_by(major: u32) -> Option<u64> {
    match major {
        14..=17 => Some(8),
        18 => Some(9),
        19..=22 => Some(10),
        _ => None,
    }
}

/// Functions in the merged profile, and those with a count above zero.
pub fn coverage(tool: &Path, profile: &Path) -> Option<(u64, u64)> {
    let o = Command::new(tool).args(["show", "--all-functions", "--counts"]).arg(profile).output().ok()?;
    let text = String::from_utf8_lossy(&o.stdout);
    let mut total = 0;
    let mut counted = 0;
    // IR-level profiles list each function's block counts; front-end ones its count
    for l in text.lines() {
        let l = l.trim();
        let Some(counts) = l.strip_prefix("Block counts: ").or_else(|| l.strip_prefix("Function count: ")) else {
            continue;
        };
        total += 1;
        if counts.split(|c: char| !c.is_ascii_digit()).any(|n| n.parse::<u64>().is_ok_and(|n| n > 0)) {
            counted += 1;
        }
    }
    (total > 0).then_some((total, counted))
}
