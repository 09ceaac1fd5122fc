//! Reads many traces, and large traces in pieces, on all cores.
//!
//! Work is a list of units: whole small files, and byte ranges of large
//! uncompressed files. A range other than the first starts at a *guessed*
//! event boundary (a `{"` after a `,`); the reader of the previous range runs
//! until the first event at or after the range's start, and the boundary is
//! accepted only if that is exactly where the guess landed. A wrong guess (a
//! `,{"` inside a string or nested object) is detected and that range is read
//! again from the true position, so the result never depends on the guess.
//!
//! Units are taken in order by a shared counter and merged in order per file,
//! so only a few unit results wait in memory at any time, whatever the input
//! size.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use fastware_report::Error;
use std::io::ErrorKind;

use crate::input::{Compression, TraceInput};
use crate::reader::{End, EventSink, Outcome, ReadError, Reader};
use crate::TraceError;

/// Size of the pieces a large file is read in.
pub const CHUNK: u64 = 16 << 20;

/// What a consumer of events does with each piece and each file.
pub trait Analysis: Sync {
    /// Collects one piece's events (must be independent of other pieces).
    type Chunk: EventSink + Send;
    /// Accumulates a file's pieces, merged in input order.
    type File: Send;

    fn chunk(&self, input: &TraceInput) -> Self::Chunk;
    fn file(&self, input: &TraceInput) -> Self::File;
    /// True when this piece cannot be merged piecewise (e.g. a `B` event whose
    /// `E` is in another piece); the file is then read again in one piece.
    fn needs_whole_file(&self, _chunk: &Self::Chunk, _first: bool, _last: bool) -> bool {
        false
    }
    fn merge(&self, file: &mut Self::File, chunk: Self::Chunk);
    /// Called once per file after its last piece. `truncated` is set when the
    /// input ended early and the caller allowed it.
    fn finish(&self, input: &TraceInput, file: Self::File, outcome: &FileOutcome) -> Result<(), Error>;
}

/// How reading a whole file ended.
#[derive(Debug, Clone, Copy)]
pub struct FileOutcome {
    pub outcome: Outcome,
    /// Where the input ended, when it ended inside the document.
    pub truncated_at: Option<u64>,
}

/// Reading options.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Keep what was read from a truncated file instead of failing.
    pub allow_truncated: bool,
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// Piece size (tests use small ones).
    pub chunk_size: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options { allow_truncated: false, threads: 0, chunk_size: CHUNK }
    }
}

/// Files that ended early but were kept (with `allow_truncated`).
#[derive(Debug, Clone)]
pub struct Truncation {
    pub path: String,
    pub at: u64,
    pub last_event_end: u64,
}

struct Unit {
    file: usize,
    index: usize,
    /// Raw split offsets: the piece covers events starting in [start, stop).
    start: u64,
    stop: Option<u64>,
    count: usize,
}

struct UnitResult<C> {
    /// Where the piece's first event starts (`None`: no event found after `start`).
    first: Option<u64>,
    result: Result<Outcome, ReadError>,
    chunk: C,
}

struct FileMerge<A: Analysis> {
    next: usize,
    pending: BTreeMap<usize, UnitResult<A::Chunk>>,
    state: Option<A::File>,
    /// End of the last merged piece.
    prev_end: Option<End>,
    finished: bool,
    last_outcome: Option<Outcome>,
}

/// Reads every input, feeding `analysis`. Returns the truncated files that
/// were kept, or the first error.
pub fn run<A: Analysis>(inputs: &[TraceInput], analysis: &A, opts: Options) -> Result<Vec<Truncation>, Error> {
    let units = plan(inputs, opts.chunk_size.max(1));
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(units.len())
    .max(1);
    let merges: Vec<Mutex<FileMerge<A>>> = inputs
        .iter()
        .map(|i| {
            Mutex::new(FileMerge {
                next: 0,
                pending: BTreeMap::new(),
                state: Some(analysis.file(i)),
                prev_end: None,
                finished: false,
                last_outcome: None,
            })
        })
        .collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let errors: Mutex<Vec<(usize, Error)>> = Mutex::new(Vec::new());
    let truncations: Mutex<Vec<Truncation>> = Mutex::new(Vec::new());

    let work = || loop {
        if failed.load(Ordering::Relaxed) {
            return;
        }
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(unit) = units.get(i) else { return };
        let input = &inputs[unit.file];
        let result = read_unit(input, unit, analysis);
        let merged = accept(input, unit, result, &merges[unit.file], analysis, opts, &truncations);
        if let Err(e) = merged {
            failed.store(true, Ordering::Relaxed);
            lock(&errors).push((i, e));
            return;
        }
    };
    rayon::in_place_scope(|s| {
        for _ in 1..threads {
            s.spawn(|_| work());
        }
        work();
    });

    let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    errors.sort_by_key(|(i, _)| *i);
    if let Some((_, e)) = errors.into_iter().next() {
        return Err(e);
    }
    let mut t = truncations.into_inner().unwrap_or_else(|e| e.into_inner());
    t.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(t)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn plan(inputs: &[TraceInput], chunk: u64) -> Vec<Unit> {
    let mut units = Vec::new();
    for (file, input) in inputs.iter().enumerate() {
        let pieces = if input.splittable() && input.size > chunk + chunk / 2 { input.size.div_ceil(chunk) } else { 1 };
        let count = pieces as usize;
        for index in 0..count {
            let start = index as u64 * chunk;
            let stop = (index + 1 < count).then(|| (index as u64 + 1) * chunk);
            units.push(Unit { file, index, start, stop, count });
        }
    }
    units
}

fn read_unit<A: Analysis>(input: &TraceInput, unit: &Unit, analysis: &A) -> UnitResult<A::Chunk> {
    let mut chunk = analysis.chunk(input);
    if unit.index == 0 {
        let result = read_from(input, 0, unit.stop, &mut chunk);
        return UnitResult { first: Some(0), result, chunk };
    }
    let first = match find_boundary(input, unit.start) {
        Ok(f) => f,
        Err(e) => return UnitResult { first: None, result: Err(ReadError::Io(e)), chunk },
    };
    let Some(first) = first else {
        let outcome = Outcome { end: End::Finished, last_event_end: unit.start, beginning_of_time: None, layout: None };
        return UnitResult { first: None, result: Ok(outcome), chunk };
    };
    let result = read_from(input, first, unit.stop, &mut chunk);
    UnitResult { first: Some(first), result, chunk }
}

/// Reads `input` from `at` (0: the document's start, else an event in its
/// array) until an event would start at `stop`.
fn read_from(input: &TraceInput, at: u64, stop: Option<u64>, sink: &mut impl EventSink) -> Result<Outcome, ReadError> {
    let io = |e: Error| ReadError::Io(std::io::Error::other(e.to_string()));
    if let Some(bytes) = mapped(input, at).map_err(io)? {
        return Reader::mapped(&bytes, at).run(stop, sink);
    }
    if at == 0 {
        Reader::document(input.open().map_err(io)?).run(stop, sink)
    } else {
        Reader::chunk(input.open_at(at).map_err(io)?, at).run(stop, sink)
    }
}

/// An uncompressed file from `at` to its end, mapped: parsed where the page
/// cache holds it instead of copied into a read buffer first (the copy was
/// a sixth of the CPU time of `trace` on a 1.9 GB file). The map lives only
/// while its piece is read, so the pages it touched stop counting in the
/// memory in use when the piece is done. `None`: read it instead.
fn mapped(input: &TraceInput, at: u64) -> Result<Option<fastware_report::input::Bytes>, Error> {
    match &input.path {
        Some(path) if input.splittable() => fastware_report::input::map_from(path, at),
        _ => Ok(None),
    }
}

/// The first offset at or after `from` that looks like the start of an event
/// in the event array: a `{` after a `,` and before a `"` (whitespace allowed).
fn find_boundary(input: &TraceInput, from: u64) -> std::io::Result<Option<u64>> {
    let mut f = input.open_at(from).map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut window = vec![0u8; 1 << 16];
    let mut base = from;
    // bytes carried over from the previous window, to see across its edge
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let n = f.read(&mut window)?;
        if n == 0 {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut carry);
        let carried = buf.len() as u64;
        buf.extend_from_slice(&window[..n]);
        let buf_base = base - carried;
        let mut at = 0;
        while let Some(off) = memchr::memchr(b'{', &buf[at..]) {
            let i = at + off;
            let before = buf[..i].iter().rev().find(|b| !b.is_ascii_whitespace());
            let after = buf[i + 1..].iter().find(|b| !b.is_ascii_whitespace());
            if before == Some(&b',') && after == Some(&b'"') && buf_base + (i as u64) >= from {
                return Ok(Some(buf_base + i as u64));
            }
            at = i + 1;
        }
        base += n as u64;
        let keep = buf.len().min(256);
        carry = buf[buf.len() - keep..].to_vec();
    }
}

/// Verifies a finished unit's boundary and merges every unit that is now next in order.
fn accept<A: Analysis>(
    input: &TraceInput,
    unit: &Unit,
    result: UnitResult<A::Chunk>,
    merge: &Mutex<FileMerge<A>>,
    analysis: &A,
    opts: Options,
    truncations: &Mutex<Vec<Truncation>>,
) -> Result<(), Error> {
    let mut m = lock(merge);
    m.pending.insert(unit.index, result);
    while let Some(r) = {
        let idx = m.next;
        m.pending.remove(&idx)
    } {
        let index = m.next;
        m.next += 1;
        if m.finished {
            continue; // the event array ended in an earlier piece
        }
        let last = index + 1 == unit.count;
        let stop = (!last).then(|| (index as u64 + 1) * opts.chunk_size.max(1));
        let r = if index == 0 { r } else { verified(input, r, m.prev_end, stop, analysis) };
        let whole = unit.count > 1 && analysis.needs_whole_file(&r.chunk, index == 0, last);
        if whole {
            drop(m);
            return read_whole(input, merge, analysis, opts, truncations);
        }
        let (outcome, truncated_at) = settle(input, r.result, opts)?;
        let Some(state) = m.state.as_mut() else {
            continue;
        };
        analysis.merge(state, r.chunk);
        m.prev_end = Some(outcome.end);
        m.last_outcome = Some(outcome);
        let done = !matches!(outcome.end, End::StopAt(_));
        if done || last {
            m.finished = true;
            let state = m.state.take().expect("file state present until finished");
            drop(m);
            return finish(input, state, outcome, truncated_at, analysis, truncations);
        }
    }
    Ok(())
}

/// Checks that a piece started where the previous one stopped; reads it again
/// from the true position if not.
fn verified<A: Analysis>(
    input: &TraceInput,
    r: UnitResult<A::Chunk>,
    prev_end: Option<End>,
    stop: Option<u64>,
    analysis: &A,
) -> UnitResult<A::Chunk> {
    match prev_end {
        Some(End::StopAt(at)) if r.first == Some(at) => r,
        Some(End::StopAt(at)) => {
            let mut chunk = analysis.chunk(input);
            let result = read_from(input, at, stop, &mut chunk);
            UnitResult { first: Some(at), result, chunk }
        }
        // The previous piece ended the document: this one has nothing to add.
        _ => UnitResult {
            first: None,
            result: Ok(Outcome { end: End::Finished, last_event_end: 0, beginning_of_time: None, layout: None }),
            chunk: analysis.chunk(input),
        },
    }
}

/// A read's outcome, and where the input ended when it was truncated and
/// that is allowed.
fn settle(
    input: &TraceInput,
    result: Result<Outcome, ReadError>,
    opts: Options,
) -> Result<(Outcome, Option<u64>), Error> {
    match result {
        Ok(o) => Ok((o, None)),
        Err(ReadError::Truncated { at, outcome }) if opts.allow_truncated => Ok((outcome, Some(at))),
        Err(e) => Err(read_error(input, e)),
    }
}

/// Reads a file in one piece, replacing whatever was merged of it.
fn read_whole<A: Analysis>(
    input: &TraceInput,
    merge: &Mutex<FileMerge<A>>,
    analysis: &A,
    opts: Options,
    truncations: &Mutex<Vec<Truncation>>,
) -> Result<(), Error> {
    let mut m = lock(merge);
    if m.state.is_none() {
        return Ok(()); // another thread already did
    }
    m.finished = true;
    m.state = None;
    drop(m);
    let mut chunk = analysis.chunk(input);
    let result = match input.open() {
        Ok(src) => Reader::document(src).run(None, &mut chunk),
        Err(e) => return Err(e),
    };
    let (outcome, truncated_at) = settle(input, result, opts)?;
    let mut state = analysis.file(input);
    analysis.merge(&mut state, chunk);
    finish(input, state, outcome, truncated_at, analysis, truncations)
}

fn finish<A: Analysis>(
    input: &TraceInput,
    state: A::File,
    outcome: Outcome,
    truncated_at: Option<u64>,
    analysis: &A,
    truncations: &Mutex<Vec<Truncation>>,
) -> Result<(), Error> {
    if let Some(at) = truncated_at {
        lock(truncations).push(Truncation { path: input.display(), at, last_event_end: outcome.last_event_end });
    }
    analysis.finish(input, state, &FileOutcome { outcome, truncated_at })
}

/// Turns a reader error into what is wrong with the input ([`TraceError`]),
/// at its file and byte.
pub fn read_error(input: &TraceInput, e: ReadError) -> Error {
    let path = input.display();
    let (e, at) = match e {
        ReadError::Io(e) => match input.compression {
            // a decoder's error means the compressed data is bad, not the machine
            Compression::Gzip | Compression::Zstd
                if !matches!(e.kind(), ErrorKind::NotFound | ErrorKind::PermissionDenied) =>
            {
                let format = if input.compression == Compression::Gzip { "gzip" } else { "zstd" };
                let why = fastware_report::error::io_message(&e);
                (TraceError::Compressed { format, why }, None)
            }
            _ => return Error::io(&path, &e),
        },
        ReadError::Empty => (TraceError::Empty, None),
        ReadError::NotJson(first, at) => (TraceError::NotJson { first }, Some(at)),
        ReadError::Syntax(
            what @ ("no traceEvents array" | "array element is not an event object" | "traceEvents is not an array"),
            at,
        ) => (TraceError::NotChromeTrace { what }, Some(at)),
        ReadError::Syntax(what, at) => (TraceError::Syntax { what }, Some(at)),
        ReadError::Truncated { at, outcome } => {
            (TraceError::Truncated { last_event_end: outcome.last_event_end }, Some(at))
        }
        ReadError::TooLarge(at) => (TraceError::TooLarge, Some(at)),
    };
    Error::from(e).at(&path).at_byte(at)
}
