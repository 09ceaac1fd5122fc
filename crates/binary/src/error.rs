//! What can be wrong with a file of machine code given to fastware, as
//! values (all bad input: exit 2); matched through
//! [`fastware_report::Error::typed`].

use fastware_report::{ErrorKind, Typed};

/// Why an executable, library, object file or rlib could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BinaryError {
    #[error("a directory, not an executable, library or object file")]
    Directory,
    #[error("empty file: not an executable, library or object file")]
    Empty,
    /// A file of another object format (`format`: "a PE (Windows)" …).
    #[error("{format} file: fastware reads ELF files (Linux executables, libraries, object files, rlibs)")]
    Foreign { format: String },
    #[error("not an ELF file, archive or rlib: fastware reads Linux executables, libraries and object files")]
    NotElf,
    /// The ELF header or the tables it points to do not fit the file.
    #[error("{what}")]
    Damaged { what: String },
    /// A section whose bytes cannot be read.
    #[error("damaged or truncated ELF file: section {section} cannot be read ({why})")]
    Section { section: String, why: String },
    #[error("damaged debug section {section}: {why}")]
    DebugSection { section: String, why: String },
    #[error("damaged debug info: {why}")]
    DebugInfo { why: String },
    /// A symbol whose size reaches past the end of its section.
    #[error("damaged symbol table: `{symbol}` claims {size} bytes, past the end of its section {section} ({section_size} bytes)")]
    SymbolPastSection { symbol: String, size: u64, section: String, section_size: u64 },
    #[error("damaged archive: {why}")]
    Archive { why: String },
    #[error("damaged archive member {member}: {why}")]
    ArchiveMember { member: String, why: String },
    /// An archive member that is not a readable object file.
    #[error("archive member {member}: {why}")]
    MemberObject { member: String, why: String },
    #[error("archive without object files: nothing to disassemble")]
    NoObjects,
    /// An ELF file that is not an executable, library or object (a core dump …).
    #[error("an ELF file of kind {kind}: not an executable, library or object file")]
    OtherKind { kind: String },
    #[error("an ELF file for an unknown machine")]
    UnknownMachine,
    #[error("{machine} machine code: fastware decodes x86-64 only, for now")]
    OtherMachine { machine: String },
    /// A function pattern that matches no function of `file` (`near`: names like it).
    #[error("no function matches `{pattern}` in {file}")]
    NoMatch { pattern: String, file: String, near: Vec<String> },
    /// `INDEX` past the functions a pattern matched.
    #[error("INDEX {index} is out of range: {matches} functions match")]
    IndexOutOfRange { index: usize, matches: usize },
    /// A name that is neither a file nor a build kept with `--save`.
    #[error("{name}: no such file, and no build saved under that name")]
    NotFound { name: String },
}

impl Typed for BinaryError {
    fn fault(&self) -> ErrorKind {
        ErrorKind::BadInput
    }

    fn hint(&self) -> Option<String> {
        match self {
            BinaryError::Directory => Some("give the file, e.g. target/release/NAME".into()),
            BinaryError::NoMatch { near, .. } if near.is_empty() => Some(
                "try a shorter part of the name, or `fastware size --by function` for the largest functions".into(),
            ),
            BinaryError::NoMatch { near, .. } => {
                Some(format!("did you mean {}?", near.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")))
            }
            BinaryError::IndexOutOfRange { .. } => Some("run without INDEX to list them".into()),
            BinaryError::NotFound { .. } => Some("save one with `fastware diff --save NAME`, or give a file".into()),
            _ => None,
        }
    }
}
