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
//! A piece of a file knows nothing of the pieces before it, so each piece
//! keeps the events still waiting for a parent (its *residue*) and the events
//! that might adopt children from earlier pieces (its *left-open* chain: each
//! found the stack empty when it arrived). Merging pieces in order replays
//! exactly what one sequential pass would have done.
//!
//! LLVM's own `Total <name>` events (sums over outermost events of a name)
//! are collected apart and never added into any other figure.

use std::collections::HashMap;

use crate::event::Event;
use crate::json::JsonStr;
use crate::reader::EventSink;

pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

const NONE: u32 = u32::MAX;

/// A thread: (pid, tid).
pub type ThreadKey = (u64, u64);

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

/// An event waiting for its parent.
#[derive(Clone, Copy, Debug)]
struct Frame {
    start: i64,
    end: i64,
    label: u32,
    subject: u32,
    /// Self time below this frame not yet attributed to a function.
    pending: i64,
}

/// An event that found its thread's stack empty when it arrived.
#[derive(Clone, Copy, Debug)]
struct LeftOpen {
    start: i64,
    end: i64,
    label: u32,
    subject: u32,
}

/// Per-thread state.
#[derive(Default)]
struct ThreadState {
    stack: Vec<Frame>,
    left_open: Vec<LeftOpen>,
    busy_ns: i64,
    min_start: Option<i64>,
    max_end: i64,
    /// End of the first and last event seen (for order checks across pieces).
    first_end: Option<i64>,
    last_end: i64,
    /// Events that arrived before an earlier event had ended.
    out_of_order: u64,
    events: u64,
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
    threads: Map<ThreadKey, ThreadState>,
    pub(crate) totals: Map<Box<[u8]>, (i64, u64)>,
    pub(crate) thread_names: Vec<(ThreadKey, String)>,
    pub(crate) modules: Interner,
    pub(crate) counts: Counts,
    event: Box<[u8]>,
    scratch: Vec<u8>,
}

impl Piece {
    pub fn new(cfg: &LlvmConfig) -> Piece {
        Piece {
            labels: Interner::default(),
            label_stats: Vec::new(),
            subjects: Interner::default(),
            subject_stats: Vec::new(),
            threads: Map::default(),
            totals: Map::default(),
            thread_names: Vec::new(),
            modules: Interner::default(),
            counts: Counts::default(),
            event: cfg.event.as_bytes().into(),
            scratch: Vec::new(),
        }
    }

    /// True when a `B`/`E` pair may straddle this piece's edges.
    pub fn crosses_edges(&self, first: bool, last: bool) -> bool {
        self.threads.values().any(|t| (!last && !t.begun.is_empty()) || (!first && t.orphan_ends > 0))
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
            self.labels.id(name)
        };
        if id as usize == self.label_stats.len() {
            self.label_stats.push(LabelStat::default());
        }
        id
    }

    fn subject_id(&mut self, name: &[u8], detail: Option<&JsonStr<'_>>) -> u32 {
        let Some(d) = detail else { return NONE };
        let bytes = d.bytes();
        let Some(sym) = subject(name, &bytes) else {
            return NONE;
        };
        let id = self.subjects.id(sym);
        if id as usize == self.subject_stats.len() {
            self.subject_stats.push(SubjectStat::default());
        }
        id
    }

    fn thread(&mut self, key: ThreadKey) -> &mut ThreadState {
        self.threads.entry(key).or_default()
    }

    /// A complete event: finds its children on the stack and attributes time.
    fn complete(&mut self, key: ThreadKey, start: i64, dur: i64, label: u32, subject: u32) {
        let end = start.saturating_add(dur.max(0));
        let label_stats = &mut self.label_stats;
        let subject_stats = &mut self.subject_stats;
        let t = self.threads.entry(key).or_default();
        t.events += 1;
        if end < t.last_end {
            t.out_of_order += 1;
        }
        t.first_end.get_or_insert(end);
        t.last_end = t.last_end.max(end);
        t.min_start = Some(t.min_start.map_or(start, |m| m.min(start)));
        t.max_end = t.max_end.max(end);
        let mut children = 0i64;
        let mut carry = 0i64;
        while let Some(top) = t.stack.last() {
            if top.start < start || top.end > end {
                break;
            }
            children += top.end - top.start;
            carry += top.pending;
            t.stack.pop();
        }
        let self_ns = (end - start - children).max(0);
        let ls = &mut label_stats[label as usize];
        ls.self_ns += self_ns;
        ls.total_ns += end - start;
        ls.count += 1;
        t.busy_ns += self_ns;
        let mut pending = self_ns + carry;
        if subject != NONE {
            subject_stats[subject as usize].llvm_ns += pending;
            pending = 0;
        }
        if t.stack.is_empty() {
            t.left_open.push(LeftOpen { start, end, label, subject });
        }
        t.stack.push(Frame { start, end, label, subject, pending });
    }
}

/// Event names whose `detail` names the pass rather than a function.
fn is_pass_detail_event(name: &[u8]) -> bool {
    name == b"RunPass" || name == b"RunLoopPass"
}

/// The function an event is about, from its `args.detail`.
pub fn subject<'d>(name: &[u8], detail: &'d [u8]) -> Option<&'d [u8]> {
    if is_pass_detail_event(name)
        || name == b"OptModule"
        || name == b"Import"
        || detail.is_empty()
        || detail == b"[module]"
    {
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

/// Per-thread state of a file after its pieces are merged.
#[derive(Default)]
struct FileThread {
    /// Events still waiting for a parent, oldest first.
    pending: Vec<Frame>,
    busy_ns: i64,
    min_start: Option<i64>,
    max_end: i64,
    last_end: i64,
    out_of_order: u64,
    events: u64,
    unmatched_begins: u64,
    module: Option<u32>,
    name: Option<String>,
}

/// A file's events, merged from its pieces in order.
#[derive(Default)]
pub struct FileAgg {
    pub(crate) labels: Interner,
    pub(crate) label_stats: Vec<LabelStat>,
    pub(crate) subjects: Interner,
    pub(crate) subject_stats: Vec<SubjectStat>,
    threads: Map<ThreadKey, FileThread>,
    pub(crate) totals: Map<Box<[u8]>, (i64, u64)>,
    pub(crate) modules: Interner,
    pub(crate) counts: Counts,
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
        for (key, t) in piece.threads {
            let ft = self.threads.entry(key).or_default();
            if let Some(first) = t.first_end {
                if first < ft.last_end {
                    ft.out_of_order += 1;
                }
            }
            ft.last_end = ft.last_end.max(t.last_end);
            ft.out_of_order += t.out_of_order;
            ft.events += t.events;
            ft.busy_ns += t.busy_ns;
            if let Some(s) = t.min_start {
                ft.min_start = Some(ft.min_start.map_or(s, |m| m.min(s)));
            }
            ft.max_end = ft.max_end.max(t.max_end);
            ft.unmatched_begins += t.begun.len() as u64;
            if ft.module.is_none() {
                ft.module = t.module.map(|m| module_map[m as usize]);
            }
            // Adopt earlier pieces' waiting events into this piece's left-open chain.
            let mut carry = 0i64;
            for lo in &t.left_open {
                let label = label_map[lo.label as usize] as usize;
                while let Some(top) = ft.pending.last() {
                    if top.start < lo.start || top.end > lo.end {
                        break;
                    }
                    // The adopted child's time was counted in this event's
                    // own self time, which already went to its function (or
                    // up its chain): take it back the same way.
                    let dur = top.end - top.start;
                    self.label_stats[label].self_ns -= dur;
                    ft.busy_ns -= dur;
                    carry += top.pending - dur;
                    ft.pending.pop();
                }
                if lo.subject != NONE {
                    self.subject_stats[map_subject(lo.subject) as usize].llvm_ns += carry;
                    carry = 0;
                }
            }
            let mut residue = t.stack;
            if let Some(bottom) = residue.first_mut() {
                bottom.pending += carry;
            }
            ft.pending.extend(residue.into_iter().map(|f| Frame {
                label: label_map[f.label as usize],
                subject: map_subject(f.subject),
                ..f
            }));
        }
        for (key, name) in piece.thread_names {
            self.threads.entry(key).or_default().name = Some(name);
        }
    }

    /// Finishes the file.
    pub fn summarize(self) -> FileSummary {
        let mut unattributed = 0;
        let mut threads = Vec::with_capacity(self.threads.len());
        let mut counts = self.counts;
        for (key, t) in self.threads {
            unattributed += t.pending.iter().map(|f| f.pending).sum::<i64>();
            counts.unmatched += t.unmatched_begins;
            if t.events == 0 {
                continue; // metadata only (thread names of idle threads)
            }
            threads.push(ThreadSummary {
                key,
                name: t.name,
                busy_ns: t.busy_ns,
                min_start: t.min_start.unwrap_or(0),
                max_end: t.max_end,
                events: t.events,
                out_of_order: t.out_of_order,
                module: t.module.map(|m| String::from_utf8_lossy(&self.modules.names[m as usize]).into_owned()),
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
