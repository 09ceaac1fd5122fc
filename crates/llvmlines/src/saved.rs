//! An llvm-lines run as the run history keeps it ([`SavedLines`], schema
//! `fastware/llvm-lines-data/1`): every crate's counts per mangled symbol,
//! so that a diff can group them any way, and the report as the run printed
//! it (with its LLVM times, which are grouped as that run's rows were).
//! Earlier versions saved the counts to
//! `<target-dir>/fastware/llvm-lines/saved/NAME.json` ([`path`]), still read.

use std::path::{Path, PathBuf};

use fastware_report::Error;
use serde::{Deserialize, Serialize};

use crate::lines::CrateIr;

pub const SCHEMA: &str = "fastware/llvm-lines-data/1";

/// A counted build.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedLines {
    pub schema: String,
    pub profile: String,
    pub mangling: String,
    pub crates: Vec<CrateIr>,
    /// The report the run printed (absent from files of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<crate::LlvmLinesReport>,
}

impl SavedLines {
    pub fn new(profile: &str, mangling: &str, crates: Vec<CrateIr>) -> SavedLines {
        SavedLines { schema: SCHEMA.into(), profile: profile.into(), mangling: mangling.into(), crates, shown: None }
    }

    /// Two counted builds compared, grouped `by` (`filter` on instance names).
    pub fn diff(
        (before_name, before): (&str, &SavedLines),
        (after_name, after): (&str, &SavedLines),
        by: crate::By,
        filter: Option<&regex::Regex>,
        top: usize,
    ) -> crate::diff::LlvmLinesDiff {
        let mut d = crate::diff::LlvmLinesDiff::new(
            (before_name, &before.crates),
            (after_name, &after.crates),
            by,
            filter,
            top,
        );
        if before.mangling != after.mangling || before.profile != after.profile {
            d.notes.push(format!(
                "the runs differ in profile or mangling ({} {} → {} {}): names and counts may not match",
                before.profile, before.mangling, after.profile, after.mangling
            ));
        }
        d
    }
}

impl fastware_report::Kind for SavedLines {
    const SCHEMA: &'static str = SCHEMA;
    const COMMAND: &'static str = "llvm-lines";

    fn show(&self, top: Option<usize>, out: &mut fastware_report::Text<'_>) -> std::io::Result<()> {
        match &self.shown {
            Some(r) => fastware_report::Render::text(r, out),
            None => {
                let view = crate::report::View {
                    by: crate::By::Function,
                    sort: crate::Sort::Lines,
                    filter: None,
                    top: top.unwrap_or(25),
                };
                let r = crate::LlvmLinesReport::new(&self.crates, &self.profile, &self.mangling, &view, None);
                fastware_report::Render::text(&r, out)
            }
        }
    }

    /// The top functions by lines of LLVM IR as bars, then the report.
    fn section(&self) -> Option<String> {
        use fastware_report::html::{bars, picture_and_text, Bar};
        let view = crate::report::View { by: crate::By::Function, sort: crate::Sort::Lines, filter: None, top: 15 };
        // the bars by lines, whatever the run was sorted by; the text as it was shown
        let by_lines = crate::LlvmLinesReport::new(&self.crates, &self.profile, &self.mangling, &view, None);
        let rows: Vec<Bar> = by_lines
            .rows
            .iter()
            .take(15)
            .map(|row| Bar {
                label: row.key.clone(),
                value: row.lines as f64,
                shown: format!(
                    "{} lines in {} copies",
                    fastware_report::units::count(row.lines),
                    fastware_report::units::count(row.copies)
                ),
                interval: None,
                colour: None,
            })
            .collect();
        let picture = bars(&rows, "lines of LLVM IR per function, all its copies");
        Some(picture_and_text(picture, self.shown.as_ref().unwrap_or(&by_lines)))
    }

    fn diff(
        base: &Self,
        new: &Self,
        ctx: &fastware_report::DiffContext<'_, Self>,
    ) -> Result<Option<Box<dyn fastware_report::DynRender>>, Error> {
        let top = ctx.top.unwrap_or(25);
        fastware_report::compared(SavedLines::diff(
            (&ctx.base_label, base),
            (&ctx.new_label, new),
            crate::By::Function,
            None,
            top,
        ))
    }
}

/// Where `--save NAME` keeps a run of the project whose target directory is `target_dir`.
pub fn path(target_dir: &Path, name: &str) -> PathBuf {
    target_dir.join("fastware").join("llvm-lines").join("saved").join(format!("{name}.json"))
}

pub fn save(s: &SavedLines, path: &Path) -> Result<(), Error> {
    fastware_report::output::save_json(path, s)
}

/// Reads a run saved with `--save`.
pub fn read(path: &Path) -> Result<SavedLines, Error> {
    let shown = path.display().to_string();
    if path.is_dir() {
        return Err(Error::input(&shown, None, "a directory, not a saved llvm-lines run"));
    }
    let text = fastware_report::input::read_to_string(path)?;
    fastware_report::json::read(&text, SCHEMA, &shown)
}
