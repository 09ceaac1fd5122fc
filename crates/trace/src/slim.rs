//! Writes a smaller trace that viewers can open: metadata kept, events
//! shorter than a threshold dropped.
//!
//! Kept events are copied byte for byte (so the output's events are a subset
//! of the input's), except that `--demangle` replaces mangled symbols in
//! `args.detail`. `B`/`E` pairs are kept or dropped together. The output is
//! written to a temporary file next to the target and renamed into place
//! only when complete, so an error or interruption never leaves half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use fastware_report::output::write_error;
use fastware_report::OutputFile;
use std::sync::Mutex;

use crate::event::Event;
use crate::input::{self, TraceInput};
use crate::llvm::subject;
use crate::parallel::{self, Analysis, FileOutcome, Options, Truncation};
use crate::reader::EventSink;
use fastware_report::Error;

/// What to keep.
#[derive(Debug, Clone, Default)]
pub struct SlimOptions {
    /// Drop complete events (and `B`/`E` pairs) shorter than this (ns).
    pub min_dur_ns: i64,
    /// Event names kept whatever their duration.
    pub keep: Vec<String>,
    /// Replace mangled symbols in `args.detail` by their demangled names.
    pub demangle: bool,
    pub read: Options,
    /// Replace an existing file that fastware did not write.
    pub force: bool,
}

/// What slimming did.
#[derive(Debug, Clone, Default)]
pub struct SlimStats {
    pub files: usize,
    pub events_in: u64,
    pub events_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub truncated: Vec<Truncation>,
}

struct Piece<'o> {
    opts: &'o SlimOptions,
    out: Vec<u8>,
    events_in: u64,
    events_out: u64,
    /// Open `B` events: (ts, raw text).
    begun: Vec<((u64, u64), i64, Vec<u8>)>,
    orphan_end: bool,
}

impl Piece<'_> {
    fn push(&mut self, raw: &[u8]) {
        if !self.out.is_empty() {
            self.out.extend_from_slice(b",\n");
        }
        self.out.extend_from_slice(raw);
        self.events_out += 1;
    }

    fn kept_by_name(&self, ev: &Event<'_>) -> bool {
        let name = ev.name_raw();
        self.opts.keep.iter().any(|k| k.as_bytes() == name)
    }

    /// The event's text, with its symbol demangled when asked.
    fn text<'r>(&self, ev: &Event<'_>, raw: &'r [u8]) -> std::borrow::Cow<'r, [u8]> {
        use std::borrow::Cow;
        if !self.opts.demangle {
            return Cow::Borrowed(raw);
        }
        let Some(detail) = ev.detail.filter(|d| !d.escaped) else {
            return Cow::Borrowed(raw);
        };
        let Some(sym) = subject(ev.name_raw(), detail.raw) else {
            return Cow::Borrowed(raw);
        };
        let Ok(sym_text) = std::str::from_utf8(sym) else {
            return Cow::Borrowed(raw);
        };
        let demangled = fastware_symbols::demangle(sym_text);
        if demangled == sym_text {
            return Cow::Borrowed(raw);
        }
        // `sym` lies inside `raw` (both borrow the same input buffer).
        let start = sym.as_ptr() as usize - raw.as_ptr() as usize;
        let mut out = Vec::with_capacity(raw.len() + demangled.len());
        out.extend_from_slice(&raw[..start]);
        out.extend_from_slice(json_escape(&demangled).as_bytes());
        out.extend_from_slice(&raw[start + sym.len()..]);
        Cow::Owned(out)
    }
}

/// `s` escaped for use inside a JSON string.
fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    let inner = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"'));
    inner.unwrap_or_default().to_string()
}

impl EventSink for Piece<'_> {
    fn event(&mut self, ev: &Event<'_>, raw: &[u8], _offset: u64) {
        self.events_in += 1;
        match ev.ph {
            b'B' => {
                let text = self.text(ev, raw).into_owned();
                self.begun.push(((ev.pid, ev.tid), ev.ts.unwrap_or(0), text));
            }
            b'E' => {
                let key = (ev.pid, ev.tid);
                match self.begun.iter().rposition(|(k, ..)| *k == key) {
                    Some(i) => {
                        let (_, start, begin) = self.begun.remove(i);
                        if ev.ts.unwrap_or(0) - start >= self.opts.min_dur_ns || self.kept_by_name(ev) {
                            self.push(&begin);
                            self.push(raw);
                        }
                    }
                    None => self.orphan_end = true,
                }
            }
            b'X' => {
                if ev.dur.unwrap_or(0) >= self.opts.min_dur_ns || self.kept_by_name(ev) {
                    let text = self.text(ev, raw);
                    self.push(&text);
                }
            }
            // metadata, counters, instants …: kept
            _ => {
                let text = self.text(ev, raw);
                self.push(&text);
            }
        }
    }
}

struct Output {
    writer: OutputFile,
    wrote_any: bool,
    stats: SlimStats,
    error: Option<std::io::Error>,
}

struct Slim<'o> {
    opts: &'o SlimOptions,
    out: Mutex<Output>,
}

impl<'o> Analysis for Slim<'o> {
    type Chunk = Piece<'o>;
    type File = ();

    fn chunk(&self, _input: &TraceInput) -> Piece<'o> {
        Piece { opts: self.opts, out: Vec::new(), events_in: 0, events_out: 0, begun: Vec::new(), orphan_end: false }
    }

    fn file(&self, _input: &TraceInput) {}

    fn needs_whole_file(&self, chunk: &Piece<'o>, first: bool, last: bool) -> bool {
        (!last && !chunk.begun.is_empty()) || (!first && chunk.orphan_end)
    }

    fn merge(&self, _file: &mut (), chunk: Piece<'o>) {
        let mut o = self.out.lock().unwrap_or_else(|e| e.into_inner());
        o.stats.events_in += chunk.events_in;
        o.stats.events_out += chunk.events_out;
        if chunk.out.is_empty() || o.error.is_some() {
            return;
        }
        let sep: &[u8] = if o.wrote_any { b",\n" } else { b"" };
        let r = o.writer.write_all(sep).and_then(|_| o.writer.write_all(&chunk.out));
        o.stats.bytes_out += (sep.len() + chunk.out.len()) as u64;
        o.wrote_any = true;
        if let Err(e) = r {
            o.error = Some(e);
        }
    }

    fn finish(&self, input: &TraceInput, _file: (), _outcome: &FileOutcome) -> Result<(), Error> {
        let mut o = self.out.lock().unwrap_or_else(|e| e.into_inner());
        o.stats.files += 1;
        o.stats.bytes_in += input.size;
        Ok(())
    }
}

/// Slims `paths` into `out`.
pub fn slim(paths: &[PathBuf], out: &Path, opts: &SlimOptions) -> Result<SlimStats, Error> {
    let inputs = input::resolve(paths)?;
    let out_name = out.display().to_string();
    let input_paths: Vec<PathBuf> = inputs.iter().filter_map(|i| i.path.clone()).collect();
    let mut file = OutputFile::create(out, &input_paths, opts.force)?;
    file.write_all(b"{\"traceEvents\":[\n").map_err(|e| write_error(&out_name, &e))?;
    let slim = Slim {
        opts,
        out: Mutex::new(Output { writer: file, wrote_any: false, stats: SlimStats::default(), error: None }),
    };
    let truncated = parallel::run(&inputs, &slim, opts.read)?;
    let o = slim.out.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(e) = o.error {
        return Err(write_error(&out_name, &e));
    }
    let (mut file, mut stats) = (o.writer, o.stats);
    file.write_all(b"\n],\"otherData\":{\"generator\":\"fastware trace slim\"}}\n")
        .map_err(|e| write_error(&out_name, &e))?;
    stats.bytes_out = file.commit()?;
    stats.truncated = truncated;
    Ok(stats)
}
