//! Profiles as one Chrome trace (Perfetto, chrome://tracing), like
//! measureme's `crox`, with the output path the user's choice.
//!
//! Each profile is a process (its rustc pid) named after its crate; all are
//! placed on one clock by their start times. Queries shorter than
//! `min_dur_ns` are left out. With `collapse_threads`, threads of a profile
//! that never run at the same time share one row.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use fastware_report::output::write_error;
use fastware_report::{Error, OutputFile};

use crate::events::{Payload, PIECE_EVENTS};
use rayon::prelude::*;

use crate::file::{self, Profile};

/// What to write.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChromeOptions {
    pub min_dur_ns: i64,
    pub collapse_threads: bool,
    /// Replace an existing file that fastware did not write.
    pub force: bool,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct ChromeStats {
    pub profiles: usize,
    pub events_in: u64,
    pub events_out: u64,
    pub bytes: u64,
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// Nanoseconds as the format's microseconds, exactly.
fn micros(ns: i64) -> String {
    format!("{}.{:03}", ns / 1000, ns % 1000)
}

/// Threads of `p` mapped to rows: themselves, or with `collapse`, the first
/// row whose threads had all ended before this one started.
fn rows(p: &Profile, collapse: bool) -> Result<HashMap<u32, u32>, Error> {
    let spans = p.par_pieces(PIECE_EVENTS, |range| {
        let mut m: HashMap<u32, (i64, i64)> = HashMap::new();
        for i in range {
            let e = p.decode(i)?;
            if let Payload::Interval { start, end } = e.payload {
                let s = m.entry(e.thread).or_insert((start, end));
                s.0 = s.0.min(start);
                s.1 = s.1.max(end);
            }
        }
        Ok(m)
    })?;
    let mut threads: HashMap<u32, (i64, i64)> = HashMap::new();
    for m in spans {
        for (t, (s, e)) in m {
            let x = threads.entry(t).or_insert((s, e));
            x.0 = x.0.min(s);
            x.1 = x.1.max(e);
        }
    }
    let mut order: Vec<(u32, (i64, i64))> = threads.into_iter().collect();
    order.sort_by_key(|(t, (s, _))| (*s, *t));
    let mut row_end: Vec<i64> = Vec::new();
    let mut out = HashMap::new();
    for (t, (s, e)) in order {
        if !collapse {
            out.insert(t, t);
            continue;
        }
        let row = match row_end.iter().position(|&end| end <= s) {
            Some(r) => r,
            None => {
                row_end.push(i64::MIN);
                row_end.len() - 1
            }
        };
        row_end[row] = e;
        out.insert(t, row as u32);
    }
    Ok(out)
}

/// Writes the profiles in `paths` to `out` as a Chrome trace.
pub fn chrome(paths: &[PathBuf], out: &Path, opts: ChromeOptions) -> Result<ChromeStats, Error> {
    let files = crate::input::resolve(paths)?;
    let mut file = OutputFile::create(out, &files, opts.force)?;
    let name = out.display().to_string();
    // One clock for all: the earliest session start. Profiles are then
    // opened one at a time, so memory holds one profile, not the build.
    let starts = files.par_iter().map(|f| file::open(f).map(|p| p.start_ns)).collect::<Result<Vec<_>, _>>()?;
    let base = starts.iter().copied().min().unwrap_or(0);
    let mut stats = ChromeStats { profiles: files.len(), ..ChromeStats::default() };
    let w = |file: &mut OutputFile, bytes: &[u8]| file.write_all(bytes).map_err(|e| write_error(&name, &e));
    w(&mut file, b"{\"traceEvents\":[\n")?;
    let mut first = true;
    for f in &files {
        let p = &file::open(f)?;
        let offset = (p.start_ns - base) as i64;
        let pid = p.process_id;
        let rows = rows(p, opts.collapse_threads)?;
        let mut meta = format!(
            "{{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":{pid},\"tid\":0,\"args\":{{\"name\":{}}}}}",
            json_str(&p.crate_name)
        );
        let mut row_ids: Vec<u32> = rows.values().copied().collect();
        row_ids.sort_unstable();
        row_ids.dedup();
        for r in row_ids {
            let label = if opts.collapse_threads { format!("threads, row {r}") } else { format!("thread {r}") };
            meta.push_str(&format!(
                ",\n{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":{pid},\"tid\":{r},\"args\":{{\"name\":{}}}}}",
                json_str(&label)
            ));
        }
        if !first {
            w(&mut file, b",\n")?;
        }
        first = false;
        w(&mut file, meta.as_bytes())?;
        stats.events_in += p.num_events() as u64;
        p.pieces_in_order(
            PIECE_EVENTS,
            |range| {
                let mut buf = String::new();
                let mut n = 0u64;
                for i in range {
                    let e = p.decode(i)?;
                    let Payload::Interval { start, end } = e.payload else { continue };
                    if end - start < opts.min_dur_ns {
                        continue;
                    }
                    n += 1;
                    buf.push_str(",\n{\"name\":");
                    buf.push_str(&json_str(&e.label));
                    buf.push_str(",\"cat\":");
                    buf.push_str(&json_str(e.kind.name()));
                    buf.push_str(&format!(
                        ",\"ph\":\"X\",\"ts\":{},\"dur\":{},\"pid\":{pid},\"tid\":{}",
                        micros(offset + start),
                        micros(end - start),
                        rows.get(&e.thread).copied().unwrap_or(e.thread)
                    ));
                    if !e.args.is_empty() {
                        buf.push_str(",\"args\":{");
                        for (k, a) in e.args.iter().enumerate() {
                            if k > 0 {
                                buf.push(',');
                            }
                            buf.push_str(&format!("\"arg{k}\":{}", json_str(a)));
                        }
                        buf.push('}');
                    }
                    buf.push('}');
                }
                Ok((buf, n))
            },
            |(buf, n)| {
                stats.events_out += n;
                w(&mut file, buf.as_bytes())
            },
        )?;
    }
    w(&mut file, b"\n],\"displayTimeUnit\":\"ms\",\"otherData\":{\"generator\":\"fastware self-profile chrome\"}}\n")?;
    stats.bytes = file.commit()?;
    Ok(stats)
}
