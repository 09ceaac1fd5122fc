//! One heap profile, whatever wrote it: what was run, the frames, and the
//! program points with their figures and the position of the first frame
//! in the user's code. It is also what `--save` keeps.

use serde::{Deserialize, Serialize};

use crate::dhat::DhatFile;
use crate::frames::{self, Frame};

/// What was profiled, and in what units.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    /// "valgrind" (DHAT) or "dhat-rs" (the dhat crate).
    pub tool: String,
    /// "heap", "copy" or "ad-hoc".
    pub mode: String,
    /// "Allocated", "Copied", "Occurred".
    pub verb: String,
    /// Lifetimes and times are in this unit: "instrs" (instructions
    /// executed, valgrind) or "µs" (the dhat crate).
    pub time_unit: String,
    /// A block living less than this on average is short-lived (the file's `tuth`).
    pub short_lived: Option<u64>,
    /// Lifetimes, peaks and the end are recorded (`bklt`).
    pub lifetimes: bool,
    /// Reads and writes are recorded (`bkacc`).
    pub accesses: bool,
    pub command: String,
    pub pid: u64,
    /// The time at the end (t-end) and at the global peak (t-gmax).
    pub t_end: u64,
    pub t_gmax: Option<u64>,
    #[serde(default)]
    pub binary: Option<String>,
    #[serde(default)]
    pub commit: Option<String>,
}

/// One program point: the allocations made from one stack.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Point {
    pub bytes: u64,
    pub blocks: u64,
    /// The sum of the blocks' lifetimes.
    pub lifetimes: Option<u64>,
    /// The most alive at once from this point.
    pub max_bytes: Option<u64>,
    pub max_blocks: Option<u64>,
    /// Alive at the global peak.
    pub peak_bytes: Option<u64>,
    pub peak_blocks: Option<u64>,
    /// Alive at the end (not freed).
    pub end_bytes: Option<u64>,
    pub end_blocks: Option<u64>,
    pub reads: Option<u64>,
    pub writes: Option<u64>,
    /// Frames, innermost first (indices into [`HeapProfile::frames`]).
    pub frames: Vec<u32>,
    /// The position in `frames` of the first frame in the user's code.
    pub user: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeapProfile {
    pub meta: Meta,
    pub frames: Vec<Frame>,
    pub points: Vec<Point>,
}

/// Sums over all points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub bytes: u64,
    pub blocks: u64,
    pub lifetimes: Option<u64>,
    pub peak_bytes: Option<u64>,
    pub peak_blocks: Option<u64>,
    pub end_bytes: Option<u64>,
    pub end_blocks: Option<u64>,
    /// The largest `max_bytes` of the points summed (a site's own peak).
    pub max_bytes: Option<u64>,
    pub reads: Option<u64>,
    pub writes: Option<u64>,
}

fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    }
}

impl Figures {
    pub fn add(&mut self, p: &Point) {
        self.bytes += p.bytes;
        self.blocks += p.blocks;
        self.lifetimes = add(self.lifetimes, p.lifetimes);
        self.peak_bytes = add(self.peak_bytes, p.peak_bytes);
        self.peak_blocks = add(self.peak_blocks, p.peak_blocks);
        self.end_bytes = add(self.end_bytes, p.end_bytes);
        self.end_blocks = add(self.end_blocks, p.end_blocks);
        self.max_bytes = add(self.max_bytes, p.max_bytes);
        self.reads = add(self.reads, p.reads);
        self.writes = add(self.writes, p.writes);
    }

    pub fn avg_size(&self) -> Option<f64> {
        (self.blocks > 0).then(|| self.bytes as f64 / self.blocks as f64)
    }

    /// The average lifetime of a block, in the profile's time unit.
    pub fn avg_lifetime(&self) -> Option<f64> {
        self.lifetimes.filter(|_| self.blocks > 0).map(|l| l as f64 / self.blocks as f64)
    }
}

impl HeapProfile {
    /// Takes the file's program points, and finds each one's first frame
    /// in the user's code.
    pub fn from_dhat(f: DhatFile) -> HeapProfile {
        let DhatFile { header: h, mut points, ftbl } = f;
        let frames = {
            let stacks: Vec<&[u32]> = points.iter().map(|p| p.frames.as_slice()).collect();
            frames::read_table(&ftbl, &stacks)
        };
        drop(ftbl);
        for p in &mut points {
            p.user = frames::user_frame(&frames, &p.frames).map(|u| u as u32);
        }
        let dhat_rs = h.tu != "instrs";
        HeapProfile {
            meta: Meta {
                tool: if dhat_rs { "dhat-rs" } else { "valgrind" }.into(),
                mode: h.mode.strip_prefix("rust-").unwrap_or(&h.mode).to_string(),
                verb: h.verb,
                time_unit: h.tu,
                short_lived: h.tuth,
                lifetimes: h.bklt,
                accesses: h.bkacc,
                command: h.cmd,
                pid: h.pid,
                t_end: h.te,
                t_gmax: h.tg,
                binary: None,
                commit: None,
            },
            frames,
            points,
        }
    }

    pub fn totals(&self) -> Figures {
        let mut t = Figures::default();
        for p in &self.points {
            t.add(p);
        }
        t
    }
}
