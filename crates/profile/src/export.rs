//! Profiles in the viewers people use: speedscope's JSON file format
//! (<https://www.speedscope.app/file-format-schema.json>), one sampled
//! profile per thread, frames shared — written here rather than through a
//! crate: the format is a handful of fields, and no maintained crate writes
//! it; and the Firefox Profiler's processed format, through
//! `fxprof-processed-profile` (samply's writer).

use std::borrow::Cow;
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
    /// The stacks' weights added up, in `unit`.
    pub samples: u64,
    /// `samples` (perf) or `instructions` (callgrind).
    #[serde(default = "samples_unit")]
    pub unit: String,
    /// How the stacks were made, when they were not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn samples_unit() -> String {
    "samples".into()
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
            self.unit
        ))?;
        if let Some(note) = &self.note {
            out.line(format_args!("note: {note}"))?;
        }
        Ok(())
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
/// instructions are counts). A callgrind profile's stacks are its call
/// graph's ([`stacks_note`]).
pub fn speedscope(p: &Profile, name: &str) -> Result<Value, Error> {
    speedscope_of(p, &stacks(p), name)
}

fn speedscope_of(p: &Profile, stacks: &[crate::model::Stack], name: &str) -> Result<Value, Error> {
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

/// The viewer a profile is exported for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Speedscope,
    Firefox,
}

/// The stacks of `p`: a sampling profile's own, or for callgrind's the
/// call graph expanded into a call tree ([`crate::calltree`]).
fn stacks(p: &Profile) -> Cow<'_, [crate::model::Stack]> {
    match &p.stacks {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(crate::calltree::stacks(p)),
    }
}

/// What a viewer is told of stacks fastware made, not recorded.
pub fn stacks_note(p: &Profile) -> Option<String> {
    p.stacks.is_none().then(|| {
        "callgrind records calls, not stacks: the stacks are its call graph expanded, each call of a function \
         splitting its cost among its callees as all its calls did (exact where a function has one caller)"
            .to_string()
    })
}

/// The profile in the Firefox Profiler's processed format: a thread per
/// profiled thread, each distinct stack one sample weighted by its count
/// (fastware's profile keeps stacks, not sample times: the call tree, the
/// flame graph and the weights are the run's, the timeline is not),
/// functions named as fastware names them (symbolicated, inlined frames
/// kept as frames of their own).
pub fn firefox(p: &Profile, name: &str) -> Result<fxprof_processed_profile::Profile, Error> {
    firefox_of(p, &stacks(p), name)
}

fn firefox_of(
    p: &Profile,
    stacks: &[crate::model::Stack],
    name: &str,
) -> Result<fxprof_processed_profile::Profile, Error> {
    use fxprof_processed_profile::{
        CategoryHandle, CpuDelta, Frame, FrameFlags, FrameInfo, ReferenceTimestamp, SamplingInterval, Timestamp,
    };
    // a profile's wall time over its samples, else 1 ms apart
    let samples: u64 = stacks.iter().map(|s| s.weight).sum();
    let interval_ns = p
        .meta
        .duration_us
        .filter(|d| *d > 0.0 && samples > 0)
        .map_or(1_000_000, |d| ((d * 1000.0) / samples as f64).round().max(1.0) as u64);
    let mut out = fxprof_processed_profile::Profile::new(
        name,
        ReferenceTimestamp::from_millis_since_unix_epoch(0.0),
        SamplingInterval::from_nanos(interval_ns),
    );
    let zero = Timestamp::from_nanos_since_reference(0);
    let process = out.add_process(name, 0, zero);
    let mut threads: Vec<u32> = stacks.iter().map(|s| s.thread).collect();
    threads.sort_unstable();
    threads.dedup();
    for (k, &t) in threads.iter().enumerate() {
        let thread = out.add_thread(process, t, zero, k == 0);
        out.set_thread_name(thread, &p.meta.threads.get(t as usize).cloned().unwrap_or_else(|| format!("thread {t}")));
        let mut at = 0u64;
        for s in stacks.iter().filter(|s| s.thread == t) {
            let frames: Vec<FrameInfo> = s
                .frames
                .iter()
                .map(|&f| FrameInfo {
                    frame: Frame::Label(out.intern_string(&p.functions[f as usize].label())),
                    category_pair: CategoryHandle::OTHER.into(),
                    flags: FrameFlags::empty(),
                })
                .collect();
            let stack = out.intern_stack_frames(thread, frames.into_iter());
            // a sample's weight is an i32: a larger count (callgrind's
            // instructions) is given in several samples of the same stack
            let mut left = s.weight;
            while left > 0 {
                let weight = left.min(i32::MAX as u64);
                out.add_sample(thread, Timestamp::from_nanos_since_reference(at), stack, CpuDelta::ZERO, weight as i32);
                at += weight.saturating_mul(interval_ns);
                left -= weight;
            }
        }
    }
    Ok(out)
}

/// Writes `p` to `out` for `viewer`.
pub fn write(p: &Profile, out: &Path, name: &str, force: bool, viewer: Viewer) -> Result<ExportReport, Error> {
    let stacks = stacks(p);
    let value = match viewer {
        Viewer::Speedscope => speedscope_of(p, &stacks, name)?,
        Viewer::Firefox => {
            let mut v = fastware_report::output::to_json_value(&firefox_of(p, &stacks, name)?)?;
            // fastware's mark (near the start: `meta` is among the first
            // keys), so that its own file is replaced without --force
            v["meta"]["generator"] = json!(format!("fastware {}", env!("CARGO_PKG_VERSION")));
            v
        }
    };
    let mut f = OutputFile::create(out, &[], force)?;
    let shown = out.display().to_string();
    serde_json::to_writer(&mut f, &value)
        .map_err(std::io::Error::from)
        .and_then(|()| f.write_all(b"\n"))
        .map_err(|e| fastware_report::output::write_error(&shown, &e))?;
    let bytes = f.commit()?;
    let stacks = stacks.iter();
    let mut threads: Vec<u32> = stacks.clone().map(|s| s.thread).collect();
    threads.sort_unstable();
    threads.dedup();
    let mut frames: Vec<u32> = stacks.clone().flat_map(|s| s.frames.iter().copied()).collect();
    frames.sort_unstable();
    frames.dedup();
    Ok(ExportReport {
        schema: "fastware/profile-export/1".into(),
        output: shown,
        format: match viewer {
            Viewer::Speedscope => "speedscope",
            Viewer::Firefox => "firefox",
        }
        .into(),
        bytes,
        profiles: threads.len(),
        frames: frames.len(),
        samples: stacks.map(|s| s.weight).sum(),
        unit: p.meta.unit.clone(),
        note: stacks_note(p),
    })
}
