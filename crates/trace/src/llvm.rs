//! Aggregation of LLVM time-trace events, per piece and per file.
//!
//! LLVM writes each thread's events when they end (post-order: children
//! before their parent). A stack per thread therefore finds every event's
//! direct children as it arrives, which gives:
//! - **self time** per label (pass): the event's duration minus its direct
//!   children's, so nested passes are never counted twice;
//! - **LLVM time per function**: each event's self time goes to the nearest
//!   enclosing event (itself included) whose subject is a function — the
//!   symbol in `args.detail` of `OptFunction`, of every function pass
//!   (`InstCombinePass`, `PassManager<Function>` …), of loop passes
//!   (`loop … in function SYM`) and single-function CGSCC passes (`(SYM)`).
//!   Time under no function (module passes) is kept as "not in a function".
//!   Every microsecond of a thread lands in exactly one function or there.
//!
//! The stacks, and the stitching of a file's pieces read in parallel, are
//! `fastware_spans`; this module says what each event and each adoption
//! across pieces adds to the figures.
//!
//! LLVM's own `Total <name>` events (sums over outermost events of a name)
//! are collected apart and never added into any other figure.

use std::collections::HashMap;

use crate::event::Event;
use crate::json::JsonStr;
use fastware_spans::{Forest, Span, Stacks, Stitch};

use crate::reader::EventSink;

pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

const NONE: u32 = u32::MAX;

pub use fastware_spans::ThreadKey;

/// Interns byte strings into dense ids.
#[derive(Default)]
pub(crate) struct Interner {
    map: Map<Box<[u8]>, u32>,
    pub names: Vec<Box<[u8]>>,
}

impl Interner {
    #[inline]
    pub fn id(&mut self, bytes: &[u8]) -> u32 {
        if let Some(&id) = self.map.get(bytes) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(bytes.into());
        self.map.insert(bytes.into(), id);
        id
    }
}

/// Self time, inclusive time and count of one label.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabelStat {
    pub self_ns: i64,
    pub total_ns: i64,
    pub count: u64,
}

/// Figures per function subject.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubjectStat {
    /// Self time of every event attributed to the function.
    pub llvm_ns: i64,
    /// Inclusive time of the ranked event kind (e.g. `OptFunction`) on it.
    pub event_ns: i64,
    pub event_count: u64,
}

/// What a span carries: its label, its function, and self time below it
/// not yet attributed to a function.
#[derive(Clone, Copy, Debug)]
struct Frame {
    label: u32,
    subject: u32,
    pending: i64,
}

/// `B`/`E` pairs and modules, per thread.
#[derive(Default)]
struct ThreadExtra {
    /// Open `B` events: (start, label, subject).
    begun: Vec<(i64, u32, u32)>,
    /// `E` events without a `B` in this piece.
    orphan_ends: u64,
    module: Option<u32>,
}

/// Counts of what was read.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub events: u64,
    pub complete: u64,
    pub begin_end: u64,
    pub metadata: u64,
    pub llvm_totals: u64,
    /// Events of other phases, or missing a timestamp.
    pub other: u64,
    /// `E` events with no matching `B`, and `B` events never ended.
    pub unmatched: u64,
}

impl Counts {
    pub(crate) fn add(&mut self, o: &Counts) {
        self.events += o.events;
        self.complete += o.complete;
        self.begin_end += o.begin_end;
        self.metadata += o.metadata;
        self.llvm_totals += o.llvm_totals;
        self.other += o.other;
        self.unmatched += o.unmatched;
    }
}

/// What to rank functions by, besides attributed LLVM time.
#[derive(Clone, Debug)]
pub struct LlvmConfig {
    /// Event name whose inclusive time and count are reported per function.
    pub event: String,
}

impl Default for LlvmConfig {
    fn default() -> Self {
        LlvmConfig { event: "OptFunction".to_string() }
    }
}

/// Separates an event name from its detail in a label (for `RunPass`).
pub const LABEL_SEP: u8 = 0x1f;

/// The events of one piece of a file.
pub struct Piece {
    pub(crate) labels: Interner,
    pub(crate) label_stats: Vec<LabelStat>,
    pub(crate) subjects: Interner,
    pub(crate) subject_stats: Vec<SubjectStat>,
    stacks: Stacks<Frame>,
    extra: Map<ThreadKey, ThreadExtra>,
    pub(crate) totals: Map<Box<[u8]>, (i64, u64)>,
    pub(crate) thread_names: Vec<(ThreadKey, String)>,
    pub(crate) modules: Interner,
    pub(crate) counts: Counts,
    event: Box<[u8]>,
    scratch: Vec<u8>,
    /// Per label, the label that came after it last; and the last label.
    next_label: Vec<u32>,
    last_label: u32,
    /// The last detail [`Piece::subject_id`] looked at, and its subject.
    last_detail: Vec<u8>,
    last_subject: u32,
}

impl Piece {
    pub fn new(cfg: &LlvmConfig) -> Piece {
        Piece {
            labels: Interner::default(),
            label_stats: Vec::new(),
            subjects: Interner::default(),
            subject_stats: Vec::new(),
            stacks: Stacks::default(),
            extra: Map::default(),
            totals: Map::default(),
            thread_names: Vec::new(),
            modules: Interner::default(),
            counts: Counts::default(),
            event: cfg.event.as_bytes().into(),
            scratch: Vec::new(),
            next_label: Vec::new(),
            last_label: NONE,
            // no detail is empty here: an empty one names nothing
            last_detail: Vec::new(),
            last_subject: NONE,
        }
    }

    /// True when a `B`/`E` pair may straddle this piece's edges.
    pub fn crosses_edges(&self, first: bool, last: bool) -> bool {
        self.extra.values().any(|t| (!last && !t.begun.is_empty()) || (!first && t.orphan_ends > 0))
    }

    fn label_id(&mut self, name: &[u8], detail: Option<&JsonStr<'_>>) -> u32 {
        let id = if is_pass_detail_event(name) {
            let detail = detail.map(|d| d.bytes());
            self.scratch.clear();
            self.scratch.extend_from_slice(name);
            self.scratch.push(LABEL_SEP);
            if let Some(d) = &detail {
                self.scratch.extend_from_slice(d);
            }
            let key = std::mem::take(&mut self.scratch);
            let id = self.labels.id(&key);
            self.scratch = key;
            id
        } else {
            // LLVM runs the same passes over each function, in the same
            // order: the label that followed the last one before is most
            // often the one that follows it now, and a comparison with it
            // skips the hash and the probe
            let next = self.next_label.get(self.last_label as usize).copied().unwrap_or(NONE);
            if next != NONE && *self.labels.names[next as usize] == *name {
                next
            } else {
                let id = self.labels.id(name);
                if let Some(slot) = self.next_label.get_mut(self.last_label as usize) {
                    *slot = id;
                }
                id
            }
        };
        if id as usize == self.label_stats.len() {
            self.label_stats.push(LabelStat::default());
            self.next_label.push(NONE);
        }
        self.last_label = id;
        id
    }

    fn subject_id(&mut self, name: &[u8], detail: Option<&JsonStr<'_>>) -> u32 {
        let Some(d) = detail else { return NONE };
        if !detail_may_name_a_function(name) {
            return NONE;
        }
        let bytes = d.bytes();
        // LLVM runs a function's passes one after another, so an event's
        // detail is most often the one before it: comparing with that (just
        // read, in cache) skips the search for the symbol, its hash and the
        // probe
        if *bytes == *self.last_detail {
            return self.last_subject;
        }
        let id = match function_in(&bytes) {
            None => NONE,
            Some(sym) => {
                let id = self.subjects.id(sym);
                if id as usize == self.subject_stats.len() {
                    self.subject_stats.push(SubjectStat::default());
                }
                id
            }
        };
        self.last_detail.clear();
        self.last_detail.extend_from_slice(&bytes);
        self.last_subject = id;
        id
    }

    fn thread(&mut self, key: ThreadKey) -> &mut ThreadExtra {
        self.extra.entry(key).or_default()
    }

    /// A complete event: its children found, its time attributed.
    fn complete(&mut self, key: ThreadKey, start: i64, dur: i64, label: u32, subject: u32) {
        let (label_stats, subject_stats) = (&mut self.label_stats, &mut self.subject_stats);
        let end = start.saturating_add(dur.max(0));
        self.stacks.close(key, start, end, |children, self_ns| {
            let ls = &mut label_stats[label as usize];
            ls.self_ns += self_ns;
            ls.total_ns += end - start;
            ls.count += 1;
            let mut pending = self_ns + children.iter().map(|c| c.data.pending).sum::<i64>();
            if subject != NONE {
                subject_stats[subject as usize].llvm_ns += pending;
                pending = 0;
            }
            Frame { label, subject, pending }
        });
    }
}

/// Event names whose `detail` names the pass rather than a function.
fn is_pass_detail_event(name: &[u8]) -> bool {
    name == b"RunPass" || name == b"RunLoopPass"
}

/// The function an event is about, from its `args.detail`.
pub fn subject<'d>(name: &[u8], detail: &'d [u8]) -> Option<&'d [u8]> {
    detail_may_name_a_function(name).then(|| function_in(detail)).flatten()
}

/// False for the events whose detail names a pass or a module.
fn detail_may_name_a_function(name: &[u8]) -> bool {
    !(is_pass_detail_event(name) || name == b"OptModule" || name == b"Import")
}

/// The function a detail names ([`subject`] for an event whose detail may).
fn function_in(detail: &[u8]) -> Option<&[u8]> {
    if detail.is_empty() || detail == b"[module]" {
        return None;
    }
    if let Some(rest) = detail.strip_prefix(b"loop ") {
        const IN_FN: &[u8] = b" in function ";
        let at = memchr::memmem::find(rest, IN_FN)?;
        return Some(&rest[at + IN_FN.len()..]);
    }
    if detail[0] == b'(' && detail[detail.len() - 1] == b')' {
        let inner = &detail[1..detail.len() - 1];
        // a CGSCC pass over several functions is not about one of them
        return (!inner.contains(&b',') && !inner.is_empty()).then_some(inner);
    }
    if detail.contains(&b' ') {
        return None;
    }
    Some(detail)
}

impl EventSink for Piece {
    fn event(&mut self, ev: &Event<'_>, _raw: &[u8], _offset: u64) {
        self.counts.events += 1;
        let name = ev.name_raw();
        match ev.ph {
            b'X' => {
                if let Some(total) = name.strip_prefix(b"Total ") {
                    self.counts.llvm_totals += 1;
                    let e = self.totals.entry(total.into()).or_default();
                    e.0 += ev.dur.unwrap_or(0);
                    e.1 += ev.args_count.unwrap_or(0) as u64;
                    return;
                }
                let Some(ts) = ev.ts else {
                    self.counts.other += 1;
                    return;
                };
                self.counts.complete += 1;
                let dur = ev.dur.unwrap_or(0);
                let label = self.label_id(name, ev.detail.as_ref());
                let subject = self.subject_id(name, ev.detail.as_ref());
                let key = (ev.pid, ev.tid);
                if name == b"OptModule" {
                    if let Some(d) = &ev.detail {
                        let m = self.modules.id(&d.bytes());
                        self.thread(key).module.get_or_insert(m);
                    }
                }
                if subject != NONE && name == &*self.event {
                    let s = &mut self.subject_stats[subject as usize];
                    s.event_ns += dur;
                    s.event_count += 1;
                }
                self.complete(key, ts, dur, label, subject);
            }
            b'B' => {
                let Some(ts) = ev.ts else {
                    self.counts.other += 1;
                    return;
                };
                self.counts.begin_end += 1;
                let label = self.label_id(name, ev.detail.as_ref());
                let subject = self.subject_id(name, ev.detail.as_ref());
                self.thread((ev.pid, ev.tid)).begun.push((ts, label, subject));
            }
            b'E' => {
                let Some(ts) = ev.ts else {
                    self.counts.other += 1;
                    return;
                };
                self.counts.begin_end += 1;
                let key = (ev.pid, ev.tid);
                match self.thread(key).begun.pop() {
                    Some((start, label, subject)) => {
                        if subject != NONE && self.labels.names[label as usize].as_ref() == &*self.event {
                            let s = &mut self.subject_stats[subject as usize];
                            s.event_ns += ts - start;
                            s.event_count += 1;
                        }
                        self.complete(key, start, ts - start, label, subject);
                    }
                    None => {
                        self.thread(key).orphan_ends += 1;
                        self.counts.unmatched += 1;
                    }
                }
            }
            b'M' => {
                self.counts.metadata += 1;
                if name == b"thread_name" {
                    if let Some(n) = &ev.args_name {
                        self.thread_names.push(((ev.pid, ev.tid), n.text().into_owned()));
                    }
                }
            }
            _ => self.counts.other += 1,
        }
    }
}

/// A file's events, merged from its pieces in order.
#[derive(Default)]
pub struct FileAgg {
    pub(crate) labels: Interner,
    pub(crate) label_stats: Vec<LabelStat>,
    pub(crate) subjects: Interner,
    pub(crate) subject_stats: Vec<SubjectStat>,
    forest: Forest<Frame>,
    module_of: Map<ThreadKey, u32>,
    names: Map<ThreadKey, String>,
    unmatched_begins: u64,
    pub(crate) totals: Map<Box<[u8]>, (i64, u64)>,
    pub(crate) modules: Interner,
    pub(crate) counts: Counts,
}

/// Adoptions across pieces: the adopted span's time leaves its parent's self
/// time, and its unattributed time flows up the chain to the first span
/// with a function.
struct Adoption<'a> {
    label_stats: &'a mut [LabelStat],
    subject_stats: &'a mut [SubjectStat],
    carry: i64,
}

impl Stitch<Frame> for Adoption<'_> {
    fn adopt(&mut self, parent: &Span<Frame>, child: &Span<Frame>) {
        self.label_stats[parent.data.label as usize].self_ns -= child.dur();
        // The child's time was counted in the parent's own self time, which
        // already went to the parent's function (or up its chain): take it back.
        self.carry += child.data.pending - child.dur();
    }

    fn chain_step(&mut self, parent: &Span<Frame>) {
        if parent.data.subject != NONE {
            self.subject_stats[parent.data.subject as usize].llvm_ns += self.carry;
            self.carry = 0;
        }
    }

    fn chain_end(&mut self, last: &mut Span<Frame>) {
        last.data.pending += self.carry;
        self.carry = 0;
    }
}

/// Per-thread results of a file.
#[derive(Debug, Clone)]
pub struct ThreadSummary {
    pub key: ThreadKey,
    pub name: Option<String>,
    /// Sum of self times: time the thread was inside any event.
    pub busy_ns: i64,
    pub min_start: i64,
    pub max_end: i64,
    pub events: u64,
    pub out_of_order: u64,
    /// The codegen unit an `OptModule` event on this thread named.
    pub module: Option<String>,
}

/// A merged file, ready to report.
#[derive(Debug, Default)]
pub struct FileSummary {
    pub labels: Vec<(Vec<u8>, LabelStat)>,
    pub subjects: Vec<(Vec<u8>, SubjectStat)>,
    pub totals: Vec<(Vec<u8>, i64, u64)>,
    pub threads: Vec<ThreadSummary>,
    /// Time inside events but under no function subject.
    pub unattributed_ns: i64,
    pub counts: Counts,
}

fn remap(from: &Interner, into: &mut Interner) -> Vec<u32> {
    from.names.iter().map(|n| into.id(n)).collect()
}

impl FileAgg {
    /// Adds the next piece of the file.
    pub fn merge(&mut self, piece: Piece) {
        let label_map = remap(&piece.labels, &mut self.labels);
        self.label_stats.resize(self.labels.names.len(), LabelStat::default());
        for (i, s) in piece.label_stats.iter().enumerate() {
            let t = &mut self.label_stats[label_map[i] as usize];
            t.self_ns += s.self_ns;
            t.total_ns += s.total_ns;
            t.count += s.count;
        }
        let subject_map = remap(&piece.subjects, &mut self.subjects);
        self.subject_stats.resize(self.subjects.names.len(), SubjectStat::default());
        for (i, s) in piece.subject_stats.iter().enumerate() {
            let t = &mut self.subject_stats[subject_map[i] as usize];
            t.llvm_ns += s.llvm_ns;
            t.event_ns += s.event_ns;
            t.event_count += s.event_count;
        }
        let module_map = remap(&piece.modules, &mut self.modules);
        let map_subject = |s: u32| {
            if s == NONE {
                NONE
            } else {
                subject_map[s as usize]
            }
        };
        for (name, (dur, count)) in piece.totals {
            let e = self.totals.entry(name).or_default();
            e.0 += dur;
            e.1 += count;
        }
        self.counts.add(&piece.counts);
        for (key, t) in piece.extra {
            self.unmatched_begins += t.begun.len() as u64;
            if let Some(m) = t.module {
                self.module_of.entry(key).or_insert(module_map[m as usize]);
            }
        }
        let mut adoption =
            Adoption { label_stats: &mut self.label_stats, subject_stats: &mut self.subject_stats, carry: 0 };
        let frame = |f: Frame| Frame {
            label: label_map[f.label as usize],
            subject: map_subject(f.subject),
            pending: f.pending,
        };
        self.forest.stitch(piece.stacks, frame, &mut adoption);
        for (key, name) in piece.thread_names {
            self.names.insert(key, name);
        }
    }

    /// Finishes the file.
    pub fn summarize(mut self) -> FileSummary {
        let mut unattributed = 0;
        let mut threads = Vec::new();
        let mut counts = self.counts;
        counts.unmatched += self.unmatched_begins;
        let modules = &self.modules;
        for (key, roots, stats) in std::mem::take(&mut self.forest).into_threads() {
            unattributed += roots.iter().map(|f| f.data.pending).sum::<i64>();
            threads.push(ThreadSummary {
                key,
                name: self.names.remove(&key),
                busy_ns: stats.busy,
                min_start: stats.min_start.unwrap_or(0),
                max_end: stats.max_end,
                events: stats.spans,
                out_of_order: stats.out_of_order,
                module: self
                    .module_of
                    .get(&key)
                    .map(|&m| String::from_utf8_lossy(&modules.names[m as usize]).into_owned()),
            });
        }
        threads.sort_by_key(|t| t.key);
        FileSummary {
            labels: self.labels.names.into_iter().map(Vec::from).zip(self.label_stats).collect(),
            subjects: self.subjects.names.into_iter().map(Vec::from).zip(self.subject_stats).collect(),
            totals: self.totals.into_iter().map(|(n, (d, c))| (Vec::from(n), d, c)).collect(),
            threads,
            unattributed_ns: unattributed,
            counts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_from_details() {
        assert_eq!(subject(b"OptFunction", b"_RNvC1a1b"), Some(&b"_RNvC1a1b"[..]));
        assert_eq!(subject(b"InstCombinePass", b"_RNvC1a1b"), Some(&b"_RNvC1a1b"[..]));
        assert_eq!(subject(b"LICMPass", b"loop %bb3 in function _RNvC1a1b"), Some(&b"_RNvC1a1b"[..]));
        assert_eq!(subject(b"InlinerPass", b"(_RNvC1a1b)"), Some(&b"_RNvC1a1b"[..]));
        assert_eq!(subject(b"InlinerPass", b"(_RNvC1a1b, _RNvC1a1c)"), None);
        assert_eq!(subject(b"GlobalOptPass", b"[module]"), None);
        assert_eq!(subject(b"RunPass", b"Expand large div/rem"), None);
        assert_eq!(subject(b"OptModule", b"tiny.a04f60d92e95d43f-cgu.1"), None);
    }
}
