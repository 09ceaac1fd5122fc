//! A heap profile as the run history keeps it ([`SavedHeap`], schema
//! `fastware/heap-data/1`): the model itself, not a view, so that it can be
//! shown or compared any way later. Earlier versions saved the same JSON to
//! `<target-dir>/fastware/heap/NAME.json` ([`path`]), still read. And
//! reading any heap profile file — DHAT JSON or a saved one — told by
//! content.

use std::path::{Path, PathBuf};

use fastware_report::Error;
use serde::{Deserialize, Serialize};

use crate::model::HeapProfile;
use crate::HeapError;

pub const SCHEMA: &str = "fastware/heap-data/1";

/// A heap profile as kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedHeap {
    schema: String,
    #[serde(flatten)]
    profile: HeapProfile,
}

impl From<&HeapProfile> for SavedHeap {
    fn from(p: &HeapProfile) -> SavedHeap {
        SavedHeap::from(p.clone())
    }
}

/// The profile itself kept (no copy of a model that can be hundreds of MB).
impl From<HeapProfile> for SavedHeap {
    fn from(profile: HeapProfile) -> SavedHeap {
        SavedHeap { schema: SCHEMA.into(), profile }
    }
}

impl SavedHeap {
    /// The model, checked; `shown` names it in the error when it is damaged.
    pub fn profile(&self, shown: &str) -> Result<&HeapProfile, Error> {
        let frames = self.profile.frames.len() as u64;
        match self.profile.stacks.max().filter(|&f| u64::from(f) >= frames) {
            Some(f) => Err(Error::from(HeapError::FrameOutOfRange { frame: u64::from(f), frames }).at(shown)),
            None => Ok(&self.profile),
        }
    }

    /// The model itself, checked (no copy).
    pub fn into_profile(self, shown: &str) -> Result<HeapProfile, Error> {
        self.profile(shown)?;
        Ok(self.profile)
    }
}

impl fastware_report::Kind for SavedHeap {
    const SCHEMA: &'static str = SCHEMA;
    const COMMAND: &'static str = "heap";

    fn show(&self, top: Option<usize>, out: &mut fastware_report::Text<'_>) -> std::io::Result<()> {
        use crate::report::{By, HeapReport, Sort};
        let r = HeapReport::new(&self.profile, By::Site, Sort::Bytes, None, top.unwrap_or(20));
        fastware_report::Render::text(&r, out)
    }

    /// The sites by bytes allocated as bars (short-lived ones orange), the
    /// histogram of blocks by lifetime, then the report with its findings.
    fn section(&self) -> Option<String> {
        use crate::report::{By, HeapReport, Sort};
        use fastware_report::html::{bars, picture_and_text, Bar};
        let r = HeapReport::new(&self.profile, By::Site, Sort::Bytes, None, 15);
        let rows: Vec<Bar> = r
            .rows
            .iter()
            .map(|row| Bar {
                label: row.key.clone(),
                value: row.figures.bytes as f64,
                shown: format!(
                    "{} in {} blocks{}",
                    fastware_report::units::bytes(row.figures.bytes),
                    fastware_report::units::count(row.figures.blocks),
                    match row.short_lived_blocks {
                        Some(s) if row.figures.blocks > 0 => {
                            format!(", {:.0}% short-lived", s as f64 / row.figures.blocks as f64 * 100.0)
                        }
                        _ => String::new(),
                    }
                ),
                interval: None,
                colour: row.short_lived.then_some("#ff7f0e"),
            })
            .collect();
        let mut picture = bars(&rows, "bytes allocated per site (orange: short-lived blocks)");
        if !r.lifetimes.is_empty() {
            let unit = &self.profile.meta.time_unit;
            let count = fastware_report::units::count;
            let buckets: Vec<Bar> = r
                .lifetimes
                .iter()
                .map(|b| Bar {
                    label: format!("{}–{} {unit}", count(b.from), count(b.to)),
                    value: b.blocks as f64,
                    shown: format!("{} blocks", count(b.blocks)),
                    interval: None,
                    colour: r.short_lived_under.filter(|&t| b.to as f64 <= t).map(|_| "#ff7f0e"),
                })
                .collect();
            let what = format!(
                "blocks by the average lifetime of the stack that allocated them, {unit} (orange: short-lived)"
            );
            picture.push_str(&bars(&buckets, &what));
        }
        Some(picture_and_text(picture, &r))
    }

    fn diff(
        base: &Self,
        new: &Self,
        ctx: &fastware_report::DiffContext<'_, Self>,
    ) -> Result<Option<Box<dyn fastware_report::DynRender>>, fastware_report::Error> {
        let (a, b) = (base.profile(&ctx.base_label)?, new.profile(&ctx.new_label)?);
        fastware_report::compared(crate::report::DiffReport::new(a, b, crate::report::By::Site, ctx.top.unwrap_or(25)))
    }
}

/// Where `--save NAME` keeps a heap profile of the project whose target
/// directory is `target_dir`.
pub fn path(target_dir: &Path, name: &str) -> PathBuf {
    target_dir.join("fastware").join("heap").join(format!("{name}.json"))
}

pub fn save(p: &HeapProfile, path: &Path) -> Result<(), Error> {
    fastware_report::output::save_json(path, &SavedHeap::from(p))
}

/// Reads a DHAT file or a saved heap profile.
pub fn read(path: &Path) -> Result<HeapProfile, Error> {
    let shown = path.display().to_string();
    if path.is_dir() {
        return Err(Error::from(HeapError::Directory).at(&shown));
    }
    use std::io::Read;
    let io = |e: std::io::Error| Error::io(&shown, &e);
    let mut file = fastware_report::input::open(path)?;
    // the head tells the kind; a DHAT file is read on as a stream
    let mut head = Vec::with_capacity(64 << 10);
    (&mut file).take(64 << 10).read_to_end(&mut head).map_err(io)?;
    if crate::dhat::looks_like(&head) {
        let f = crate::dhat::read(head, file, &shown).map_err(|e| {
            if e.hint.is_some() || e.typed::<HeapError>() == Some(&HeapError::NotText) {
                e
            } else {
                e.with_hint("give a file valgrind --tool=dhat or the dhat crate wrote")
            }
        })?;
        return Ok(HeapProfile::from_dhat(f));
    }
    let mut bytes = head;
    file.read_to_end(&mut bytes).map_err(io)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::from(HeapError::Empty).at(&shown));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| Error::from(HeapError::NotText).at(&shown).at_byte(Some(e.valid_up_to() as u64)))?;
    if text.trim_start().starts_with('{') && text.contains("\"schema\"") {
        let s: SavedHeap = fastware_report::json::read(text, SCHEMA, &shown)?;
        return s.into_profile(&shown);
    }
    Err(Error::from(HeapError::NotHeapProfile).at(&shown).at_byte(Some(0)))
}

/// The valgrind command that records `program` into `out`. Names stay
/// mangled (`--demangle=no`): fastware demangles them itself, v0 included.
/// valgrind's own messages (its banner, its summary) go to `log`.
pub fn record_command(
    valgrind: &Path,
    out: &Path,
    log: &Path,
    program: &Path,
    args: &[String],
) -> std::process::Command {
    let mut c = std::process::Command::new(valgrind);
    c.arg("--tool=dhat").arg("--demangle=no").arg(format!("--dhat-out-file={}", out.display()));
    c.arg(format!("--log-file={}", log.display())).arg(program).args(args);
    c
}
