//! Profiles in the viewers people use: speedscope's JSON file format
//! (<https://www.speedscope.app/file-format-schema.json>), one sampled
//! profile per thread, frames shared. Written here rather than through a
//! crate: the format is a handful of fields, and no maintained crate writes it.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use fastware_report::{Error, OutputFile, Render, Table, Text};

use crate::model::Profile;

/// What `profile export` wrote (schema `fastware/profile-export/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportReport {
    pub schema: String,
    pub output: String,
    pub format: String,
    pub bytes: u64,
    pub profiles: usize,
    pub frames: usize,
    pub samples: u64,
}

impl Render for ExportReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!(
            "wrote {} ({} for {}: {} profile(s), {} frames, {} {})",
            self.output,
            fastware_report::units::bytes(self.bytes),
            self.format,
            self.profiles,
            fastware_report::units::count(self.frames as u64),
            fastware_report::units::count(self.samples),
            "samples"
        ))
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(fastware_report::table::written(
            &self.output,
            self.bytes,
            &[("profiles", self.profiles as u64), ("frames", self.frames as u64), ("samples", self.samples)],
        ))
    }
}

/// The profile as a speedscope file: its stacks (root first) and their
/// weights, per thread, in the profile's unit (`none`: samples or
/// instructions are counts). A profile without stacks (callgrind) has none
/// to give.
pub fn speedscope(p: &Profile, name: &str) -> Result<Value, Error> {
    let stacks = p.stacks.as_ref().filter(|s| !s.is_empty()).ok_or_else(|| {
        Error::bad_input("this profile has no stacks to export (callgrind keeps costs per call, not stacks)")
            .with_hint("record with perf (fastware profile without --callgrind)")
    })?;
    // the frames the stacks use, in first-use order
    let mut index: Vec<Option<usize>> = vec![None; p.functions.len()];
    let mut frames: Vec<Value> = Vec::new();
    let mut threads: Vec<u32> = stacks.iter().map(|s| s.thread).collect();
    threads.sort_unstable();
    threads.dedup();
    let mut profiles = Vec::new();
    for t in threads {
        let (mut samples, mut weights, mut total) = (Vec::new(), Vec::new(), 0u64);
        for s in stacks.iter().filter(|s| s.thread == t) {
            let ids: Vec<usize> = s
                .frames
                .iter()
                .map(|&f| {
                    *index[f as usize].get_or_insert_with(|| {
                        let func = &p.functions[f as usize];
                        let mut frame = json!({ "name": func.label() });
                        if let Some(m) = &func.module {
                            frame["file"] = json!(m);
                        }
                        frames.push(frame);
                        frames.len() - 1
                    })
                })
                .collect();
            samples.push(ids);
            weights.push(s.weight);
            total += s.weight;
        }
        let thread = p.meta.threads.get(t as usize).cloned().unwrap_or_else(|| format!("thread {t}"));
        profiles.push(json!({
            "type": "sampled",
            "name": thread,
            "unit": "none",
            "startValue": 0,
            "endValue": total,
            "samples": samples,
            "weights": weights,
        }));
    }
    Ok(json!({
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": { "frames": frames },
        "profiles": profiles,
        "name": name,
        "activeProfileIndex": 0,
        "exporter": format!("fastware {}", env!("CARGO_PKG_VERSION")),
    }))
}

/// Writes `p` to `out` as a speedscope file.
pub fn write_speedscope(p: &Profile, out: &Path, name: &str, force: bool) -> Result<ExportReport, Error> {
    let file = speedscope(p, name)?;
    let mut f = OutputFile::create(out, &[], force)?;
    let shown = out.display().to_string();
    serde_json::to_writer(&mut f, &file)
        .map_err(std::io::Error::from)
        .and_then(|()| f.write_all(b"\n"))
        .map_err(|e| fastware_report::output::write_error(&shown, &e))?;
    let bytes = f.commit()?;
    let count = |k: &str| file[k].as_array().map_or(0, Vec::len);
    Ok(ExportReport {
        schema: "fastware/profile-export/1".into(),
        output: shown,
        format: "speedscope".into(),
        bytes,
        profiles: count("profiles"),
        frames: file["shared"]["frames"].as_array().map_or(0, Vec::len),
        samples: p.stacks.iter().flatten().map(|s| s.weight).sum(),
    })
}
