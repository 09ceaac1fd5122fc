//! Per-label figures of a profile, and of a whole build's profiles, with the
//! meaning measureme's `summarize` gives them:
//!
//! - **self time**: an event's duration minus its direct children's;
//! - **time**: the events' durations (incremental hashing excluded, as
//!   summarize does);
//! - **count**: invocations (queries, activities; not blocked waits or
//!   incremental loads); cache hits from `QueryCacheHitCount` when rustc wrote
//!   them, else from `QueryCacheHit` instants;
//! - **blocked**, **incremental load**, **incremental hashing**: time in
//!   events of those kinds (the latter two less their children);
//! - **total time**: the sum over threads of each thread's span, from its
//!   first event's start to its last event's end.

use std::collections::HashMap;

use fastware_report::Error;
use fastware_spans::{Forest, Span, Stacks, Stitch};
use rayon::prelude::*;

use crate::decoder::Damage;
use crate::events::{Kind, Payload, PIECE_EVENTS};
use crate::file::{self, Profile};

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Figures of one label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabelFigures {
    pub self_ns: i64,
    pub total_ns: i64,
    pub count: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub blocked_ns: i64,
    pub incr_load_ns: i64,
    pub incr_hash_ns: i64,
}

impl LabelFigures {
    pub fn add(&mut self, o: &LabelFigures) {
        self.self_ns += o.self_ns;
        self.total_ns += o.total_ns;
        self.count += o.count;
        self.cache_hits += o.cache_hits;
        self.cache_misses += o.cache_misses;
        self.blocked_ns += o.blocked_ns;
        self.incr_load_ns += o.incr_load_ns;
        self.incr_hash_ns += o.incr_hash_ns;
    }
}

/// One profile's results.
#[derive(Debug, Clone, Default)]
pub struct ProfileSummary {
    pub path: String,
    pub crate_name: String,
    pub size: u64,
    pub process_id: u32,
    pub events: u64,
    pub threads: u64,
    /// Sum over threads of first start to last end.
    pub total_ns: i64,
    /// Sum of self times: time inside any event.
    pub busy_ns: i64,
    /// By label, largest self time first.
    pub labels: Vec<(String, LabelFigures)>,
    /// `ArtifactSize` events: (label, bytes), largest first.
    pub artifacts: Vec<(String, u64)>,
}

/// A whole build's profiles, and their figures summed.
#[derive(Debug, Clone, Default)]
pub struct BuildSummary {
    /// Largest total time first.
    pub profiles: Vec<ProfileSummary>,
    pub total_ns: i64,
    pub busy_ns: i64,
    pub events: u64,
    pub labels: Vec<(String, LabelFigures)>,
    pub artifacts: Vec<(String, u64)>,
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    label: u32,
    kind: Kind,
}

#[derive(Default)]
struct Labels {
    ids: Map<String, u32>,
    names: Vec<String>,
}

impl Labels {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }
}

/// Figures of one piece of a profile.
#[derive(Default)]
struct Piece {
    labels: Labels,
    figures: Vec<LabelFigures>,
    instant_hits: Vec<u64>,
    /// `QueryCacheHitCount` totals, when rustc wrote them.
    counted_hits: Vec<Option<u64>>,
    artifacts: Map<String, u64>,
    stacks: Stacks<Frame>,
}

impl Piece {
    fn label(&mut self, name: &str) -> u32 {
        let id = self.labels.id(name);
        if id as usize == self.figures.len() {
            self.figures.push(LabelFigures::default());
            self.instant_hits.push(0);
            self.counted_hits.push(None);
        }
        id
    }

    fn read(profile: &Profile, range: std::ops::Range<usize>) -> Result<Piece, Damage> {
        let mut p = Piece::default();
        for i in range {
            let e = profile.decode(i)?;
            if e.kind == Kind::ArtifactSize {
                if let Payload::Integer(v) = e.payload {
                    *p.artifacts.entry(e.label.into_owned()).or_default() += v;
                }
                continue;
            }
            // summarize records intervals, cache hits and hit counts; nothing else
            match (e.payload, e.kind) {
                (Payload::Interval { .. }, _) | (Payload::Instant(_), Kind::QueryCacheHit) => {}
                (Payload::Integer(_), Kind::QueryCacheHitCount) => {}
                _ => continue,
            }
            let label = p.label(&e.label);
            match (e.payload, e.kind) {
                (Payload::Interval { start, end }, kind) => {
                    let figures = &mut p.figures;
                    p.stacks.close((0, u64::from(e.thread)), start, end, |_, self_ns| {
                        let dur = end - start;
                        let f = &mut figures[label as usize];
                        f.self_ns += self_ns;
                        match kind {
                            Kind::Query | Kind::GenericActivity => {
                                f.total_ns += dur;
                                f.cache_misses += 1;
                                f.count += 1;
                            }
                            Kind::QueryBlocked => {
                                f.total_ns += dur;
                                f.blocked_ns += dur;
                            }
                            // children's time leaves incremental figures of their parent
                            Kind::IncrementalLoadResult => {
                                f.total_ns += dur;
                                f.incr_load_ns += self_ns;
                            }
                            Kind::IncrementalResultHashing => f.incr_hash_ns += self_ns,
                            _ => {
                                f.total_ns += dur;
                                f.count += 1;
                            }
                        }
                        Frame { label, kind }
                    });
                }
                (Payload::Instant(_), Kind::QueryCacheHit) => p.instant_hits[label as usize] += 1,
                (Payload::Integer(v), Kind::QueryCacheHitCount) => {
                    *p.counted_hits[label as usize].get_or_insert(0) += v;
                }
                _ => {}
            }
        }
        Ok(p)
    }
}

/// Late adoption across pieces: the adopted event leaves its parent's self
/// time (and incremental figures when the parent is of those kinds).
struct Adopt<'a>(&'a mut [LabelFigures]);

impl Stitch<Frame> for Adopt<'_> {
    fn adopt(&mut self, parent: &Span<Frame>, child: &Span<Frame>) {
        let f = &mut self.0[parent.data.label as usize];
        f.self_ns -= child.dur();
        match parent.data.kind {
            Kind::IncrementalLoadResult => f.incr_load_ns -= child.dur(),
            Kind::IncrementalResultHashing => f.incr_hash_ns -= child.dur(),
            _ => {}
        }
    }
}

/// Summarizes one profile, its pieces read in parallel.
pub fn summarize_profile(profile: &Profile) -> Result<ProfileSummary, Error> {
    summarize_in_pieces(profile, PIECE_EVENTS)
}

/// [`summarize_profile`] with pieces of `piece_events` events (tests use small ones).
pub fn summarize_in_pieces(profile: &Profile, piece_events: usize) -> Result<ProfileSummary, Error> {
    let pieces = profile.par_pieces(piece_events, |range| Piece::read(profile, range))?;
    let mut labels = Labels::default();
    let mut figures: Vec<LabelFigures> = Vec::new();
    let mut instant_hits: Vec<u64> = Vec::new();
    let mut counted_hits: Vec<Option<u64>> = Vec::new();
    let mut artifacts: Map<String, u64> = Map::default();
    let mut forest = Forest::default();
    for piece in pieces {
        let map: Vec<u32> = piece.labels.names.iter().map(|n| labels.id(n)).collect();
        let n = labels.names.len();
        figures.resize(n, LabelFigures::default());
        instant_hits.resize(n, 0);
        counted_hits.resize(n, None);
        for (i, f) in piece.figures.iter().enumerate() {
            let to = map[i] as usize;
            figures[to].add(f);
            instant_hits[to] += piece.instant_hits[i];
            if let Some(c) = piece.counted_hits[i] {
                *counted_hits[to].get_or_insert(0) += c;
            }
        }
        for (l, v) in piece.artifacts {
            *artifacts.entry(l).or_default() += v;
        }
        forest.stitch(piece.stacks, |f| Frame { label: map[f.label as usize], kind: f.kind }, &mut Adopt(&mut figures));
    }
    for (i, f) in figures.iter_mut().enumerate() {
        f.cache_hits = counted_hits[i].unwrap_or(instant_hits[i]);
    }
    let (mut threads, mut total_ns, mut busy_ns) = (0, 0, 0);
    for (_, _, stats) in forest.into_threads() {
        threads += 1;
        total_ns += stats.max_end - stats.min_start.unwrap_or(stats.max_end);
        busy_ns += stats.busy;
    }
    let mut artifacts: Vec<(String, u64)> = artifacts.into_iter().collect();
    let mut labels: Vec<(String, LabelFigures)> = labels.names.into_iter().zip(figures).collect();
    sort_labels(&mut labels);
    artifacts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(ProfileSummary {
        path: profile.display(),
        crate_name: profile.crate_name.clone(),
        size: profile.size,
        process_id: profile.process_id,
        events: profile.num_events() as u64,
        threads,
        total_ns,
        busy_ns,
        labels,
        artifacts,
    })
}

fn sort_labels(labels: &mut [(String, LabelFigures)]) {
    labels.sort_by(|a, b| b.1.self_ns.cmp(&a.1.self_ns).then_with(|| a.0.cmp(&b.0)));
}

/// Summarizes every profile (in parallel) and adds them up.
pub fn summarize(paths: &[std::path::PathBuf]) -> Result<BuildSummary, Error> {
    let files = crate::input::resolve(paths)?;
    let mut profiles =
        files.par_iter().map(|f| file::open(f).and_then(|p| summarize_profile(&p))).collect::<Result<Vec<_>, _>>()?;
    profiles.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then_with(|| a.path.cmp(&b.path)));
    Ok(add_up(profiles))
}

/// The build's figures: every profile's summed.
pub fn add_up(profiles: Vec<ProfileSummary>) -> BuildSummary {
    let mut labels: Map<String, LabelFigures> = Map::default();
    let mut artifacts: Map<String, u64> = Map::default();
    let mut b = BuildSummary::default();
    for p in &profiles {
        b.total_ns += p.total_ns;
        b.busy_ns += p.busy_ns;
        b.events += p.events;
        for (l, f) in &p.labels {
            labels.entry(l.clone()).or_default().add(f);
        }
        for (l, v) in &p.artifacts {
            *artifacts.entry(l.clone()).or_default() += v;
        }
    }
    b.labels = labels.into_iter().collect();
    sort_labels(&mut b.labels);
    b.artifacts = artifacts.into_iter().collect();
    b.artifacts.sort_by(|a, x| x.1.cmp(&a.1).then_with(|| a.0.cmp(&x.0)));
    b.profiles = profiles;
    b
}
