//! `fastware asm`: the machine code of a function, as it is in the real
//! artifact, with its calls, jumps and data named and, with `--source`, its
//! source lines and inline frames.

use std::collections::HashMap;
use std::io::Write;

use clap::Args;
use fastware_binary::listing::{Labels, Line, Listing};
use fastware_binary::select::without_generics;
use fastware_binary::select::Found;
use fastware_binary::Syntax;
use fastware_report::{cells, Column, Format, Table};
use serde_json::{json, Value};

use super::binary::{short_path, write_matches, ArtifactArgs, FunctionArgs, Loaded};
use crate::{CmdResult, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware asm my_crate::parse              a function of `cargo build --release`'s artifact
  fastware asm render 1 --source            the second function matching `render`, with source
  fastware asm sum_all --file target/release/my-app --att
  fastware asm parse --bin my-tool --profile dist --format json

The code is that of the real artifact cargo builds with your profile (never --emit asm,
which builds with other settings). Calls through the GOT show as `name@GOT`.";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct AsmCmd {
    #[command(flatten)]
    function: FunctionArgs,
    /// AT&T syntax (default: Intel)
    #[arg(long)]
    att: bool,
    /// Interleave source lines and mark inlined code (needs line tables)
    #[arg(long)]
    source: bool,
    /// Show each instruction's bytes
    #[arg(long)]
    bytes: bool,
    #[command(flatten)]
    artifact: ArtifactArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(a: AsmCmd, out: &mut dyn Write) -> CmdResult {
    let loaded = a.artifact.load()?;
    loaded.need_symbols()?;
    if a.source {
        loaded.need_lines()?;
    }
    let b = &loaded.binary;
    let pat = a.function.compile()?;
    let found = b.find_functions(&pat);
    let Some(f) = a.function.choose(b, &found, |f| f.name.as_str(), &pat)? else {
        return list_matches(out, &found, &loaded, a.output.format());
    };
    let debug = if a.source { b.debug()? } else { None };
    let syntax = if a.att { Syntax::Att } else { Syntax::Intel };
    let listing = b.listing(f.sym, syntax, Labels::Addresses, debug.as_ref());
    match a.output.format() {
        Format::Json => fastware_report::write_json(out, &listing_json(&listing, &loaded))?,
        Format::Csv => listing_table(&listing).write_csv(out)?,
        Format::Table => write_listing(out, &listing, &loaded, a.bytes, a.source)?,
    }
    Ok(())
}

/// Several functions match: list them to choose from.
fn list_matches(out: &mut dyn Write, found: &[Found], loaded: &Loaded, format: Format) -> CmdResult {
    let base = |addr: u64| addr - loaded.binary.display_base(addr);
    let rows = found
        .iter()
        .map(|f| {
            let a = base(f.sym.address);
            (
                vec![cells::count(f.sym.size), (format!("{a:#x}"), a.to_string()), cells::text(&f.name)],
                json!({"name": f.name, "raw": f.sym.raw, "address": a, "size": f.sym.size}),
            )
        })
        .collect();
    let columns =
        vec![Column::right("size", "size"), Column::right("address", "address"), Column::left("function", "function")];
    write_matches(out, loaded, format, columns, rows)
}

fn hex_bytes(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

/// The inline chain of a line, outermost call first: "inlined from `a` at
/// src/lib.rs:100, via `b` at src/lib.rs:95, `c` at iterator.rs:3658".
pub fn inlined_text(l: &Line) -> Option<String> {
    if l.frames.len() < 2 {
        return None;
    }
    // frame i was inlined at the location recorded in frame i + 1
    let calls: Vec<String> = (0..l.frames.len() - 1)
        .rev()
        .map(|i| {
            let name = l.frames[i].function.as_deref().map_or_else(|| "?".to_string(), without_generics);
            let at = l.frames[i + 1]
                .location
                .as_ref()
                .map(|loc| format!(" at {}:{}", brief_path(&loc.file), loc.line))
                .unwrap_or_default();
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

fn write_listing(out: &mut dyn Write, l: &Listing, loaded: &Loaded, bytes: bool, source: bool) -> std::io::Result<()> {
    let member = l.member.as_deref().map(|m| format!(" in {m}")).unwrap_or_default();
    writeln!(
        out,
        "{}  {:#x}, {} bytes, {} instructions{member}  ({})",
        l.name,
        l.shown_address,
        l.size,
        l.lines.len(),
        loaded.origin
    )?;
    let width = l.lines.iter().map(|x| x.bytes.len()).max().unwrap_or(0) * 3;
    let mut files = SourceFiles::default();
    let mut last: Option<(String, u32, Option<String>)> = None;
    for line in &l.lines {
        if source {
            let here = line.frames.first().and_then(|f| f.location.clone());
            let inl = inlined_text(line);
            let key = here.as_ref().map(|h| (h.file.clone(), h.line, inl.clone()));
            if key.is_some() && key != last {
                if let Some(h) = &here {
                    let text = files.line(&h.file, h.line).unwrap_or_default();
                    let head = format!("  {}:{}  {}", short_path(&h.file), h.line, text.trim());
                    writeln!(out, "{}", head.trim_end())?;
                }
                if let Some(i) = &inl {
                    writeln!(out, "    ; {i}")?;
                }
                last = key;
            }
        }
        let shown = line.insn.address - (l.address - l.shown_address);
        let comment = line.comment.as_deref().map(|c| format!("    ; {c}")).unwrap_or_default();
        if bytes {
            writeln!(out, "  {shown:>8x}  {:<width$}  {}{comment}", hex_bytes(&line.bytes), line.insn.text)?;
        } else {
            writeln!(out, "  {shown:>8x}  {}{comment}", line.insn.text)?;
        }
    }
    Ok(())
}

fn listing_table(l: &Listing) -> Table {
    let mut t = Table::new(vec![
        Column::right("address", "address"),
        Column::right("offset", "offset"),
        Column::left("bytes", "bytes"),
        Column::left("instruction", "instruction"),
        Column::left("target", "target"),
        Column::left("file", "file"),
        Column::right("line", "line"),
    ]);
    for x in &l.lines {
        let shown = x.insn.address - (l.address - l.shown_address);
        let loc = x.frames.first().and_then(|f| f.location.clone());
        t.row(vec![
            (format!("{shown:#x}"), shown.to_string()),
            cells::count(x.offset),
            cells::text(&hex_bytes(&x.bytes)),
            cells::text(&x.insn.text),
            cells::text(&x.target.as_ref().map(|r| r.display()).unwrap_or_default()),
            cells::text(&loc.as_ref().map(|l| l.file.clone()).unwrap_or_default()),
            (
                loc.as_ref().map(|l| l.line.to_string()).unwrap_or_default(),
                loc.map(|l| l.line.to_string()).unwrap_or_default(),
            ),
        ]);
    }
    t
}

fn listing_json(l: &Listing, loaded: &Loaded) -> Value {
    let lines: Vec<Value> = l
        .lines
        .iter()
        .map(|x| {
            let frames: Vec<Value> = x
                .frames
                .iter()
                .map(|f| json!({"function": f.function, "file": f.location.as_ref().map(|l| &l.file), "line": f.location.as_ref().map(|l| l.line)}))
                .collect();
            json!({
                "address": x.insn.address - (l.address - l.shown_address),
                "offset": x.offset,
                "bytes": hex_bytes(&x.bytes),
                "mnemonic": x.insn.mnemonic,
                "text": x.insn.text,
                "flow": x.insn.flow.name(),
                "comment": x.comment,
                "target": x.target.as_ref().map(|r| json!({
                    "name": r.symbol.as_ref().map(|(raw, _)| fastware_symbols::demangle(raw)),
                    "raw": r.symbol.as_ref().map(|(raw, _)| raw),
                    "offset": r.symbol.as_ref().map(|(_, o)| o),
                    "address": r.address,
                    "via_got": r.via_got,
                    "display": r.display(),
                })),
                "source": x.frames.first().and_then(|f| f.location.as_ref()).map(|l| json!({"file": l.file, "line": l.line, "column": l.column})),
                "frames": frames,
            })
        })
        .collect();
    json!({
        "function": l.name,
        "raw": l.raw,
        "address": l.shown_address,
        "size": l.size,
        "instructions": l.lines.len(),
        "member": l.member,
        "file": loaded.binary.path,
        "origin": loaded.origin,
        "lines": lines,
    })
}

/// Source files read once each, for `--source`.
#[derive(Default)]
struct SourceFiles(HashMap<String, Option<Vec<String>>>);

impl SourceFiles {
    fn line(&mut self, file: &str, line: u32) -> Option<String> {
        let lines = self
            .0
            .entry(file.to_string())
            .or_insert_with(|| std::fs::read_to_string(file).ok().map(|t| t.lines().map(str::to_string).collect()));
        lines.as_ref()?.get((line as usize).checked_sub(1)?).cloned()
    }
}
