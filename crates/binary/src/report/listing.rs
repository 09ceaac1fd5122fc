//! `fastware asm`: one function's machine code, with what each instruction
//! reaches and, with `--source`, its source lines and inline frames.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use fastware_report::{cells, Column, Render, Table, Text};

use super::{address_cell, short_path};
use crate::listing::Listing;
use crate::select::without_generics;

pub const SCHEMA: &str = "fastware/asm/1";

/// What an instruction reaches, named.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    pub name: Option<String>,
    pub raw: Option<String>,
    pub offset: Option<u64>,
    pub address: Option<u64>,
    pub via_got: bool,
    pub display: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLoc {
    pub file: String,
    pub line: u32,
    pub column: Option<u32>,
}

/// An inline frame: the function, and where its code is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FrameRow {
    pub function: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
}

/// One instruction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AsmLine {
    pub address: u64,
    pub offset: u64,
    /// Hex, space-separated.
    pub bytes: String,
    pub mnemonic: String,
    pub text: String,
    pub flow: String,
    pub comment: Option<String>,
    pub target: Option<Target>,
    pub source: Option<SourceLoc>,
    /// Innermost first.
    pub frames: Vec<FrameRow>,
}

/// `fastware asm` (schema `fastware/asm/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AsmReport {
    pub schema: String,
    pub function: String,
    pub raw: String,
    pub address: u64,
    pub size: u64,
    pub instructions: usize,
    pub member: Option<String>,
    pub file: PathBuf,
    pub origin: String,
    pub lines: Vec<AsmLine>,
    /// The text of the source lines shown with `--source`, by file and line.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, BTreeMap<u32, String>>,
    /// The text view: instruction bytes, source lines.
    #[serde(default)]
    pub show_bytes: bool,
    #[serde(default)]
    pub show_source: bool,
}

fn hex_bytes(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

impl AsmReport {
    /// The report of `l`, read from `file` (`origin` says how it was found).
    /// With `show_source`, the source lines are read from disk.
    pub fn new(l: &Listing, file: PathBuf, origin: &str, show_bytes: bool, show_source: bool) -> AsmReport {
        let shift = l.address - l.shown_address;
        let lines: Vec<AsmLine> = l
            .lines
            .iter()
            .map(|x| AsmLine {
                address: x.insn.address - shift,
                offset: x.offset,
                bytes: hex_bytes(&x.bytes),
                mnemonic: x.insn.mnemonic.clone(),
                text: x.insn.text.clone(),
                flow: x.insn.flow.name().to_string(),
                comment: x.comment.clone(),
                target: x.target.as_ref().map(|r| Target {
                    name: r.symbol.as_ref().map(|(raw, _)| fastware_symbols::demangle(raw)),
                    raw: r.symbol.as_ref().map(|(raw, _)| raw.clone()),
                    offset: r.symbol.as_ref().map(|(_, o)| *o),
                    address: r.address,
                    via_got: r.via_got,
                    display: r.display(),
                }),
                source: x.frames.first().and_then(|f| f.location.as_ref()).map(|loc| SourceLoc {
                    file: loc.file.clone(),
                    line: loc.line,
                    column: loc.column,
                }),
                frames: x
                    .frames
                    .iter()
                    .map(|f| FrameRow {
                        function: f.function.clone(),
                        file: f.location.as_ref().map(|l| l.file.clone()),
                        line: f.location.as_ref().map(|l| l.line),
                    })
                    .collect(),
            })
            .collect();
        let mut sources: BTreeMap<String, BTreeMap<u32, String>> = BTreeMap::new();
        if show_source {
            let mut files: HashMap<String, Option<Vec<String>>> = HashMap::new();
            for s in lines.iter().filter_map(|l| l.source.as_ref()) {
                let text = files
                    .entry(s.file.clone())
                    .or_insert_with(|| {
                        std::fs::read_to_string(&s.file).ok().map(|t| t.lines().map(str::to_string).collect())
                    })
                    .as_ref()
                    .and_then(|v| v.get((s.line as usize).checked_sub(1)?).cloned());
                if let Some(t) = text {
                    sources.entry(s.file.clone()).or_default().insert(s.line, t);
                }
            }
        }
        AsmReport {
            schema: SCHEMA.into(),
            function: l.name.clone(),
            raw: l.raw.clone(),
            address: l.shown_address,
            size: l.size,
            instructions: l.lines.len(),
            member: l.member.clone(),
            file,
            origin: origin.to_string(),
            lines,
            sources,
            show_bytes,
            show_source,
        }
    }

    fn table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("address", "address"),
            Column::right("offset", "offset"),
            Column::left("bytes", "bytes"),
            Column::left("instruction", "instruction"),
            Column::left("target", "target"),
            Column::left("file", "file"),
            Column::right("line", "line"),
        ]);
        for x in &self.lines {
            let line = x.source.as_ref().map(|l| l.line.to_string()).unwrap_or_default();
            t.row(vec![
                address_cell(x.address),
                cells::count(x.offset),
                cells::text(&x.bytes),
                cells::text(&x.text),
                cells::text(x.target.as_ref().map(|r| r.display.as_str()).unwrap_or_default()),
                cells::text(x.source.as_ref().map(|l| l.file.as_str()).unwrap_or_default()),
                (line.clone(), line),
            ]);
        }
        t
    }
}

/// The inline chain of a line, outermost call first: "inlined from `a` at
/// src/lib.rs:100, via `b` at src/lib.rs:95, `c` at iterator.rs:3658".
pub fn inlined_text(frames: &[FrameRow]) -> Option<String> {
    if frames.len() < 2 {
        return None;
    }
    // frame i was inlined at the location recorded in frame i + 1
    let calls: Vec<String> = (0..frames.len() - 1)
        .rev()
        .map(|i| {
            let name = frames[i].function.as_deref().map_or_else(|| "?".to_string(), without_generics);
            let at = match (&frames[i + 1].file, frames[i + 1].line) {
                (Some(f), Some(l)) => format!(" at {}:{l}", brief_path(f)),
                _ => String::new(),
            };
            format!("`{name}`{at}")
        })
        .collect();
    let (first, rest) = calls.split_first()?;
    let mut text = format!("inlined from {first}");
    if !rest.is_empty() {
        let shown: Vec<&str> = rest.iter().take(5).map(String::as_str).collect();
        text.push_str(&format!(", via {}", shown.join(", ")));
        if rest.len() > 5 {
            text.push_str(&format!(" and {} more", rest.len() - 5));
        }
    }
    Some(text)
}

/// A path short enough for a chain: the user's own files relative, others by file name.
fn brief_path(path: &str) -> String {
    let short = short_path(path);
    if short.starts_with('/') || short.starts_with("<rust>") || short.contains('-') && !short.starts_with("src") {
        path.rsplit('/').next().unwrap_or(path).to_string()
    } else {
        short
    }
}

impl Render for AsmReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let member = self.member.as_deref().map(|m| format!(" in {m}")).unwrap_or_default();
        out.line(format_args!(
            "{}  {:#x}, {} bytes, {} instructions{member}  ({})",
            self.function, self.address, self.size, self.instructions, self.origin
        ))?;
        let width = self.lines.iter().map(|x| x.bytes.len() + 1).max().unwrap_or(0);
        let mut last: Option<(String, u32, Option<String>)> = None;
        for line in &self.lines {
            if self.show_source {
                let inl = inlined_text(&line.frames);
                let key = line.source.as_ref().map(|h| (h.file.clone(), h.line, inl.clone()));
                if key.is_some() && key != last {
                    if let Some(h) = &line.source {
                        let text = self.sources.get(&h.file).and_then(|f| f.get(&h.line)).map_or("", |t| t.trim());
                        let head = format!("  {}:{}  {}", short_path(&h.file), h.line, text);
                        out.line(head.trim_end())?;
                    }
                    if let Some(i) = &inl {
                        out.line(format_args!("    ; {i}"))?;
                    }
                    last = key;
                }
            }
            let comment = line.comment.as_deref().map(|c| format!("    ; {c}")).unwrap_or_default();
            if self.show_bytes {
                out.line(format_args!("  {:>8x}  {:<width$}  {}{comment}", line.address, line.bytes, line.text))?;
            } else {
                out.line(format_args!("  {:>8x}  {}{comment}", line.address, line.text))?;
            }
        }
        Ok(())
    }

    fn csv(&self) -> fastware_report::Result<Table> {
        Ok(self.table())
    }
}
