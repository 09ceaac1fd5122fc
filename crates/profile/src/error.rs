//! What can be wrong with a profile given to fastware, as values (all bad
//! input: exit 2); matched through [`fastware_report::Error::typed`].

use fastware_report::units::count;
use fastware_report::{ErrorKind, Typed};

/// Why a perf.data, callgrind.out or saved profile could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    #[error("a directory, not a profile")]
    Directory,
    /// Told apart by its first bytes and read with seeks: a pipe would be
    /// consumed by the first look.
    #[error("a pipe or device, not a file: profiles are read from files")]
    PipeOrDevice,
    #[error("empty file: no profile data")]
    Empty,
    #[error("not a profile: fastware reads perf.data, callgrind.out and saved profiles")]
    NotProfile,
    #[error("damaged saved profile: a function id out of range")]
    SavedFunctionOutOfRange,
    /// A line of a callgrind.out that does not read (`what` says how).
    #[error("damaged callgrind.out: {what}")]
    CallgrindDamaged { what: String },
    #[error("not a callgrind.out file")]
    NotCallgrind,
    #[error("not a callgrind.out file (no `events:` line)")]
    CallgrindNoEvents,
    #[error("a callgrind.out without costs: truncated, or the program did nothing")]
    CallgrindNoCosts,
    #[error("the file ends inside a line: truncated or damaged")]
    CutInsideLine,
    /// The cost lines do not add up to the file's `totals:` (or `summary:`) line.
    #[error(
        "the cost lines add up to {} {event}, the file's {said_by} says {} {event} ({:.1}%): truncated or damaged",
        count(*.added), count(*.expected), *.added as f64 / (*.expected).max(1) as f64 * 100.0
    )]
    CostsDisagree { added: u64, expected: u64, event: String, said_by: String },
    #[error("a callgrind recording without totals")]
    CallgrindNoTotals,
    /// perf.data's header, sections or event descriptions do not fit the file.
    #[error("damaged perf.data: {what}")]
    PerfDamaged { what: String },
    #[error("empty file: no perf data")]
    PerfEmpty,
    #[error("not a readable perf.data file: {why}")]
    PerfUnreadable { why: String },
    /// Read as a perf.data (where only one is taken), without perf's magic.
    #[error("not a perf.data file: it does not start with perf's PERFILE2 header")]
    NotPerfData,
    #[error("a perf.data file without events")]
    PerfNoEvents,
    #[error("truncated or damaged perf.data: {why}")]
    PerfTruncated { why: String },
    #[error("no samples in this perf.data")]
    PerfNoSamples,
    /// Binaries with samples that are gone or rebuilt since (each with why).
    #[error("the profiled binaries are not those on disk: {}", .binaries.join(", "))]
    BinariesChanged { binaries: Vec<String> },
    /// Off-CPU stacks asked of a profile recorded without context switches.
    #[error("this profile has no context switches: no record of where threads waited off the CPU")]
    NoOffCpu,
    /// A view that reshapes stacks, asked of a profile without them.
    #[error("--hide, --focus, --per-thread and --no-inline need stacks: a callgrind profile has only call edges")]
    NeedsStacks,
    #[error("a callgrind profile has no stacks to fold")]
    NoStacksToFold,
    #[error("no stacks to draw")]
    NoStacksToDraw,
    /// A function pattern that matches nothing (`top`: the profile's top functions).
    #[error("no function in the profile matches `{pattern}`")]
    NoMatch { pattern: String, top: Vec<String> },
    /// A pattern that matches several functions, none by its whole name.
    #[error("{count} functions match `{pattern}`: {}", .names.join(", "))]
    Ambiguous { count: usize, pattern: String, names: Vec<String> },
    /// `--annotate` matched no function with code of its own in a binary.
    #[error("no function of the profile's binaries matches `{pattern}`")]
    NotInBinaries { pattern: String },
    #[error("no symbol `{name}` in this file")]
    NoSymbol { name: String },
    #[error("no event {event} in this profile: it has {}", .events.join(", "))]
    NoEvent { event: String, events: Vec<String> },
    #[error("no profile to read")]
    NoProfile,
    #[error("these profiles are of different kinds (perf and callgrind): read them one at a time")]
    MixedKinds,
    /// Two profiles compared whose costs are not the same thing (perf's
    /// samples, callgrind's instructions): their shares differ by tool,
    /// and by the inlined frames only perf's stacks show.
    #[error("one profile counts {base}, the other {new}: compare profiles of one kind")]
    DifferentUnits { base: String, new: String },
    /// inferno could not draw the stacks (a failed run, not bad input).
    #[error("cannot draw the flamegraph: {why}")]
    Draw { why: String },
}

impl Typed for ProfileError {
    fn fault(&self) -> ErrorKind {
        match self {
            ProfileError::Draw { .. } => ErrorKind::Failed,
            _ => ErrorKind::BadInput,
        }
    }

    fn hint(&self) -> Option<String> {
        use ProfileError::*;
        Some(
            match self {
                Directory => "give a perf.data or callgrind.out file",
                PipeOrDevice => "save it to a file first, e.g. zstd -dc perf.data.zst > perf.data",
                NotProfile => "record one with `fastware profile`, `perf record` or `valgrind --tool=callgrind`",
                NotCallgrind | CallgrindNoEvents => {
                    "fastware reads the callgrind.out.<pid> files valgrind --tool=callgrind writes"
                }
                CutInsideLine | CostsDisagree { .. } => "record it again; a copy cut short cannot be profiled",
                PerfEmpty => "was `perf record` stopped before it wrote?",
                NotPerfData => "give the file `perf record` wrote (perf record -k realtime … -o app.perf -- PROGRAM)",
                PerfTruncated { .. } => "was `perf record` stopped before it finished writing?",
                PerfNoSamples => "the program ended before the first sample: give it more work, or a higher --freq",
                BinariesChanged { .. } => {
                    "profile again after building, or keep the binaries the profile was recorded with"
                }
                NoOffCpu => "record with fastware profile --off-cpu (perf record -e context-switches/period=1/)",
                DifferentUnits { .. } => "profile both sides with the same tool (perf, or --callgrind)",
                NeedsStacks => "profile with perf (the default), or use --callees/--callers",
                NoStacksToFold => {
                    "profile with perf (the default) for flamegraphs; callgrind's view is --callees/--callers"
                }
                NoMatch { top, .. } => return Some(format!("its top functions are {}", top.join(", "))),
                Ambiguous { .. } => "give more of the name",
                NotInBinaries { .. } => {
                    "fastware profile lists them; inlined functions are annotated in the function they were inlined into"
                }
                _ => return None,
            }
            .into(),
        )
    }
}
