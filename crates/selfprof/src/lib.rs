//! rustc's self-profiles (`-Zself-profile`, `.mm_profdata`): per-label
//! figures for one crate or a whole build, diffs of two builds, the longest
//! single events with their arguments, collapsed stacks and flamegraphs, and
//! Chrome traces.
//!
//! Profiles are decoded over measureme's string table (`decodeme`, the layer
//! analyzeme is built on) after fastware checks their structure, and each
//! profile is read in pieces on all cores; `fastware_spans` stitches the
//! per-thread nesting of the pieces back together.

pub mod chrome;
pub mod decoder;
pub mod diff;
pub mod error;
pub mod events;
pub mod file;
pub mod input;
pub mod longest;
pub mod report;
pub mod stacks;
pub mod summary;

pub use error::SelfProfError;
pub use file::{open, Profile};
pub use report::{By, DiffReport, LongestReport, SummaryReport, WrittenReport};
pub use summary::{summarize, summarize_in_pieces, summarize_profile, BuildSummary, LabelFigures, ProfileSummary};
