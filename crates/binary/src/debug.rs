//! DWARF of a linked file: the source line and inline frames of an address
//! (addr2line), and every place a function was inlined (the
//! `DW_TAG_inlined_subroutine` entries, walked with gimli).

use crate::BinaryError;
use std::collections::HashMap;
use std::sync::Arc;

use fastware_report::Error;
use gimli::{AttributeValue, EndianSlice, RunTimeEndian};

use crate::binary::Binary;

type Reader<'a> = EndianSlice<'a, RunTimeEndian>;

/// A source position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: Option<u32>,
}

/// One frame of an address: the innermost first; all but the last are
/// inlined into the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The function's name, demangled without hash; DWARF without linkage
    /// names (`debug = "line-tables-only"`) gives only the last segment.
    pub function: Option<String>,
    /// For the innermost frame the line being run; for the others, the
    /// line of the call that was inlined.
    pub location: Option<Location>,
}

/// A place where a function was inlined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlinedPlace {
    /// The inlined function, as DWARF names it (see [`DieName`]).
    pub name: DieName,
    /// The function it was inlined into directly (itself maybe inlined).
    pub parent: Option<DieName>,
    /// The first address of its code, and how many bytes it covers.
    pub address: u64,
    pub bytes: u64,
    /// The line of the call.
    pub call: Option<Location>,
    /// The address ranges of its code.
    pub ranges: Vec<(u64, u64)>,
    /// How deep it is inlined: 1 when into an out-of-line function, 2 when
    /// into code itself inlined there, … (its frame's place counted from
    /// the outermost frame at its addresses).
    pub depth: usize,
}

/// A function's name in DWARF.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DieName {
    /// Demangled without hash: from the linkage name, else the namespaces
    /// and the name.
    pub display: String,
    /// False when DWARF gave only the bare name (`line-tables-only`).
    pub qualified: bool,
}

/// The DWARF of one file, ready for lookups.
pub struct Debug<'a> {
    dwarf: Arc<gimli::Dwarf<Reader<'a>>>,
    context: addr2line::Context<Reader<'a>>,
}

impl std::fmt::Debug for Debug<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Debug")
    }
}

impl Binary {
    /// The file's DWARF, or `None` when it has none.
    pub fn debug(&self) -> Result<Option<Debug<'_>>, Error> {
        if self.kind.is_relocatable() || !self.debug_sections.contains_key(".debug_info") {
            return Ok(None);
        }
        let endian = if self.big_endian { RunTimeEndian::Big } else { RunTimeEndian::Little };
        let load = |id: gimli::SectionId| -> Result<Reader<'_>, gimli::Error> {
            let data = self.debug_sections.get(id.name()).map_or(&[][..], |v| &v[..]);
            Ok(EndianSlice::new(data, endian))
        };
        let bad = |e: gimli::Error| {
            Error::from(BinaryError::DebugInfo { why: e.to_string() }).at(&self.path.display().to_string())
        };
        let dwarf = Arc::new(gimli::Dwarf::load(load).map_err(bad)?);
        let context = addr2line::Context::from_arc_dwarf(Arc::clone(&dwarf)).map_err(bad)?;
        Ok(Some(Debug { dwarf, context }))
    }
}

fn location(l: &addr2line::Location) -> Option<Location> {
    Some(Location { file: l.file?.to_string(), line: l.line?, column: l.column.filter(|&c| c > 0) })
}

impl Debug<'_> {
    /// The frames at `address`, innermost first (empty when DWARF does not cover it).
    pub fn frames(&self, address: u64) -> Vec<Frame> {
        let mut out = Vec::new();
        let Ok(mut iter) = self.context.find_frames(address).skip_all_loads() else { return out };
        while let Ok(Some(f)) = iter.next() {
            let function = f.function.as_ref().and_then(|n| n.raw_name().ok()).map(|raw| display_name(&raw).display);
            out.push(Frame { function, location: f.location.as_ref().and_then(location) });
        }
        out
    }

    /// The source line at `address`.
    pub fn location(&self, address: u64) -> Option<Location> {
        self.context.find_location(address).ok().flatten().as_ref().and_then(location)
    }

    /// The lines of one function's body that the code in `ranges` runs:
    /// at each line-table row, the location of the frame `pick` chooses by
    /// index (frames innermost first; a frame's location is the line being run in
    /// that function), in the file most of them are in, as (file, first
    /// line, last line).
    pub fn body_lines(
        &self,
        ranges: &[(u64, u64)],
        pick: impl Fn(&[Frame]) -> Option<usize>,
    ) -> Option<(String, u32, u32)> {
        let mut by_file: HashMap<String, (usize, u32, u32)> = HashMap::new();
        for &(lo, hi) in ranges {
            let Ok(iter) = self.context.find_location_range(lo, hi) else { continue };
            for (address, _, _) in iter {
                let frames = self.frames(address);
                let Some(l) = pick(&frames).and_then(|i| frames.get(i)?.location.as_ref()) else { continue };
                let e = by_file.entry(l.file.clone()).or_insert((0, u32::MAX, 0));
                *e = (e.0 + 1, e.1.min(l.line), e.2.max(l.line));
            }
        }
        by_file.into_iter().max_by_key(|(f, e)| (e.0, f.clone())).map(|(f, (_, lo, hi))| (f, lo, hi))
    }

    /// Every `DW_TAG_inlined_subroutine` of the file.
    pub fn inlined_places(&self) -> Result<Vec<InlinedPlace>, gimli::Error> {
        let dwarf = &*self.dwarf;
        // pass 1: the names of every subprogram, by .debug_info offset
        let mut names: HashMap<usize, DieName> = HashMap::new();
        let mut units = dwarf.units();
        while let Some(header) = units.next()? {
            let unit = dwarf.unit(header)?;
            let mut namespaces: Vec<(isize, String)> = Vec::new();
            let mut refs: Vec<(usize, usize)> = Vec::new();
            let mut entries = unit.entries();
            while let Some(e) = entries.next_dfs()? {
                let depth = e.depth();
                while namespaces.last().is_some_and(|(d, _)| *d >= depth) {
                    namespaces.pop();
                }
                let offset = debug_info_offset(&unit, e.offset());
                match e.tag() {
                    gimli::DW_TAG_namespace | gimli::DW_TAG_structure_type | gimli::DW_TAG_enumeration_type => {
                        let n = attr_str(dwarf, &unit, e, gimli::DW_AT_name).unwrap_or_default();
                        namespaces.push((depth, n));
                    }
                    gimli::DW_TAG_subprogram => {
                        let linkage = attr_str(dwarf, &unit, e, gimli::DW_AT_linkage_name)
                            .or_else(|| attr_str(dwarf, &unit, e, gimli::DW_AT_MIPS_linkage_name));
                        let name = attr_str(dwarf, &unit, e, gimli::DW_AT_name);
                        if let Some(l) = linkage {
                            names.insert(offset, display_name(&l));
                        } else if let Some(n) = name {
                            let path: Vec<&str> = namespaces.iter().map(|(_, s)| s.as_str()).collect();
                            let qualified = !path.is_empty();
                            let display = if qualified { format!("{}::{n}", path.join("::")) } else { n };
                            names.insert(offset, DieName { display, qualified });
                        } else if let Some(o) = reference(&unit, e, gimli::DW_AT_specification)
                            .or_else(|| reference(&unit, e, gimli::DW_AT_abstract_origin))
                        {
                            refs.push((offset, o));
                        }
                        namespaces.push((depth, String::new()));
                    }
                    _ => {}
                }
            }
            for (at, to) in refs {
                if let Some(n) = names.get(&to).cloned() {
                    names.insert(at, n);
                }
            }
        }
        // pass 2: the inlined subroutines
        let mut out = Vec::new();
        let mut units = dwarf.units();
        while let Some(header) = units.next()? {
            let unit = dwarf.unit(header)?;
            // (depth, name, inlined)
            let mut stack: Vec<(isize, Option<DieName>, bool)> = Vec::new();
            let mut entries = unit.entries();
            while let Some(e) = entries.next_dfs()? {
                let depth = e.depth();
                while stack.last().is_some_and(|(d, _, _)| *d >= depth) {
                    stack.pop();
                }
                match e.tag() {
                    gimli::DW_TAG_subprogram => {
                        let own = names.get(&debug_info_offset(&unit, e.offset())).cloned();
                        let own = own.or_else(|| {
                            reference(&unit, e, gimli::DW_AT_abstract_origin)
                                .or_else(|| reference(&unit, e, gimli::DW_AT_specification))
                                .and_then(|o| names.get(&o).cloned())
                        });
                        stack.push((depth, own, false));
                    }
                    gimli::DW_TAG_inlined_subroutine => {
                        let name =
                            reference(&unit, e, gimli::DW_AT_abstract_origin).and_then(|o| names.get(&o).cloned());
                        let parent = stack.iter().rev().find_map(|(_, n, _)| n.clone());
                        // inlined into the nearest subprogram, through the inlined entries after it
                        let nesting = 1 + stack.iter().rev().take_while(|(_, _, inlined)| *inlined).count();
                        let (mut first, mut bytes) = (u64::MAX, 0u64);
                        let mut spans = Vec::new();
                        let mut ranges = dwarf.die_ranges(&unit, e)?;
                        while let Some(r) = ranges.next()? {
                            if r.end > r.begin {
                                first = first.min(r.begin);
                                bytes += r.end - r.begin;
                                spans.push((r.begin, r.end));
                            }
                        }
                        if let (Some(name), true) = (name.clone(), bytes > 0) {
                            let call = call_location(dwarf, &unit, e);
                            let (ranges, depth) = (spans, nesting);
                            out.push(InlinedPlace { name, parent, address: first, bytes, call, ranges, depth });
                        }
                        stack.push((depth, name, true));
                    }
                    _ => {}
                }
            }
        }
        Ok(out)
    }
}

fn debug_info_offset(unit: &gimli::Unit<Reader<'_>>, o: gimli::UnitOffset) -> usize {
    o.to_debug_info_offset(&unit.header).map_or(usize::MAX - o.0, |d| d.0)
}

/// The `.debug_info` offset an attribute refers to.
fn reference(
    unit: &gimli::Unit<Reader<'_>>,
    e: &gimli::DebuggingInformationEntry<Reader<'_>>,
    at: gimli::DwAt,
) -> Option<usize> {
    match e.attr_value(at)? {
        AttributeValue::UnitRef(o) => Some(debug_info_offset(unit, o)),
        AttributeValue::DebugInfoRef(o) => Some(o.0),
        _ => None,
    }
}

fn attr_str(
    dwarf: &gimli::Dwarf<Reader<'_>>,
    unit: &gimli::Unit<Reader<'_>>,
    e: &gimli::DebuggingInformationEntry<Reader<'_>>,
    at: gimli::DwAt,
) -> Option<String> {
    let v = e.attr_value(at)?;
    let s = dwarf.attr_string(unit, v).ok()?;
    Some(s.to_string_lossy().into_owned())
}

fn call_location(
    dwarf: &gimli::Dwarf<Reader<'_>>,
    unit: &gimli::Unit<Reader<'_>>,
    e: &gimli::DebuggingInformationEntry<Reader<'_>>,
) -> Option<Location> {
    let line = match e.attr_value(gimli::DW_AT_call_line)? {
        AttributeValue::Udata(n) => n as u32,
        AttributeValue::Data1(n) => n as u32,
        AttributeValue::Data2(n) => n as u32,
        AttributeValue::Data4(n) => n,
        _ => return None,
    };
    let file_index = match e.attr_value(gimli::DW_AT_call_file)? {
        AttributeValue::FileIndex(i) | AttributeValue::Udata(i) => i,
        AttributeValue::Data1(i) => i as u64,
        AttributeValue::Data2(i) => i as u64,
        AttributeValue::Data4(i) => i as u64,
        _ => return None,
    };
    let program = unit.line_program.as_ref()?;
    let header = program.header();
    let file = header.file(file_index)?;
    let mut path = String::new();
    if let Some(dir) = file.directory(header) {
        if let Ok(d) = dwarf.attr_string(unit, dir) {
            path.push_str(&d.to_string_lossy());
        }
    }
    let name = dwarf.attr_string(unit, file.path_name()).ok()?.to_string_lossy().into_owned();
    let full = if name.starts_with('/') || path.is_empty() { name } else { format!("{path}/{name}") };
    Some(Location { file: full, line, column: None })
}

/// A name from DWARF: demangled when it is a linkage name.
fn display_name(raw: &str) -> DieName {
    match fastware_symbols::parse(raw) {
        Some(_) => DieName { display: fastware_symbols::demangle(raw), qualified: true },
        None => DieName { display: raw.to_string(), qualified: raw.contains("::") },
    }
}
