//! A file of machine code — an executable, a shared object, an object file or
//! an archive of them (an rlib) — read into one model: sections at addresses,
//! symbols sorted by address, and what each GOT slot or relocation points at.
//!
//! Object files are laid out one after another at made-up addresses (each
//! section aligned to 16), so every byte of an archive has its own address;
//! listings of them show offsets in the section, as objdump does.

use crate::BinaryError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fastware_report::input::Bytes;

use fastware_report::Error;
use object::read::archive::ArchiveFile;
use object::{
    Object, ObjectSection, ObjectSymbol, ObjectSymbolTable, RelocationFlags, RelocationTarget, SectionKind, SymbolKind,
};

use crate::arch::Arch;
use object::elf;

/// What kind of file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Executable,
    SharedObject,
    Object,
    /// An archive (`.a`, `.rlib`) of object files.
    Archive,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Executable => "executable",
            Kind::SharedObject => "shared object",
            Kind::Object => "object file",
            Kind::Archive => "archive",
        }
    }

    /// Object files and archives: addresses are made up, calls are relocations.
    pub fn is_relocatable(self) -> bool {
        matches!(self, Kind::Object | Kind::Archive)
    }
}

/// The bytes of a section: a range of the mapped file (not copied: a 150 MB
/// shared library's code was copied whole, most of `asm`'s time), or its
/// own (decompressed debug info, a file given as bytes).
#[derive(Debug, Clone)]
pub enum Blob {
    Owned(Vec<u8>),
    Shared(Arc<Bytes>, std::ops::Range<usize>),
}

impl Default for Blob {
    fn default() -> Blob {
        Blob::Owned(Vec::new())
    }
}

impl std::ops::Deref for Blob {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Blob::Owned(v) => v,
            Blob::Shared(file, range) => &file[range.clone()],
        }
    }
}

/// A section of the file (of one member, for an archive).
#[derive(Debug, Clone)]
pub struct Section {
    pub name: String,
    /// Its address: the real one in a linked file, a made-up one in an object file.
    pub address: u64,
    pub size: u64,
    /// Its bytes (empty for `.bss`-like sections that take no file space).
    pub data: Blob,
    pub is_code: bool,
    /// Bytes it takes in the file.
    pub file_size: u64,
    /// The archive member it belongs to.
    pub member: Option<usize>,
}

/// A loadable segment: `file_size` bytes at file `offset` go to `address`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub address: u64,
    pub size: u64,
    pub offset: u64,
    pub file_size: u64,
}

/// A defined symbol.
#[derive(Debug, Clone)]
pub struct Sym {
    /// The name as in the file (mangled).
    pub raw: String,
    pub address: u64,
    pub size: u64,
    pub is_function: bool,
    pub global: bool,
    /// Index in [`Binary::sections`].
    pub section: Option<usize>,
}

/// What a reference (a GOT slot, a relocation) points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An address in this file.
    Address(u64),
    /// A symbol by name, plus an offset (a relocation against it, or an
    /// import resolved at run time).
    Symbol(String, i64),
}

/// A relocation in an object file: the field at `address` (`size` bytes)
/// gets `target` (+ its addend), PC-relative or through the GOT.
#[derive(Debug, Clone)]
pub struct Reloc {
    pub address: u64,
    pub size: u8,
    pub target: Target,
    pub pc_relative: bool,
    pub via_got: bool,
}

/// A file of machine code, read whole.
#[derive(Debug)]
pub struct Binary {
    pub path: PathBuf,
    pub kind: Kind,
    pub arch: Arch,
    pub sections: Vec<Section>,
    /// Defined symbols, sorted by address.
    pub symbols: Vec<Sym>,
    /// Indices in `symbols` of the functions (code symbols with a size), one
    /// per address, sorted by address.
    pub functions: Vec<usize>,
    /// Archive member names, for [`Section::member`].
    pub members: Vec<String>,
    /// GOT slots of a linked file: [`Binary::got`].
    got: std::sync::OnceLock<HashMap<u64, Target>>,
    /// Relocations of object files, sorted by address.
    pub relocs: Vec<Reloc>,
    /// True when the file has a full symbol table (`.symtab`), not only the
    /// dynamic one.
    pub has_symtab: bool,
    /// DWARF sections by name (`.debug_info` …), for a linked file.
    pub debug_sections: HashMap<String, Blob>,
    pub big_endian: bool,
    /// Loadable segments of a linked file: where its bytes go in memory.
    pub segments: Vec<Segment>,
    /// The GNU build id (`.note.gnu.build-id`), as hex.
    pub build_id: Option<String>,
    /// Index in `symbols` by raw name (the first, when a name repeats):
    /// [`Binary::by_name`], made on first use (a big library's 165,406
    /// names copied into a map were a tenth of a `profile` of a callgrind
    /// file that never asks for one by name).
    by_name: std::sync::OnceLock<HashMap<String, usize>>,
    /// The separate debug file the symbols were read from, for a stripped
    /// file that has one.
    pub debug_file: Option<PathBuf>,
    /// The mapped file the sections' bytes are ranges of.
    file: Option<Arc<Bytes>>,
}

impl Binary {
    /// Reads and parses a file. Errors say what the file is and why fastware
    /// cannot read it.
    pub fn open(path: &Path) -> Result<Binary, Error> {
        let shown = path.display().to_string();
        if path.is_dir() {
            return Err(Error::from(BinaryError::Directory).at(&shown));
        }
        let data = Arc::new(fastware_report::input::map(path)?);
        Binary::parse_in(path, &data, Some(data.clone()))
    }

    /// Parses the bytes of a file named `path`.
    pub fn parse(path: &Path, data: &[u8]) -> Result<Binary, Error> {
        Binary::parse_in(path, data, None)
    }

    /// The bytes of a section: a range of the mapped file when they lie in
    /// it, else a copy.
    fn blob(&self, bytes: &[u8]) -> Blob {
        if let Some(f) = &self.file {
            let (base, at) = (f.as_ptr() as usize, bytes.as_ptr() as usize);
            if at >= base && at + bytes.len() <= base + f.len() {
                return Blob::Shared(f.clone(), at - base..at - base + bytes.len());
            }
        }
        Blob::Owned(bytes.to_vec())
    }

    /// [`Binary::parse`], the sections' bytes ranges of `file` (which
    /// `data` is) when given.
    fn parse_in(path: &Path, data: &[u8], file: Option<Arc<Bytes>>) -> Result<Binary, Error> {
        let shown = path.display().to_string();
        let bad = |e: BinaryError| Error::from(e).at(&shown);
        if data.is_empty() {
            return Err(bad(BinaryError::Empty));
        }
        if let Some(other) = foreign_format(data) {
            return Err(bad(BinaryError::Foreign { format: other.to_string() }));
        }
        let mut b = Binary {
            path: path.to_path_buf(),
            kind: Kind::Object,
            arch: Arch::X86_64,
            sections: Vec::new(),
            symbols: Vec::new(),
            functions: Vec::new(),
            members: Vec::new(),
            got: std::sync::OnceLock::new(),
            relocs: Vec::new(),
            has_symtab: false,
            debug_sections: HashMap::new(),
            big_endian: false,
            by_name: std::sync::OnceLock::new(),
            segments: Vec::new(),
            build_id: None,
            debug_file: None,
            file,
        };
        if data.starts_with(b"!<arch>\n") || data.starts_with(b"!<thin>\n") {
            b.kind = Kind::Archive;
            let archive = ArchiveFile::parse(data).map_err(|e| bad(BinaryError::Archive { why: e.to_string() }))?;
            let mut cursor = 0u64;
            let mut any = false;
            for member in archive.members() {
                let member = member.map_err(|e| bad(BinaryError::Archive { why: e.to_string() }))?;
                let name = String::from_utf8_lossy(member.name()).into_owned();
                let bytes = member
                    .data(data)
                    .map_err(|e| bad(BinaryError::ArchiveMember { member: name.clone(), why: e.to_string() }))?;
                // rlibs also hold metadata (lib.rmeta) and other non-object members
                if !bytes.starts_with(b"\x7fELF") {
                    continue;
                }
                let file = object::File::parse(bytes).map_err(|e| {
                    bad(BinaryError::MemberObject { member: name.clone(), why: object_error(&e, bytes.len()) })
                })?;
                b.set_arch(&file, &shown)?;
                let index = b.members.len();
                b.members.push(name);
                cursor = b.add_relocatable(&file, Some(index), cursor);
                any = true;
            }
            if !any {
                return Err(bad(BinaryError::NoObjects));
            }
        } else {
            if !data.starts_with(b"\x7fELF") {
                return Err(bad(BinaryError::NotElf));
            }
            let file = object::File::parse(data).map_err(|e| {
                let (offset, what) = header_damage(data).unwrap_or((None, object_error(&e, data.len())));
                Error::from(BinaryError::Damaged { what }).at(&shown).at_byte(offset)
            })?;
            b.set_arch(&file, &shown)?;
            match file.kind() {
                object::ObjectKind::Relocatable => {
                    b.kind = Kind::Object;
                    b.add_relocatable(&file, None, 0);
                }
                object::ObjectKind::Executable | object::ObjectKind::Dynamic => {
                    b.kind = if file.kind() == object::ObjectKind::Dynamic && !has_interp(&file) {
                        Kind::SharedObject
                    } else {
                        Kind::Executable
                    };
                    b.add_linked(&file, &shown)?;
                }
                other => return Err(bad(BinaryError::OtherKind { kind: format!("{other:?}") })),
            }
        }
        b.finish().map_err(bad)?;
        Ok(b)
    }

    /// The full symbol table of a stripped library or program from its
    /// separate debug file, as gdb and perf find it: by build id under
    /// `/usr/lib/debug/.build-id/`, else by `.gnu_debuglink` beside the
    /// file, in its `.debug/`, or under `/usr/lib/debug/` (Debian's
    /// `libc6-dbg` names libc's `__memmove_avx_unaligned_erms`, `_int_malloc`
    /// …, where `.dynsym` has only the exported names). Nothing when none is
    /// found or its build id differs.
    fn add_separate_debug_symbols(&mut self, file: &object::File) {
        let Some(path) = separate_debug_file(&self.path, file, self.build_id.as_deref()) else { return };
        let Ok(data) = std::fs::read(&path) else { return };
        let Ok(debug) = object::File::parse(&*data) else { return };
        let want = self.build_id.as_deref();
        let have: Option<String> =
            debug.build_id().ok().flatten().map(|id| id.iter().map(|b| format!("{b:02x}")).collect());
        if want.is_some() && have.is_some() && want != have.as_deref() {
            return;
        }
        let Some(table) = debug.symbol_table() else { return };
        // its sections are the same as the file's, by name (their data stripped out)
        let by_name: HashMap<&str, usize> =
            self.sections.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
        let section_of = |i: object::SectionIndex| {
            let name = debug.section_by_index(i).ok()?.name().ok()?.to_string();
            by_name.get(name.as_str()).copied()
        };
        let symbols: Vec<Sym> = table.symbols().filter_map(|sym| defined(&sym, section_of, 0)).collect();
        if !symbols.is_empty() {
            self.symbols = symbols;
            self.has_symtab = true;
            self.debug_file = Some(path);
        }
    }

    fn set_arch(&mut self, file: &object::File, shown: &str) -> Result<(), Error> {
        self.arch = Arch::from_object(file.architecture()).map_err(|e| Error::from(e).at(shown))?;
        self.big_endian = !file.is_little_endian();
        Ok(())
    }

    /// Sections and symbols of a linked file, its GOT and its debug info.
    fn add_linked(&mut self, file: &object::File, shown: &str) -> Result<(), Error> {
        use object::ObjectSegment;
        for seg in file.segments() {
            let (offset, file_size) = seg.file_range();
            self.segments.push(Segment { address: seg.address(), size: seg.size(), offset, file_size });
        }
        self.build_id = file.build_id().ok().flatten().map(|id| id.iter().map(|b| format!("{b:02x}")).collect());
        let mut index_map = HashMap::new();
        for s in file.sections() {
            let name = s.name().unwrap_or("").to_string();
            let is_code = s.kind() == SectionKind::Text;
            let file_size = s.file_range().map_or(0, |(_, n)| n);
            if name.starts_with(".debug_") {
                let bytes = s.uncompressed_data().map_err(|e| {
                    Error::from(BinaryError::DebugSection { section: name.clone(), why: e.to_string() }).at(shown)
                })?;
                let blob = match bytes {
                    std::borrow::Cow::Borrowed(b) => self.blob(b),
                    std::borrow::Cow::Owned(v) => Blob::Owned(v),
                };
                self.debug_sections.insert(name.clone(), blob);
            }
            let data = if is_code || is_got(&name) || s.kind() == SectionKind::ReadOnlyData {
                self.blob(s.data().map_err(|e| truncated(shown, &name, s.file_range().map(|r| r.0), &e))?)
            } else {
                Blob::default()
            };
            index_map.insert(s.index(), self.sections.len());
            self.sections.push(Section {
                name,
                address: s.address(),
                size: s.size(),
                data,
                is_code,
                file_size,
                member: None,
            });
        }
        self.has_symtab = file.symbol_table().is_some();
        let table = file.symbol_table().or_else(|| file.dynamic_symbol_table());
        if let Some(table) = table {
            for sym in table.symbols() {
                if let Some(s) = defined(&sym, |i| index_map.get(&i).copied(), 0) {
                    self.symbols.push(s);
                }
            }
        }
        if !self.has_symtab {
            self.add_separate_debug_symbols(file);
        }
        // a mapped file's GOT is read when asked for (a big library has
        // hundreds of thousands of dynamic relocations); bytes that are not
        // kept have it read now
        if self.file.is_none() {
            let got = got_of(file, &self.sections, self.big_endian);
            self.got = std::sync::OnceLock::from(got);
        }
        Ok(())
    }

    /// GOT slots of a linked file: slot address → what it holds (read on
    /// first use).
    pub fn got(&self) -> &HashMap<u64, Target> {
        self.got.get_or_init(|| {
            let linked = matches!(self.kind, Kind::Executable | Kind::SharedObject);
            match (&self.file, linked) {
                (Some(f), true) => object::File::parse(&***f)
                    .map(|file| got_of(&file, &self.sections, self.big_endian))
                    .unwrap_or_default(),
                _ => HashMap::new(),
            }
        })
    }

    /// Sections, symbols and relocations of one object file, placed at
    /// `cursor`; returns the next free address.
    fn add_relocatable(&mut self, file: &object::File, member: Option<usize>, mut cursor: u64) -> u64 {
        let mut index_map = HashMap::new();
        for s in file.sections() {
            let name = s.name().unwrap_or("").to_string();
            let is_code = s.kind() == SectionKind::Text;
            let keep = is_code || s.kind() == SectionKind::ReadOnlyData || s.kind() == SectionKind::ReadOnlyString;
            // sections that are not loaded (metadata, relocations) get no address
            let loaded = !matches!(
                s.kind(),
                SectionKind::Metadata
                    | SectionKind::Other
                    | SectionKind::Debug
                    | SectionKind::Note
                    | SectionKind::Linker
            );
            let address = if loaded {
                // a damaged size must not overflow the placement: saturate
                cursor = cursor.checked_next_multiple_of(16).unwrap_or(u64::MAX);
                let a = cursor;
                cursor = cursor.saturating_add(s.size().max(1));
                a
            } else {
                0
            };
            index_map.insert(s.index(), self.sections.len());
            self.sections.push(Section {
                name,
                address,
                size: s.size(),
                data: if keep { s.data().map(|d| self.blob(d)).unwrap_or_default() } else { Blob::default() },
                is_code,
                file_size: s.file_range().map_or(0, |(_, n)| n),
                member,
            });
        }
        self.has_symtab |= file.symbol_table().is_some();
        let base = |i: object::SectionIndex| index_map.get(&i).copied();
        let symbol_name = |i: object::SymbolIndex| -> Option<(String, Option<usize>)> {
            let s = file.symbol_by_index(i).ok()?;
            if s.kind() == SymbolKind::Section {
                let sec = s.section_index()?;
                return Some((file.section_by_index(sec).ok()?.name().ok()?.to_string(), base(sec)));
            }
            Some((s.name().ok()?.to_string(), None))
        };
        if let Some(table) = file.symbol_table() {
            for sym in table.symbols() {
                let section_addr = sym.section_index().and_then(base).map_or(0, |i| self.sections[i].address);
                if let Some(s) = defined(&sym, base, section_addr) {
                    self.symbols.push(s);
                }
            }
        }
        for s in file.sections() {
            let Some(si) = base(s.index()) else { continue };
            if !self.sections[si].is_code {
                continue;
            }
            let section_addr = self.sections[si].address;
            for (offset, r) in s.relocations() {
                let RelocationFlags::Elf { r_type } = r.flags() else { continue };
                let (pc_relative, via_got) = match r_type {
                    elf::R_X86_64_PC32 | elf::R_X86_64_PLT32 => (true, false),
                    elf::R_X86_64_GOTPCREL | elf::R_X86_64_GOTPCRELX | elf::R_X86_64_REX_GOTPCRELX => (true, true),
                    elf::R_X86_64_GOT32 => (false, true),
                    _ => (false, false),
                };
                let target = match r.target() {
                    RelocationTarget::Symbol(i) => match symbol_name(i) {
                        // a section symbol: name the symbol at that offset, if any, later
                        Some((_, Some(sec))) => {
                            Target::Address(self.sections[sec].address.wrapping_add(r.addend() as u64))
                        }
                        Some((name, None)) => Target::Symbol(name, r.addend()),
                        None => continue,
                    },
                    RelocationTarget::Section(sec) => match base(sec) {
                        Some(sec) => Target::Address(self.sections[sec].address.wrapping_add(r.addend() as u64)),
                        None => continue,
                    },
                    _ => continue,
                };
                let size = if r.size() == 0 { 4 } else { r.size() / 8 };
                self.relocs.push(Reloc { address: section_addr + offset, size, target, pc_relative, via_got });
            }
        }
        cursor
    }

    /// Sorts symbols, picks one function per address.
    fn finish(&mut self) -> Result<(), BinaryError> {
        // a symbol reaching past the end of its section is a damaged symbol table
        // (sizes are printed and summed; 2^64 − 1 is not a size)
        for s in &self.symbols {
            let Some(sec) = s.section.and_then(|i| self.sections.get(i)) else { continue };
            let end = sec.address.saturating_add(sec.size);
            if s.address >= sec.address && s.address < end && s.address.checked_add(s.size).is_none_or(|e| e > end) {
                return Err(BinaryError::SymbolPastSection {
                    symbol: fastware_symbols::demangle(&s.raw),
                    size: s.size,
                    section: sec.name.clone(),
                    section_size: sec.size,
                });
            }
        }
        self.symbols.sort_by(|a, b| {
            a.address.cmp(&b.address).then(b.is_function.cmp(&a.is_function)).then(b.global.cmp(&a.global))
        });
        self.relocs.sort_by_key(|r| r.address);
        let mut last = None;
        for (i, s) in self.symbols.iter().enumerate() {
            if !s.is_function || s.size == 0 || last == Some(s.address) {
                continue;
            }
            // the symbol must lie in code
            if s.section.is_some_and(|sec| !self.sections[sec].is_code) {
                continue;
            }
            last = Some(s.address);
            self.functions.push(i);
        }
        Ok(())
    }

    /// Index in [`Binary::symbols`] by raw name (the first, when a name repeats).
    pub fn by_name(&self) -> &HashMap<String, usize> {
        self.by_name.get_or_init(|| {
            let mut m = HashMap::with_capacity(self.symbols.len());
            for (i, s) in self.symbols.iter().enumerate() {
                m.entry(s.raw.clone()).or_insert(i);
            }
            m
        })
    }

    /// The bytes of `len` bytes at `address`, when they are in a section with data.
    pub fn bytes_at(&self, address: u64, len: u64) -> Option<(&[u8], &Section)> {
        let s = self.section_at(address)?;
        let start = (address - s.address) as usize;
        let end = start.checked_add(len as usize)?;
        s.data.get(start..end).map(|b| (b, s))
    }

    /// The file address (as in the symbol table) of the byte that a mapping
    /// of file offset `page_offset` at `map_start` puts at `address`: what a
    /// profiler's sampled address is in this file.
    pub fn file_address(&self, address: u64, map_start: u64, page_offset: u64) -> Option<u64> {
        let offset = address.checked_sub(map_start)? + page_offset;
        let seg = self.segments.iter().find(|s| offset >= s.offset && offset < s.offset + s.file_size.max(s.size))?;
        Some(offset - seg.offset + seg.address)
    }

    /// Where file address 0 would be in memory, for a mapping of `len`
    /// bytes at file offset `page_offset` put at `map_start` (the segment
    /// most of the mapping holds decides: a page can hold the ends of two).
    pub fn load_bias(&self, map_start: u64, len: u64, page_offset: u64) -> Option<u64> {
        let end = page_offset + len;
        let seg = self
            .segments
            .iter()
            .filter(|s| s.offset < end && page_offset < s.offset + s.file_size)
            .max_by_key(|s| (s.offset + s.file_size).min(end) - s.offset.max(page_offset))?;
        Some(map_start.wrapping_sub(page_offset).wrapping_add(seg.offset).wrapping_sub(seg.address))
    }

    /// The section named `name`, with its bytes.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The section holding `address` (with data or not).
    pub fn section_at(&self, address: u64) -> Option<&Section> {
        self.sections.iter().find(|s| s.address != 0 && address >= s.address && address < s.address + s.size.max(1))
    }

    /// The function whose code holds `address`.
    pub fn function_at(&self, address: u64) -> Option<&Sym> {
        let i = self.functions.partition_point(|&f| self.symbols[f].address <= address);
        let f = &self.symbols[*self.functions.get(i.checked_sub(1)?)?];
        (address < f.address + f.size).then_some(f)
    }

    /// The symbol holding `address` (function or data), and the offset in it;
    /// a symbol of size 0 holds only its own address.
    pub fn symbol_at(&self, address: u64) -> Option<(&Sym, u64)> {
        if let Some(f) = self.function_at(address) {
            return Some((f, address - f.address));
        }
        let i = self.symbols.partition_point(|s| s.address <= address);
        self.symbols[..i]
            .iter()
            .rev()
            .take_while(|s| s.address + s.size.max(1) > address || s.address == address)
            .find(|s| address < s.address + s.size.max(1))
            .map(|s| (s, address - s.address))
    }

    /// The relocations whose field lies in `[address, address + len)`.
    pub fn relocs_in(&self, address: u64, len: u64) -> &[Reloc] {
        let start = self.relocs.partition_point(|r| r.address < address);
        let end = self.relocs.partition_point(|r| r.address < address + len);
        &self.relocs[start..end]
    }

    /// Where a displayed address starts: the section's address in an object
    /// file (objdump shows offsets there), 0 in a linked file.
    pub fn display_base(&self, address: u64) -> u64 {
        if self.kind.is_relocatable() {
            self.section_at(address).map_or(0, |s| s.address)
        } else {
            0
        }
    }

    /// The archive member holding `address`, for an archive.
    pub fn member_at(&self, address: u64) -> Option<&str> {
        self.section_at(address).and_then(|s| s.member).map(|m| self.members[m].as_str())
    }

    /// The code sections.
    pub fn code_sections(&self) -> impl Iterator<Item = &Section> {
        self.sections.iter().filter(|s| s.is_code && !s.data.is_empty())
    }

    /// True when the file carries line tables (`.debug_line`).
    pub fn has_line_info(&self) -> bool {
        self.debug_sections.get(".debug_line").is_some_and(|d| !d.is_empty())
    }
}

/// What each GOT slot of `file` holds: its dynamic relocations first,
/// else the slot's bytes.
fn got_of(file: &object::File, sections: &[Section], big_endian: bool) -> HashMap<u64, Target> {
    let mut got = HashMap::new();
    if let Some(relocs) = file.dynamic_relocations() {
        let dynsym = file.dynamic_symbol_table();
        for (offset, r) in relocs {
            let RelocationFlags::Elf { r_type } = r.flags() else { continue };
            let target = match (r_type, r.target()) {
                (elf::R_X86_64_RELATIVE, _) => Target::Address(r.addend() as u64),
                (elf::R_X86_64_GLOB_DAT | elf::R_X86_64_JUMP_SLOT | elf::R_X86_64_64, RelocationTarget::Symbol(i)) => {
                    let name = dynsym
                        .as_ref()
                        .and_then(|t| t.symbol_by_index(i).ok())
                        .and_then(|s| s.name().ok().map(str::to_string))
                        .unwrap_or_default();
                    if name.is_empty() {
                        continue;
                    }
                    Target::Symbol(name, r.addend())
                }
                _ => continue,
            };
            got.insert(offset, target);
        }
    }
    for s in sections.iter().filter(|s| is_got(&s.name)) {
        for (i, slot) in s.data.chunks_exact(8).enumerate() {
            let at = s.address + 8 * i as u64;
            let value = if big_endian {
                u64::from_be_bytes(slot.try_into().expect("8 bytes"))
            } else {
                u64::from_le_bytes(slot.try_into().expect("8 bytes"))
            };
            if value != 0 {
                got.entry(at).or_insert(Target::Address(value));
            }
        }
    }
    got
}

fn is_got(name: &str) -> bool {
    name == ".got" || name == ".got.plt"
}

fn has_interp(file: &object::File) -> bool {
    file.section_by_name(".interp").is_some()
}

/// A defined symbol of the file, or `None` for undefined, section and file symbols.
fn defined(sym: &object::Symbol, section: impl Fn(object::SectionIndex) -> Option<usize>, base: u64) -> Option<Sym> {
    if sym.is_undefined() || !matches!(sym.kind(), SymbolKind::Text | SymbolKind::Data | SymbolKind::Unknown) {
        return None;
    }
    let raw = sym.name().ok()?;
    if raw.is_empty() || raw.starts_with("$x") || raw.starts_with("$d") {
        return None;
    }
    Some(Sym {
        raw: raw.to_string(),
        // an address past 2^64 cannot be: a damaged symbol, left out
        address: base.checked_add(sym.address())?,
        size: sym.size(),
        is_function: sym.kind() == SymbolKind::Text,
        global: sym.is_global(),
        section: sym.section_index().and_then(section),
    })
}

/// Where the separate debug file of `path` is, if it has one here.
fn separate_debug_file(path: &Path, file: &object::File, build_id: Option<&str>) -> Option<PathBuf> {
    let root = Path::new("/usr/lib/debug");
    if let Some(id) = build_id.filter(|id| id.len() > 2) {
        let p = root.join(".build-id").join(&id[..2]).join(format!("{}.debug", &id[2..]));
        if p.is_file() {
            return Some(p);
        }
    }
    let (name, _crc) = file.gnu_debuglink().ok().flatten()?;
    let name = Path::new(std::str::from_utf8(name).ok()?);
    let dir = path.parent()?;
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    [dir.join(name), dir.join(".debug").join(name), root.join(dir.strip_prefix("/").unwrap_or(&dir)).join(name)]
        .into_iter()
        .find(|p| p.is_file() && p != path)
}

/// Other formats, told by their magic numbers, to say what a file is.
fn foreign_format(data: &[u8]) -> Option<&'static str> {
    let magic = data.get(..4)?;
    match magic {
        [0xcf, 0xfa, 0xed, 0xfe] | [0xce, 0xfa, 0xed, 0xfe] | [0xfe, 0xed, 0xfa, 0xcf] | [0xfe, 0xed, 0xfa, 0xce] => {
            Some("a Mach-O (macOS)")
        }
        [0xca, 0xfe, 0xba, 0xbe] => Some("a universal Mach-O (macOS)"),
        [b'M', b'Z', ..] => Some("a PE (Windows)"),
        [0, b'a', b's', b'm'] => Some("a WebAssembly"),
        _ => None,
    }
}

fn object_error(e: &object::Error, len: usize) -> String {
    let text = e.to_string();
    if text.contains("size") || text.contains("offset") || text.contains("Invalid") || len < 64 {
        format!("damaged or truncated ELF file ({len} bytes): {text}")
    } else {
        format!("unreadable ELF file: {text}")
    }
}

fn truncated(shown: &str, section: &str, offset: Option<u64>, e: &object::Error) -> Error {
    Error::from(BinaryError::Section { section: section.to_string(), why: e.to_string() }).at(shown).at_byte(offset)
}

/// Where an ELF file's header is damaged, as the byte of the field at
/// fault and what is wrong; the `object` crate's errors name no place.
/// Checks the header's size and its two header tables against the file.
fn header_damage(data: &[u8]) -> Option<(Option<u64>, String)> {
    let wide = match data.get(4)? {
        1 => false,
        2 => true,
        c => return Some((Some(4), format!("damaged ELF header: class {c} is neither 32- nor 64-bit"))),
    };
    let big = match data.get(5)? {
        1 => false,
        2 => true,
        e => {
            return Some((Some(5), format!("damaged ELF header: data encoding {e} is neither little- nor big-endian")))
        }
    };
    let len = data.len() as u64;
    let header = if wide { 64 } else { 52 };
    if len < header {
        return Some((Some(len), format!("truncated ELF file: {len} bytes, shorter than its {header}-byte header")));
    }
    let int = |at: usize, n: usize| -> u64 {
        let b = &data[at..at + n];
        let add = |v: u64, x: &u8| (v << 8) | u64::from(*x);
        if big {
            b.iter().fold(0, add)
        } else {
            b.iter().rev().fold(0, add)
        }
    };
    // (field, offset field, entry size field, count field) as ELF places them
    let (word, ph, sh) = if wide { (8, (32, 54, 56), (40, 58, 60)) } else { (4, (28, 42, 44), (32, 46, 48)) };
    for (table, (off, size, count)) in [("program header", ph), ("section header", sh)] {
        let (at, entry, n) = (int(off, word), int(size, 2), int(count, 2));
        let end = at.checked_add(entry * n);
        if n > 0 && end.is_none_or(|e| e > len) {
            let what = format!(
                "damaged or truncated ELF file: its {table} table ({n} entries of {entry} bytes at byte {at}) runs past the end of the {len}-byte file"
            );
            return Some((Some(off as u64), what));
        }
    }
    None
}
