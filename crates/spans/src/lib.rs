//! Nesting of timed spans per thread, for profilers that write a span when it
//! ends (post-order: children before their parent), as LLVM's time trace and
//! rustc's self-profiler both do.
//!
//! [`Stacks`] reads one piece of a recording: each span closed on a thread
//! takes as its direct children the spans on top of that thread's stack that
//! it contains. That gives self times (duration minus direct children) in
//! one pass. Pieces can be read independently and in parallel: a piece keeps
//! the spans still waiting for a parent (its residue) and the spans that
//! found their thread's stack empty when they closed (its *left-open chain*:
//! the only ones that can adopt spans of earlier pieces, each containing the
//! previous). [`Forest::stitch`] merges pieces in order and does exactly what
//! one sequential pass would have done.

use std::collections::HashMap;

/// A thread: (process id, thread id).
pub type ThreadKey = (u64, u64);

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A closed span with its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span<T> {
    pub start: i64,
    pub end: i64,
    pub data: T,
}

impl<T> Span<T> {
    pub fn dur(&self) -> i64 {
        self.end - self.start
    }

    /// True when `other` lies within `self`.
    pub fn contains<U>(&self, other: &Span<U>) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// Figures per thread that need no payload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThreadStats {
    pub spans: u64,
    /// Time inside any span: the sum of self times.
    pub busy: i64,
    pub min_start: Option<i64>,
    pub max_end: i64,
    /// Spans that closed before an earlier span's end (not post-order): nesting there is approximate.
    pub out_of_order: u64,
    first_end: Option<i64>,
    last_end: Option<i64>,
}

impl ThreadStats {
    fn add(&mut self, o: &ThreadStats) {
        if let (Some(first), Some(last)) = (o.first_end, self.last_end) {
            if first < last {
                self.out_of_order += 1;
            }
        }
        self.spans += o.spans;
        self.busy += o.busy;
        self.out_of_order += o.out_of_order;
        self.min_start = match (self.min_start, o.min_start) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max_end = self.max_end.max(o.max_end);
        self.first_end = self.first_end.or(o.first_end);
        self.last_end = match (self.last_end, o.last_end) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

struct ThreadStack<T> {
    stack: Vec<Span<T>>,
    left_open: Vec<Span<T>>,
    stats: ThreadStats,
}

impl<T> Default for ThreadStack<T> {
    fn default() -> Self {
        ThreadStack { stack: Vec::new(), left_open: Vec::new(), stats: ThreadStats::default() }
    }
}

/// The spans of one piece of a recording.
pub struct Stacks<T> {
    /// Per thread, in the order they first closed a span.
    threads: Vec<(ThreadKey, ThreadStack<T>)>,
    index: Map<ThreadKey, usize>,
    /// The thread of the last span closed: most spans follow one of the same
    /// thread, which then needs no lookup.
    last: usize,
}

impl<T> Default for Stacks<T> {
    fn default() -> Self {
        Stacks { threads: Vec::new(), index: Map::default(), last: 0 }
    }
}

impl<T> Stacks<T> {
    fn thread_mut(&mut self, key: ThreadKey) -> &mut ThreadStack<T> {
        if self.threads.get(self.last).is_none_or(|(k, _)| *k != key) {
            let threads = &mut self.threads;
            self.last = *self.index.entry(key).or_insert_with(|| {
                threads.push((key, ThreadStack::default()));
                threads.len() - 1
            });
        }
        &mut self.threads[self.last].1
    }
}

impl<T: Copy> Stacks<T> {
    /// Closes a span on `thread`. `data` receives its direct children (the
    /// spans it contains on top of the stack, most recent last) and its self
    /// time, and returns the new span's payload. Returns the self time.
    pub fn close(&mut self, thread: ThreadKey, start: i64, end: i64, data: impl FnOnce(&[Span<T>], i64) -> T) -> i64 {
        let t = self.thread_mut(thread);
        let end = end.max(start);
        let s = &mut t.stats;
        s.spans += 1;
        if s.last_end.is_some_and(|l| end < l) {
            s.out_of_order += 1;
        }
        s.first_end.get_or_insert(end);
        s.last_end = Some(s.last_end.map_or(end, |l| l.max(end)));
        s.min_start = Some(s.min_start.map_or(start, |m| m.min(start)));
        s.max_end = s.max_end.max(end);
        let span = Span { start, end, data: () };
        let mut k = t.stack.len();
        while k > 0 && span.contains(&t.stack[k - 1]) {
            k -= 1;
        }
        let children = &t.stack[k..];
        let self_time = (end - start) - children.iter().map(Span::dur).sum::<i64>();
        let data = data(children, self_time);
        t.stack.truncate(k);
        let span = Span { start, end, data };
        if k == 0 {
            t.left_open.push(span);
        }
        t.stack.push(span);
        t.stats.busy += self_time;
        self_time
    }

    /// Mutable access to the payload of the most recent span on `thread`'s stack.
    pub fn last_mut(&mut self, thread: ThreadKey) -> Option<&mut T> {
        let i = *self.index.get(&thread)?;
        self.threads[i].1.stack.last_mut().map(|s| &mut s.data)
    }

    /// Threads with spans.
    pub fn threads(&self) -> impl Iterator<Item = (&ThreadKey, &ThreadStats)> {
        self.threads.iter().map(|(k, t)| (k, &t.stats))
    }
}

/// What a caller does when a span adopts children of earlier pieces.
pub trait Stitch<T> {
    /// `parent`, from the new piece's left-open chain, adopts `child`, a span
    /// of an earlier piece still waiting for its parent.
    fn adopt(&mut self, parent: &Span<T>, child: &Span<T>);
    /// `parent` has adopted every earlier span it contains (called for each
    /// span of the chain, in order: each contains the previous one).
    fn chain_step(&mut self, _parent: &Span<T>) {}
    /// The chain's last span, which waits for a parent in a later piece.
    fn chain_end(&mut self, _last: &mut Span<T>) {}
}

/// Stitching that needs no hooks.
pub struct NoHooks;

impl<T> Stitch<T> for NoHooks {
    fn adopt(&mut self, _parent: &Span<T>, _child: &Span<T>) {}
}

/// The spans of a whole recording, pieces merged in order.
pub struct Forest<T> {
    threads: Map<ThreadKey, (Vec<Span<T>>, ThreadStats)>,
}

impl<T> Default for Forest<T> {
    fn default() -> Self {
        Forest { threads: Map::default() }
    }
}

impl<T: Copy> Forest<T> {
    /// Merges the next piece. `map` rewrites the piece's payloads (e.g. its
    /// own string ids into the recording's).
    pub fn stitch<U: Copy>(&mut self, piece: Stacks<U>, map: impl Fn(U) -> T, hooks: &mut impl Stitch<T>) {
        let mapped = |s: Span<U>| Span { start: s.start, end: s.end, data: map(s.data) };
        for (key, t) in piece.threads {
            let (pending, stats) = self.threads.entry(key).or_insert_with(|| (Vec::new(), ThreadStats::default()));
            stats.add(&t.stats);
            for lo in t.left_open.into_iter().map(mapped) {
                while let Some(top) = pending.last() {
                    if !lo.contains(top) {
                        break;
                    }
                    // this time was counted in the parent's own self time
                    stats.busy -= top.dur();
                    hooks.adopt(&lo, top);
                    pending.pop();
                }
                hooks.chain_step(&lo);
            }
            let mut residue: Vec<Span<T>> = t.stack.into_iter().map(mapped).collect();
            if let Some(bottom) = residue.first_mut() {
                hooks.chain_end(bottom);
            }
            pending.extend(residue);
        }
    }

    /// Per thread: the spans with no parent (oldest first) and the thread's figures.
    pub fn into_threads(self) -> impl Iterator<Item = (ThreadKey, Vec<Span<T>>, ThreadStats)> {
        self.threads.into_iter().map(|(k, (roots, stats))| (k, roots, stats))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (start, end) spans in completion order on one thread.
    fn spans() -> Vec<(i64, i64)> {
        // a[0,10] holds b[1,3] and c[4,6]; c holds z[6,6]; d[12,20] holds e[12,12]; f[0,30] holds all
        vec![(1, 3), (6, 6), (4, 6), (0, 10), (12, 12), (12, 20), (0, 30)]
    }

    /// Self time of each span, pieces split after `cut` spans each.
    fn self_times(cut: usize) -> (Vec<i64>, i64) {
        #[derive(Default)]
        struct Adopt(Vec<i64>);
        impl Stitch<usize> for Adopt {
            fn adopt(&mut self, parent: &Span<usize>, child: &Span<usize>) {
                self.0[parent.data] -= child.dur();
            }
        }
        let all = spans();
        let mut hooks = Adopt(vec![0; all.len()]);
        let mut forest = Forest::default();
        for (p, piece) in all.chunks(cut).enumerate() {
            let mut stacks = Stacks::default();
            for (i, &(s, e)) in piece.iter().enumerate() {
                let idx = p * cut + i;
                hooks.0[idx] = stacks.close((1, 1), s, e, |_, _| idx);
            }
            forest.stitch(stacks, |d| d, &mut hooks);
        }
        let busy = forest.into_threads().map(|(_, _, s)| s.busy).sum();
        (hooks.0, busy)
    }

    #[test]
    fn every_split_gives_the_sequential_self_times() {
        let whole = self_times(usize::MAX);
        assert_eq!(whole.0, vec![2, 0, 2, 6, 0, 8, 12]);
        assert_eq!(whole.1, 30);
        for cut in 1..spans().len() {
            assert_eq!(self_times(cut), whole, "pieces of {cut}");
        }
    }
}
