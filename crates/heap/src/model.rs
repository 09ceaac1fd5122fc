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

/// A figure a file may leave out (lifetimes, peaks and the end need
/// `bklt`, reads and writes `bkacc`), held in 8 bytes with `u64::MAX` for
/// none: an `Option<u64>` takes 16, and a point has nine of them (on a
/// 146 MB DHAT file, 382,510 points: 27 MB less).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure(u64);

impl Figure {
    pub const NONE: Figure = Figure(u64::MAX);

    /// `Some(u64::MAX)` is kept as the largest value below it.
    pub fn new(v: Option<u64>) -> Figure {
        v.map_or(Figure::NONE, |v| Figure(v.min(u64::MAX - 1)))
    }

    pub fn get(self) -> Option<u64> {
        (self != Figure::NONE).then_some(self.0)
    }
}

/// One program point: the allocations made from one stack (its frames are
/// [`HeapProfile::stack`]).
#[derive(Debug, Clone)]
pub struct Point {
    pub bytes: u64,
    pub blocks: u64,
    /// The sum of the blocks' lifetimes.
    pub lifetimes: Figure,
    /// The most alive at once from this point.
    pub max_bytes: Figure,
    pub max_blocks: Figure,
    /// Alive at the global peak.
    pub peak_bytes: Figure,
    pub peak_blocks: Figure,
    /// Alive at the end (not freed).
    pub end_bytes: Figure,
    pub end_blocks: Figure,
    pub reads: Figure,
    pub writes: Figure,
    /// The position in the point's stack of the first frame in the user's code.
    pub user: Option<u32>,
}

/// Every point's frames (innermost first, indices into
/// [`HeapProfile::frames`]) in one array: a `Vec` per point cost 24 bytes
/// and an allocation each (on the 146 MB file, 382,510 of them holding
/// 14.0 million frames). The indices are held in 16 bits while they fit
/// (a frame table of up to 65,536 entries: 28 MB there, not 56), in 32
/// from the first that does not.
#[derive(Debug, Clone, Default)]
pub struct Stacks {
    frames: Frames,
    /// Where each point's frames end in `frames`.
    ends: Vec<usize>,
}

#[derive(Debug, Clone)]
enum Frames {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Default for Frames {
    fn default() -> Frames {
        Frames::Narrow(Vec::new())
    }
}

impl Frames {
    fn len(&self) -> usize {
        match self {
            Frames::Narrow(v) => v.len(),
            Frames::Wide(v) => v.len(),
        }
    }

    fn extend(&mut self, fs: &[u32]) {
        if let Frames::Narrow(v) = self {
            if fs.iter().all(|&f| f <= u32::from(u16::MAX)) {
                v.extend(fs.iter().map(|&f| f as u16));
                return;
            }
            *self = Frames::Wide(v.iter().map(|&f| u32::from(f)).collect());
        }
        if let Frames::Wide(v) = self {
            v.extend_from_slice(fs);
        }
    }
}

/// One point's frames, innermost first.
#[derive(Debug, Clone, Copy)]
pub enum Stack<'a> {
    Narrow(&'a [u16]),
    Wide(&'a [u32]),
}

impl<'a> Stack<'a> {
    pub fn len(self) -> usize {
        match self {
            Stack::Narrow(s) => s.len(),
            Stack::Wide(s) => s.len(),
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The `k`th frame (0: the innermost).
    pub fn at(self, k: usize) -> u32 {
        match self {
            Stack::Narrow(s) => u32::from(s[k]),
            Stack::Wide(s) => s[k],
        }
    }

    /// The first `n` frames.
    pub fn first(self, n: usize) -> Stack<'a> {
        match self {
            Stack::Narrow(s) => Stack::Narrow(&s[..n]),
            Stack::Wide(s) => Stack::Wide(&s[..n]),
        }
    }

    pub fn iter(self) -> impl Iterator<Item = u32> + 'a {
        let (narrow, wide) = match self {
            Stack::Narrow(s) => (s, &[][..]),
            Stack::Wide(s) => (&[][..], s),
        };
        narrow.iter().map(|&f| u32::from(f)).chain(wide.iter().copied())
    }

    pub fn to_vec(self) -> Vec<u32> {
        self.iter().collect()
    }
}

impl Serialize for Stack<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl Stacks {
    pub fn push(&mut self, fs: &[u32]) {
        self.frames.extend(fs);
        self.ends.push(self.frames.len());
    }

    /// Appends stacks laid end to end in `frames`, `lens` long each.
    pub fn extend(&mut self, frames: &[u32], lens: &[u32]) {
        let mut end = self.frames.len();
        self.frames.extend(frames);
        self.ends.extend(lens.iter().map(|&n| {
            end += n as usize;
            end
        }));
        debug_assert_eq!(end, self.frames.len());
    }

    pub fn get(&self, i: usize) -> Stack<'_> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        match &self.frames {
            Frames::Narrow(v) => Stack::Narrow(&v[start..self.ends[i]]),
            Frames::Wide(v) => Stack::Wide(&v[start..self.ends[i]]),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Stack<'_>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The largest frame index of any stack.
    pub fn max(&self) -> Option<u32> {
        match &self.frames {
            Frames::Narrow(v) => v.iter().max().map(|&f| u32::from(f)),
            Frames::Wide(v) => v.iter().max().copied(),
        }
    }
}

/// A heap profile; its `Serialize`/`Deserialize` write and read each point
/// with its frames (`points: [{bytes, …, frames: […], user}]`), as saved
/// profiles always have been.
#[derive(Debug, Clone)]
pub struct HeapProfile {
    pub meta: Meta,
    pub frames: Vec<Frame>,
    pub points: Vec<Point>,
    /// The points' stacks, `stacks.get(i)` for `points[i]`.
    pub stacks: Stacks,
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
        self.lifetimes = add(self.lifetimes, p.lifetimes.get());
        self.peak_bytes = add(self.peak_bytes, p.peak_bytes.get());
        self.peak_blocks = add(self.peak_blocks, p.peak_blocks.get());
        self.end_bytes = add(self.end_bytes, p.end_bytes.get());
        self.end_blocks = add(self.end_blocks, p.end_blocks.get());
        self.max_bytes = add(self.max_bytes, p.max_bytes.get());
        self.reads = add(self.reads, p.reads.get());
        self.writes = add(self.writes, p.writes.get());
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
        let DhatFile { header: h, mut points, stacks, ftbl } = f;
        let frames = frames::read_table(&ftbl, &stacks);
        drop(ftbl);
        for (p, fs) in points.iter_mut().zip(stacks.iter()) {
            p.user = frames::user_frame(&frames, fs).map(|u| u as u32);
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
            stacks,
        }
    }

    /// The frames of `points[i]`, innermost first.
    pub fn stack(&self, i: usize) -> Stack<'_> {
        self.stacks.get(i)
    }

    pub fn totals(&self) -> Figures {
        let mut t = Figures::default();
        for p in &self.points {
            t.add(p);
        }
        t
    }
}

/// A point as saved profiles hold it: its figures, its frames (`&[u32]`
/// written, `Vec<u32>` read) and its user frame.
#[derive(Serialize, Deserialize)]
struct Wire<F> {
    bytes: u64,
    blocks: u64,
    lifetimes: Option<u64>,
    max_bytes: Option<u64>,
    max_blocks: Option<u64>,
    peak_bytes: Option<u64>,
    peak_blocks: Option<u64>,
    end_bytes: Option<u64>,
    end_blocks: Option<u64>,
    reads: Option<u64>,
    writes: Option<u64>,
    frames: F,
    user: Option<u32>,
}

impl Serialize for HeapProfile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Points<'a>(&'a HeapProfile);
        impl Serialize for Points<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.points.iter().zip(self.0.stacks.iter()).map(|(p, frames)| Wire {
                    bytes: p.bytes,
                    blocks: p.blocks,
                    lifetimes: p.lifetimes.get(),
                    max_bytes: p.max_bytes.get(),
                    max_blocks: p.max_blocks.get(),
                    peak_bytes: p.peak_bytes.get(),
                    peak_blocks: p.peak_blocks.get(),
                    end_bytes: p.end_bytes.get(),
                    end_blocks: p.end_blocks.get(),
                    reads: p.reads.get(),
                    writes: p.writes.get(),
                    frames,
                    user: p.user,
                }))
            }
        }
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("HeapProfile", 3)?;
        st.serialize_field("meta", &self.meta)?;
        st.serialize_field("frames", &self.frames)?;
        st.serialize_field("points", &Points(self))?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for HeapProfile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<HeapProfile, D::Error> {
        #[derive(Deserialize)]
        struct In {
            meta: Meta,
            frames: Vec<Frame>,
            points: Vec<Wire<Vec<u32>>>,
        }
        let In { meta, frames, points: read } = In::deserialize(d)?;
        let mut stacks = Stacks::default();
        let points = read
            .into_iter()
            .map(|p| {
                stacks.push(&p.frames);
                Point {
                    bytes: p.bytes,
                    blocks: p.blocks,
                    lifetimes: Figure::new(p.lifetimes),
                    max_bytes: Figure::new(p.max_bytes),
                    max_blocks: Figure::new(p.max_blocks),
                    peak_bytes: Figure::new(p.peak_bytes),
                    peak_blocks: Figure::new(p.peak_blocks),
                    end_bytes: Figure::new(p.end_bytes),
                    end_blocks: Figure::new(p.end_blocks),
                    reads: Figure::new(p.reads),
                    writes: Figure::new(p.writes),
                    user: p.user,
                }
            })
            .collect();
        Ok(HeapProfile { meta, frames, points, stacks })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Stacks held in 16 bits move to 32 at the first index past 65,535,
    /// each stack still as it was given.
    #[test]
    fn stacks_widen_when_an_index_does_not_fit() {
        let given: Vec<Vec<u32>> = vec![vec![3, 1, 65_535], vec![], vec![7, 70_000, 2], vec![9], vec![u32::MAX, 0]];
        let mut s = super::Stacks::default();
        s.push(&given[0]);
        s.push(&given[1]);
        assert!(matches!(s.get(0), super::Stack::Narrow(_)));
        s.extend(&[7, 70_000, 2, 9], &[3, 1]);
        s.push(&given[4]);
        assert!(matches!(s.get(0), super::Stack::Wide(_)));
        let back: Vec<Vec<u32>> = s.iter().map(|st| st.to_vec()).collect();
        assert_eq!(back, given);
        assert_eq!(s.max(), Some(u32::MAX));
        assert_eq!(s.get(2).first(2).to_vec(), vec![7, 70_000]);
        assert_eq!((s.get(2).at(1), s.get(2).len(), s.get(1).is_empty()), (70_000, 3, true));
    }

    /// Written, each point carries its own figures and frames as the DHAT
    /// file had them (a serde_json DOM walk of the file), as saved profiles
    /// always have; read back, it writes the same JSON.
    #[test]
    fn each_point_is_written_with_its_frames() {
        let path = fastware_testkit::fixture("heap").join("allocs.dhat.json");
        let text = std::fs::read_to_string(&path).expect("fixture");
        let dom: Value = serde_json::from_str(&text).expect("json");
        let p = crate::saved::read(&path).expect("read");
        let written = serde_json::to_value(&p).expect("write");
        let (pps, points) = (dom["pps"].as_array().expect("pps"), written["points"].as_array().expect("points"));
        assert_eq!(points.len(), pps.len());
        for (w, raw) in points.iter().zip(pps) {
            assert_eq!(w["frames"], raw["fs"]);
            for (ours, theirs) in
                [("bytes", "tb"), ("blocks", "tbk"), ("lifetimes", "tl"), ("end_bytes", "eb"), ("reads", "rb")]
            {
                assert_eq!(w[ours], raw[theirs], "{ours}");
            }
        }
        let back: super::HeapProfile = serde_json::from_value(written.clone()).expect("read back");
        assert_eq!(serde_json::to_value(&back).expect("write"), written);
    }
}
