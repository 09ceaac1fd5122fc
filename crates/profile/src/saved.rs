//! A profile as the run history keeps it ([`SavedProfile`], schema
//! `fastware/profile-data/1`): the model itself, not a view, so that a kept
//! profile reads back without the binaries it was recorded from and can be
//! shown or compared any way later. Earlier versions saved the same JSON
//! to `<target-dir>/fastware/profiles/NAME.json` ([`path`]), still read.
//! And reading any profile file: perf.data, callgrind.out, or a saved one,
//! told by content.

use crate::ProfileError;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use fastware_report::Error;
use serde::{Deserialize, Serialize};

use crate::model::{Function, Meta, Profile, Stack};

pub const SCHEMA: &str = "fastware/profile-data/1";

/// A profile as kept: the [`Profile`] model in a form JSON holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedProfile {
    schema: String,
    meta: Meta,
    functions: Vec<Function>,
    self_cost: Vec<u64>,
    total_cost: Vec<u64>,
    /// (caller, callee, cost)
    edges: Vec<(u32, u32, u64)>,
    /// (function, [(address, cost)])
    addresses: Vec<(u32, Vec<(u64, u64)>)>,
    calls_at: Vec<(u32, Vec<(u64, u64)>)>,
    stacks: Option<Vec<Stack>>,
    total: u64,
    /// The perf.data it was read from, kept beside the history (`profile
    /// --save` of a perf run): its samples in time, for `tasks --profile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recording: Option<String>,
    /// Where threads waited off the CPU (ns), when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    off_cpu: Option<Vec<Stack>>,
}

fn flat(m: &BTreeMap<u32, BTreeMap<u64, u64>>) -> Vec<(u32, Vec<(u64, u64)>)> {
    m.iter().map(|(f, a)| (*f, a.iter().map(|(k, v)| (*k, *v)).collect())).collect()
}

fn nested(v: Vec<(u32, Vec<(u64, u64)>)>) -> BTreeMap<u32, BTreeMap<u64, u64>> {
    v.into_iter().map(|(f, a)| (f, a.into_iter().collect())).collect()
}

impl From<&Profile> for SavedProfile {
    fn from(p: &Profile) -> SavedProfile {
        SavedProfile {
            schema: SCHEMA.into(),
            meta: p.meta.clone(),
            functions: p.functions.clone(),
            self_cost: p.self_cost.clone(),
            total_cost: p.total_cost.clone(),
            edges: p.edges.iter().map(|(&(a, b), &c)| (a, b, c)).collect(),
            addresses: flat(&p.addresses),
            calls_at: flat(&p.calls_at),
            stacks: p.stacks.clone(),
            total: p.total,
            recording: None,
            off_cpu: p.off_cpu.clone(),
        }
    }
}

impl SavedProfile {
    /// The same, with the perf.data it was read from kept at `path`.
    pub fn with_recording(mut self, path: &Path) -> SavedProfile {
        self.recording = Some(path.display().to_string());
        self
    }

    /// The perf.data it was read from, when it was kept.
    pub fn recording(&self) -> Option<&Path> {
        self.recording.as_deref().map(Path::new)
    }

    /// The model again; `shown` names it in the error when it is damaged.
    pub fn profile(&self, shown: &str) -> Result<Profile, Error> {
        let s = self.clone();
        let n = s.functions.len();
        let bad = s.self_cost.len() != n
            || s.total_cost.len() != n
            || s.edges.iter().any(|e| e.0 as usize >= n || e.1 as usize >= n)
            || s.stacks.iter().chain(&s.off_cpu).flatten().flat_map(|st| &st.frames).any(|&f| f as usize >= n);
        if bad {
            return Err(Error::from(ProfileError::SavedFunctionOutOfRange).at(shown));
        }
        Ok(Profile {
            meta: s.meta,
            functions: s.functions,
            self_cost: s.self_cost,
            total_cost: s.total_cost,
            edges: s.edges.into_iter().map(|(a, b, c)| ((a, b), c)).collect(),
            addresses: nested(s.addresses),
            calls_at: nested(s.calls_at),
            // saved profiles keep costs, not how many calls were made
            call_counts: Default::default(),
            stacks: s.stacks,
            off_cpu: s.off_cpu,
            total: s.total,
        })
    }
}

/// Writes `p` to `path` (in fastware's directory).
pub fn save(p: &Profile, path: &Path) -> Result<(), Error> {
    fastware_report::output::save_json(path, &SavedProfile::from(p))
}

fn load(text: &str, path: &Path) -> Result<Profile, Error> {
    let shown = path.display().to_string();
    let s: SavedProfile = fastware_report::json::read(text, SCHEMA, &shown)?;
    s.profile(&shown)
}

impl fastware_report::Kind for SavedProfile {
    const SCHEMA: &'static str = SCHEMA;
    const COMMAND: &'static str = "profile";
    /// Under a profile, its differential flamegraph against the one before.
    const COMPARED_ON_PAGE: bool = true;

    fn show(&self, top: Option<usize>, out: &mut fastware_report::Text<'_>) -> std::io::Result<()> {
        match self.profile("the kept profile") {
            Ok(p) => fastware_report::Render::text(
                &crate::report::ProfileReport::new(&p, crate::views::By::Function, top.unwrap_or(20)),
                out,
            ),
            Err(e) => out.line(format_args!("error: {e}")),
        }
    }

    /// The flamegraph (inline SVG, no script: each frame's tooltip gives
    /// its samples), or for a profile without stacks (callgrind's) the top
    /// functions by self cost as bars; then the functions as `profile`
    /// prints them.
    fn section(&self) -> Option<String> {
        let p = self.profile("the kept profile").ok()?;
        let report = crate::report::ProfileReport::new(&p, crate::views::By::Function, 20);
        let picture = match &p.stacks {
            Some(_) => {
                let lines: Vec<String> =
                    crate::views::folded(&p).ok()?.into_iter().map(|(stack, w)| format!("{stack} {w}")).collect();
                let title = format!("{} ({} {})", p.meta.command.as_deref().unwrap_or("profile"), p.total, p.meta.unit);
                let svg = crate::report::flamegraph_svg(&lines, &title, &p.meta.unit, false).ok()?;
                format!("<div class=\"flamegraph\">{}</div>", crate::report::inline_svg(&svg)?)
            }
            None => {
                let bars: Vec<fastware_report::html::Bar> = report
                    .by_self
                    .iter()
                    .take(15)
                    .map(|r| fastware_report::html::Bar {
                        label: r.function.clone(),
                        value: r.self_cost as f64,
                        shown: format!(
                            "{} {} ({:.1}%)",
                            fastware_report::units::count(r.self_cost),
                            p.meta.unit,
                            r.self_share.unwrap_or(0.0) * 100.0
                        ),
                        interval: None,
                        colour: None,
                    })
                    .collect();
                let what = format!("self {} per function (no stacks to draw a flamegraph of)", p.meta.unit);
                fastware_report::html::bars(&bars, &what)
            }
        };
        Some(fastware_report::html::picture_and_text(picture, &report))
    }

    fn diff(
        base: &Self,
        new: &Self,
        ctx: &fastware_report::DiffContext<'_, Self>,
    ) -> Result<Option<Box<dyn fastware_report::DynRender>>, fastware_report::Error> {
        let (mut a, mut b) = (base.profile(&ctx.base_label)?, new.profile(&ctx.new_label)?);
        a.meta.file.clone_from(&ctx.base_label);
        b.meta.file.clone_from(&ctx.new_label);
        crate::report::ProfileDiffReport::comparable(&a, &b)?;
        fastware_report::compared(
            crate::report::ProfileDiffReport::new(&a, &b, crate::views::By::Function, ctx.top.unwrap_or(25))
                .with_stacks(&a, &b),
        )
    }
}

/// Where `--save NAME` keeps a profile of the project whose target
/// directory is `target_dir`.
pub fn path(target_dir: &Path, name: &str) -> PathBuf {
    target_dir.join("fastware").join("profiles").join(format!("{name}.json"))
}

/// Reads a profile file of any kind (`event`: callgrind's cost column).
/// A profile must be a regular file: not a directory, and not a pipe or
/// device (its kind is told from its first bytes and perf.data is read
/// with seeks: a pipe would be consumed by the first look).
pub(crate) fn regular_file(path: &Path) -> Result<(), Error> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(&shown, &e))?;
    if meta.is_dir() {
        return Err(Error::from(ProfileError::Directory).at(&shown));
    }
    if !meta.is_file() {
        return Err(Error::from(ProfileError::PipeOrDevice).at(&shown));
    }
    Ok(())
}

pub fn read(path: &Path, event: Option<&str>) -> Result<Profile, Error> {
    let shown = path.display().to_string();
    regular_file(path)?;
    let mut head = [0u8; 64];
    let n = fastware_report::input::open(path)?.read(&mut head).map_err(|e| Error::io(&shown, &e))?;
    let head = &head[..n];
    if n == 0 {
        return Err(Error::from(ProfileError::Empty).at(&shown));
    }
    if head.starts_with(b"PERFILE2") || head.starts_with(b"2ELIFREP") {
        return crate::perf::read(path);
    }
    if head.starts_with(b"{") {
        let text = fastware_report::input::read_to_string(path)?;
        return load(&text, path);
    }
    let text = String::from_utf8_lossy(head);
    if text.starts_with("# callgrind format") || text.starts_with("version:") || text.starts_with("events:") {
        return crate::callgrind::read(path, event);
    }
    Err(Error::from(ProfileError::NotProfile).at(&shown).at_byte(Some(0)))
}
