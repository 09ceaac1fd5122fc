//! `valgrind --tool=callgrind`, and reading the `callgrind.out` it writes.
//!
//! The format (valgrind's "Callgrind Format Specification"): a header
//! (`events:` names the cost columns, `positions:` says whether lines start
//! with an instruction address, a line, or both), then cost lines under
//! `ob=`/`fl=`/`fi=`/`fe=`/`fn=` context lines, names compressed as `(id)
//! name` once and `(id)` after, positions compressed relative to the line
//! before (`+3`, `-2`, `*`). A `calls=COUNT TARGET` line makes the next cost
//! line the inclusive cost of a call to the function named by `cfn=`. Files
//! of several parts (threads, dumps) are summed.
//!
//! callgrind names the deeper levels of a recursion apart (`fib'2`, with
//! its default `--separate-recs=2`); here they are one function again. A
//! function's total is what `callgrind_annotate --inclusive=yes` gives for
//! its outermost level: the cost of the calls to it from other functions
//! (a recursive call is inside its caller's cost, so it is not counted
//! twice); for one never called (a thread's root), its own cost and that
//! of the calls it makes.

use crate::ProfileError;
use std::collections::{BTreeMap, HashMap};

/// A hash map with a fast hasher: ids and names are not attacker-chosen keys
/// worth SipHash's cost (it was 4% of a read).
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::io::BufRead;
use std::path::Path;
use std::process::Command;

use fastware_report::Error;

use crate::model::{Function, Meta, Profile};

/// The valgrind command for `program args`, writing `output`.
pub fn record_command(valgrind: &Path, output: &Path, log: &Path, program: &Path, args: &[String]) -> Command {
    let mut cmd = Command::new(valgrind);
    cmd.arg("--tool=callgrind").arg("--dump-instr=yes").arg(format!("--callgrind-out-file={}", output.display()));
    // valgrind's own messages (its banner, its summary) in a file, not on the terminal
    cmd.arg(format!("--log-file={}", log.display()));
    cmd.arg(program).args(args);
    cmd
}

/// Names by compressed id, per kind (`ob`, `fl` for all file kinds, `fn`).
#[derive(Default)]
struct Names {
    map: Map<(u8, u64), String>,
    /// A piece read apart from the rest of the file: every name defined in
    /// the file, with the byte of its definition (see [`definitions`]).
    file: Option<std::sync::Arc<Definitions>>,
}

impl Names {
    /// `(id) name`, `(id)`, or a bare `name`, on the line at byte `at`.
    fn resolve(&mut self, kind: u8, text: &str, at: usize) -> Result<String, String> {
        let t = text.trim();
        let Some(rest) = t.strip_prefix('(') else { return Ok(t.to_string()) };
        let close = rest.find(')').ok_or("an unclosed name id")?;
        let id: u64 = rest[..close].parse().map_err(|_| "a name id that is not a number")?;
        let name = rest[close + 1..].trim();
        if !name.is_empty() {
            self.map.insert((kind, id), name.to_string());
            return Ok(name.to_string());
        }
        if let Some(known) = self.map.get(&(kind, id)) {
            return Ok(known.clone());
        }
        match self.file.as_ref().and_then(|f| f.get(&(kind, id))) {
            Some((defined, name)) if *defined < at => Ok(name.clone()),
            _ => Err(format!("name id ({id}) used before it is defined")),
        }
    }
}

/// Every name a file defines, by kind and id, with the byte of its line.
type Definitions = Map<(u8, u64), (usize, String)>;

/// The kind of name a context line's key gives (`None`: not a name).
fn name_kind(key: &[u8]) -> Option<u8> {
    match key {
        b"ob" | b"cob" => Some(0),
        b"fl" | b"fi" | b"fe" | b"cfi" | b"cfl" | b"jfi" => Some(1),
        b"fn" | b"cfn" | b"jfn" => Some(2),
        _ => None,
    }
}
/// One position column: an address (hex) or a line (decimal), absolute or
/// relative to the last line's.
fn position(token: &[u8], last: &mut u64) -> Result<u64, String> {
    let v = match token {
        b"*" => *last,
        [b'+', d @ ..] => last.checked_add(number(d)?).ok_or("a position that overflows")?,
        [b'-', d @ ..] => last.checked_sub(number(d)?).ok_or("a position below zero")?,
        _ => number(token)?,
    };
    *last = v;
    Ok(v)
}

/// A decimal or `0x` hexadecimal number, from bytes (`str::parse` needs
/// UTF-8 checked text first; cost lines are most of a file).
fn number(t: &[u8]) -> Result<u64, String> {
    let bad = || format!("`{}` is not a number", String::from_utf8_lossy(t));
    let (digits, radix) = match t {
        [b'0', b'x', h @ ..] => (h, 16),
        _ => (t, 10),
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let mut v: u64 = 0;
    for &c in digits {
        let d = (c as char).to_digit(radix).ok_or_else(bad)?;
        v = v.checked_mul(radix as u64).and_then(|v| v.checked_add(d as u64)).ok_or_else(bad)?;
    }
    Ok(v)
}

/// What a cost line is about.
#[derive(Default)]
struct Context {
    object: String,
    function: Option<u32>,
    /// After `calls=`: the callee, whose cost the next cost line is.
    call_to: Option<u32>,
    /// After `calls=`: how many calls the next cost line is of.
    call_count: u64,
    callee: Option<String>,
    callee_object: Option<String>,
}

/// Reads `path`, a `callgrind.out` file (`event`: the cost column to use;
/// `None` for the first, normally `Ir`).
pub fn read(path: &Path, event: Option<&str>) -> Result<Profile, Error> {
    let shown = path.display().to_string();
    // mapped: lines are found with memchr in place, not copied out one by one
    let data = fastware_report::input::map(path)?;
    let pieces = rayon::current_num_threads() * 2;
    let part = match (data.len() >= PIECES_FROM && pieces >= 4).then(|| in_pieces(&data, event, &shown, pieces)) {
        Some(Some(part)) => part,
        _ => {
            let mut part = Part::default();
            part.run(&data, 0, data.len(), event, &shown)?;
            part
        }
    };
    part.finish(&shown)
}

/// The header's settings every cost line is read with.
#[derive(Clone, Default)]
struct Layout {
    positions: Vec<bool>, // true: an address column
    events: Vec<String>,
    column: usize,
    seen_header: bool,
}

/// What a stretch of a callgrind.out adds up to: the whole file, or one
/// piece of it read on its own core.
#[derive(Default)]
struct Part {
    names: Names,
    layout: Layout,
    last_pos: Vec<u64>,
    ctx: Context,
    functions: Vec<Function>,
    // object → name → id: looked up by &str, with no key built per `fn=` line
    ids: Map<String, Map<String, u32>>,
    self_cost: Vec<u64>,
    edges: BTreeMap<(u32, u32), u64>,
    called: Map<u32, u64>,
    calls_from: Vec<u64>,
    // per function, (address, cost) as the cost lines come: summed per
    // address once at the end (a map insert per cost line was most of the
    // read time on a 58 MB file)
    addresses_raw: Vec<Vec<(u64, u64)>>,
    calls_at_raw: Vec<Vec<(u64, u64)>>,
    /// The per-address lists of the parts appended to this one, summed
    /// with its own at the end (not copied into them one part at a time).
    later: Vec<LaterLists>,
    call_counts: BTreeMap<(u32, u64, u32), u64>,
    command: Option<String>,
    threads: Vec<String>,
    any_cost: bool,
    summary_sum: Option<u64>,
    totals_sum: Option<u64>,
    cut_at: Option<u64>,
    /// Where the `events:`, `positions:` and `part:` lines were.
    layout_lines: Vec<usize>,
}

impl Part {
    /// The id of function `name` of `object` in this part.
    fn function_id(&mut self, object: &str, name: &str) -> u32 {
        self.id_of(object, without_recursion_level(name))
    }

    /// The id of the function named `name` (its recursion level taken off).
    fn id_of(&mut self, object: &str, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(object).and_then(|m| m.get(name)) {
            return id;
        }
        let id = self.functions.len() as u32;
        let module = (!object.is_empty()).then(|| object.to_string());
        self.functions.push(Function { name: name.to_string(), raw: None, inlined: false, module });
        self.self_cost.push(0);
        self.calls_from.push(0);
        self.ids.entry(object.to_string()).or_default().insert(name.to_string(), id);
        id
    }

    /// Reads the lines that start in `data[from..to]`.
    fn run(&mut self, data: &[u8], from: usize, to: usize, event: Option<&str>, shown: &str) -> Result<(), Error> {
        // errors name the byte where their line starts
        let err = |byte: u64, what: String| {
            Error::from(ProfileError::CallgrindDamaged { what }).at(shown).at_byte(Some(byte))
        };
        if self.layout.positions.is_empty() {
            self.layout.positions = vec![false];
        }
        if self.last_pos.len() != self.layout.positions.len() {
            self.last_pos = vec![0; self.layout.positions.len()];
        }
        // the byte where the line starts
        let mut at = from;
        while at < to {
            let n = at as u64;
            let Some(end) = memchr::memchr(b'\n', &data[at..]) else {
                // callgrind ends every line: a last line without its end is a
                // file cut short, judged by its totals below
                self.cut_at = Some(n);
                break;
            };
            let mut buf = &data[at..at + end];
            let line_at = at;
            at += end + 1;
            if let [rest @ .., b'\r'] = buf {
                buf = rest;
            }
            let Some(&first) = buf.first() else { continue };
            if first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'*') {
                // a cost line: positions, then costs. Most of a file is cost
                // lines: they are read as bytes, without the UTF-8 check and
                // the string splitting the other lines get (this loop is the
                // read's time)
                if self.layout.events.is_empty() {
                    return Err(err(n, "a cost line before the `events:` line".into()));
                }
                let mut tokens = buf.split(|b| *b == b' ' || *b == b'\t').filter(|t| !t.is_empty());
                let mut address = None;
                for (k, &is_addr) in self.layout.positions.iter().enumerate() {
                    let Some(t) = tokens.next() else {
                        return Err(err(n, "a cost line without its positions".into()));
                    };
                    let v = position(t, &mut self.last_pos[k]).map_err(|m| err(n, m))?;
                    if is_addr {
                        address = Some(v);
                    }
                }
                let mut cost = 0u64;
                for (k, t) in tokens.enumerate() {
                    let v = number(t).map_err(|m| err(n, m))?;
                    if k == self.layout.column {
                        cost = v;
                    }
                }
                let Some(f) = self.ctx.function else {
                    return Err(err(n, "a cost line outside any function (no fn=)".into()));
                };
                self.any_cost = true;
                match self.ctx.call_to.take() {
                    // a recursive call: its cost is already inside the outer call's
                    Some(callee) if callee == f => {}
                    Some(callee) => {
                        *self.call_counts.entry((f, address.unwrap_or(0), callee)).or_default() += self.ctx.call_count;
                        *self.edges.entry((f, callee)).or_default() += cost;
                        *self.called.entry(callee).or_default() += cost;
                        self.calls_from[f as usize] += cost;
                        if let Some(a) = address {
                            raw_at(&mut self.calls_at_raw, f).push((a, cost));
                        }
                    }
                    None => {
                        self.self_cost[f as usize] += cost;
                        if let Some(a) = address {
                            raw_at(&mut self.addresses_raw, f).push((a, cost));
                        }
                    }
                }
                continue;
            }
            if first == b'#' {
                continue;
            }
            let line = String::from_utf8_lossy(buf);
            let line = line.as_ref();
            let Some((key, value)) = line.split_once(['=', ':']) else {
                return Err(err(n, format!("a line that is neither a cost nor a `key=value`: `{}`", cut(line))));
            };
            let value = value.trim();
            let mut resolve = |kind: u8| self.names.resolve(kind, value, line_at).map_err(|m| err(n, m));
            match key {
                "version" => {
                    self.layout.seen_header = true;
                    if value.split('.').next() != Some("1") {
                        return Err(err(n, format!("format version {value}: fastware reads version 1")));
                    }
                }
                "summary" | "totals" => {
                    self.layout.seen_header = true;
                    let v = value
                        .split_ascii_whitespace()
                        .nth(self.layout.column)
                        .and_then(|c| number(c.as_bytes()).ok())
                        .unwrap_or(0);
                    let sum = if key == "summary" { &mut self.summary_sum } else { &mut self.totals_sum };
                    *sum = Some(sum.unwrap_or(0) + v);
                }
                "creator" | "pid" | "desc" | "event" => self.layout.seen_header = true,
                "cmd" => self.command = Some(value.to_string()),
                "thread" => self.threads.push(format!("thread {value}")),
                "part" => self.layout_lines.push(line_at),
                "positions" => {
                    self.layout_lines.push(line_at);
                    self.layout.positions =
                        value.split_ascii_whitespace().map(|p| p == "instr" || p == "addr").collect();
                    if self.layout.positions.is_empty() {
                        self.layout.positions = vec![false];
                    }
                    self.last_pos = vec![0; self.layout.positions.len()];
                }
                "events" => {
                    self.layout_lines.push(line_at);
                    self.layout.seen_header = true;
                    let events: Vec<String> = value.split_ascii_whitespace().map(str::to_string).collect();
                    self.layout.column = match event {
                        Some(e) => events.iter().position(|x| x == e).ok_or_else(|| {
                            Error::from(ProfileError::NoEvent { event: e.to_string(), events: events.clone() })
                        })?,
                        None => 0,
                    };
                    self.layout.events = events;
                }
                "ob" => self.ctx.object = resolve(0)?,
                "fl" | "fi" | "fe" | "cfi" | "cfl" | "jfi" => {
                    resolve(1)?;
                }
                "cob" => self.ctx.callee_object = Some(resolve(0)?),
                "fn" => {
                    let name = resolve(2)?;
                    let object = std::mem::take(&mut self.ctx.object);
                    self.ctx.function = Some(self.function_id(&object, &name));
                    self.ctx.object = object;
                    self.ctx.callee_object = None;
                }
                "cfn" => self.ctx.callee = Some(resolve(2)?),
                "jfn" => {
                    resolve(2)?;
                }
                "calls" => {
                    let callee =
                        self.ctx.callee.take().ok_or_else(|| err(n, "calls= without a cfn= before it".into()))?;
                    let object = self.ctx.callee_object.take().unwrap_or_else(|| self.ctx.object.clone());
                    self.ctx.call_to = Some(self.function_id(&object, &callee));
                    // the call's own positions (count, target) are not costs
                    self.ctx.call_count =
                        value.split_ascii_whitespace().next().and_then(|c| number(c.as_bytes()).ok()).unwrap_or(0);
                }
                "jump" | "jcnd" => {}
                _ if !self.layout.seen_header => {
                    return Err(Error::from(ProfileError::NotCallgrind).at(shown).at_byte(Some(n)))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Adds `other`, the part of the file that follows this one.
    fn append(&mut self, other: Part) {
        let remap: Vec<u32> =
            other.functions.into_iter().map(|f| self.id_of(f.module.as_deref().unwrap_or(""), &f.name)).collect();
        for (f, c) in other.self_cost.into_iter().enumerate() {
            self.self_cost[remap[f] as usize] += c;
        }
        for (f, c) in other.calls_from.into_iter().enumerate() {
            self.calls_from[remap[f] as usize] += c;
        }
        for (f, c) in other.called {
            *self.called.entry(remap[f as usize]).or_default() += c;
        }
        for ((f, g), c) in other.edges {
            *self.edges.entry((remap[f as usize], remap[g as usize])).or_default() += c;
        }
        for ((f, a, g), c) in other.call_counts {
            *self.call_counts.entry((remap[f as usize], a, remap[g as usize])).or_default() += c;
        }
        // (the lists appended to `other` give their ids in `other`'s: mapped on into this one's)
        self.later.extend(
            other
                .later
                .into_iter()
                .map(|l| LaterLists { remap: l.remap.iter().map(|&f| remap[f as usize]).collect(), ..l }),
        );
        self.later.push(LaterLists { remap, addresses: other.addresses_raw, calls_at: other.calls_at_raw });
        self.command = self.command.take().or(other.command);
        self.threads.extend(other.threads);
        self.any_cost |= other.any_cost;
        for (sum, more) in [(&mut self.summary_sum, other.summary_sum), (&mut self.totals_sum, other.totals_sum)] {
            if let Some(v) = more {
                *sum = Some(sum.unwrap_or(0) + v);
            }
        }
        self.cut_at = other.cut_at;
    }

    /// The profile the whole file's part gives, after the checks of a whole file.
    fn finish(self, shown: &str) -> Result<Profile, Error> {
        let Part { layout, functions, self_cost, edges, called, calls_from, call_counts, .. } = self;
        if layout.events.is_empty() {
            return Err(Error::from(ProfileError::CallgrindNoEvents).at(shown));
        }
        if !self.any_cost {
            return Err(Error::from(ProfileError::CallgrindNoCosts).at(shown));
        }
        let mut meta = Meta {
            tool: "callgrind".into(),
            unit: "instructions".into(),
            unwinding: "exact (callgrind)".into(),
            file: shown.to_string(),
            command: self.command,
            threads: self.threads,
            event: layout.events.get(layout.column).cloned().unwrap_or_default(),
            ..Meta::default()
        };
        let total_cost: Vec<u64> = (0..functions.len())
            .map(|f| match called.get(&(f as u32)) {
                Some(&c) => c,
                None => self_cost[f] + calls_from[f],
            })
            .collect();
        // the binary: the object with the most self cost
        let mut object_cost: HashMap<&str, u64> = HashMap::new();
        for (f, c) in functions.iter().zip(&self_cost) {
            *object_cost.entry(f.module.as_deref().unwrap_or("")).or_default() += c;
        }
        let objects: Vec<(&str, u64)> = object_cost.into_iter().collect();
        meta.binary = crate::model::main_object(&objects, meta.command.as_deref()).map(str::to_string);
        let (addresses, calls_at) = rayon::join(
            || summed(self.addresses_raw, self.later.iter().map(|l| (&l.remap, &l.addresses))),
            || summed(self.calls_at_raw, self.later.iter().map(|l| (&l.remap, &l.calls_at))),
        );
        let total: u64 = self_cost.iter().sum();
        if let (Some(line), None, None) = (self.cut_at, self.totals_sum, self.summary_sum) {
            return Err(Error::from(ProfileError::CutInsideLine).at(shown).at_byte(Some(line)));
        }
        // a cut file (`head -c`, a full disk) holds part of the costs: its
        // `totals:` line is missing and the header's `summary:` says how much
        // there was (the two can differ by an instruction or two)
        if let Some(expected) = self.totals_sum.or(self.summary_sum) {
            let off = total.abs_diff(expected);
            if off > 2 && off as f64 > expected as f64 * 1e-6 {
                let what =
                    if self.totals_sum.is_some() { "`totals:` line" } else { "`summary:` line (and no `totals:`)" };
                let e = ProfileError::CostsDisagree {
                    added: total,
                    expected,
                    event: meta.event.clone(),
                    said_by: what.to_string(),
                };
                return Err(Error::from(e).at(shown));
            }
        }
        Ok(Profile {
            meta,
            functions,
            self_cost,
            total_cost,
            edges,
            addresses,
            calls_at,
            call_counts,
            stacks: None,
            off_cpu: None,
            total,
        })
    }
}

/// A later part's lists of (address, cost) per function, and the ids its
/// functions have in the part it was appended to.
struct LaterLists {
    remap: Vec<u32>,
    addresses: Vec<Vec<(u64, u64)>>,
    calls_at: Vec<Vec<(u64, u64)>>,
}

/// Below this size a file is read in one piece.
const PIECES_FROM: usize = 4 << 20;

/// Reads a large file in pieces on all cores, each piece starting at a
/// `fn=` line whose first cost line gives its positions in full (valgrind
/// writes every function's first line so: relative positions do not cross
/// it), with every name the file defines found first (a piece uses ids
/// defined in the pieces before it) and the last `ob=` before it. The cost
/// lines are most of the read and independent of each other from there.
/// `None` when the file holds several parts or any piece fails: it is then
/// read in one piece, which also gives the exact error.
fn in_pieces(data: &[u8], event: Option<&str>, shown: &str, pieces: usize) -> Option<Part> {
    use rayon::prelude::*;
    let first_fn = memchr::memmem::find(data, b"\nfn=")? + 1;
    let file = std::sync::Arc::new(definitions(data)?);
    let mut starts = vec![0usize];
    for k in 1..pieces {
        let from = (data.len() / pieces * k).max(*starts.last()? + 1);
        if let Some(s) = piece_start(data, from) {
            if s > *starts.last()? {
                starts.push(s);
            }
        }
    }
    starts.dedup();
    if starts.len() < 2 {
        return None;
    }
    // the header's layout, read from the start to the first piece's edge
    let mut header = Part::default();
    header.run(data, 0, first_fn, event, shown).ok()?;
    let layout = header.layout.clone();
    let ends: Vec<usize> = starts[1..].iter().copied().chain([data.len()]).collect();
    let parts: Vec<Option<Part>> = starts
        .par_iter()
        .zip(ends.par_iter())
        .map(|(&from, &to)| {
            let mut part = Part::default();
            if from > 0 {
                part.layout = layout.clone();
                part.names.file = Some(file.clone());
                // the object the piece's first function belongs to
                if let Some(ob) = memchr::memmem::rfind(&data[..from], b"\nob=") {
                    let line_end = ob + 1 + memchr::memchr(b'\n', &data[ob + 1..])?;
                    part.run(data, ob + 1, line_end + 1, event, shown).ok()?;
                }
            }
            part.run(data, from, to, event, shown).ok()?;
            Some(part)
        })
        .collect();
    // one part, whose `events:` and `positions:` lines are in the header
    // (before the first function), where every piece took them from
    if parts.iter().flatten().flat_map(|p| &p.layout_lines).any(|&at| at >= first_fn) {
        return None;
    }
    let mut parts = parts.into_iter();
    let mut whole = parts.next()??;
    for part in parts {
        whole.append(part?);
    }
    Some(whole)
}

/// Where the first `fn=` line at or after `from` starts whose first cost
/// line has no relative position (`+`, `-`, `*`).
fn piece_start(data: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let at = from + memchr::memmem::find(&data[from..], b"\nfn=")? + 1;
        let mut line = at;
        // the next cost line
        loop {
            let end = line + memchr::memchr(b'\n', &data[line..])?;
            match data.get(line) {
                Some(b'0'..=b'9') => {
                    let absolute = data[line..end]
                        .split(|b| *b == b' ' || *b == b'\t')
                        .filter(|t| !t.is_empty())
                        .all(|t| !matches!(t.first(), Some(b'+' | b'-' | b'*')));
                    if absolute {
                        return Some(at);
                    }
                    break;
                }
                Some(b'+' | b'-' | b'*') => break,
                _ => line = end + 1,
            }
        }
        from = at;
    }
}

/// Every name the file defines (`(id) name` after a name key at a line's
/// start), with the byte of its line; `None` when an id is defined twice.
fn definitions(data: &[u8]) -> Option<Definitions> {
    let mut out = Definitions::default();
    for hit in memchr::memmem::find_iter(data, b"=(") {
        // the key before `=` runs from the line's start
        let line =
            data[hit.saturating_sub(4)..hit].iter().rposition(|&b| b == b'\n').map(|i| hit.saturating_sub(4) + i + 1);
        let line = match line {
            Some(l) => l,
            None if hit < 4 => 0,
            None => continue,
        };
        let Some(kind) = name_kind(&data[line..hit]) else { continue };
        let end = hit + memchr::memchr(b'\n', &data[hit..]).unwrap_or(data.len() - hit);
        let text = std::str::from_utf8(&data[hit + 1..end]).ok()?.trim_end_matches('\r');
        let Some(close) = text.find(')') else { continue };
        let Ok(id) = text[1..close].parse::<u64>() else { continue };
        let name = text[close + 1..].trim();
        if name.is_empty() {
            continue;
        }
        if out.insert((kind, id), (line, name.to_string())).is_some() {
            return None;
        }
    }
    Some(out)
}

/// A recording's totals by event: its `totals:` line (the sum of its cost
/// lines; callgrind writes it last), else the header's `summary:`, which
/// can differ from the sum by an instruction or two (the dump's own work).
pub fn totals(path: &Path) -> Result<Vec<(String, u64)>, Error> {
    let shown = path.display().to_string();
    let file = fastware_report::input::open(path)?;
    let mut events: Vec<String> = Vec::new();
    let (mut summary, mut totals): (Option<Vec<u64>>, Option<Vec<u64>>) = (None, None);
    let figures = |t: &str| Some(t.split_whitespace().filter_map(|v| v.parse().ok()).collect());
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| Error::io(&shown, &e))?;
        if let Some(e) = line.strip_prefix("events:") {
            events = e.split_whitespace().map(str::to_string).collect();
        } else if let Some(t) = line.strip_prefix("summary:") {
            summary = figures(t);
        } else if let Some(t) = line.strip_prefix("totals:") {
            totals = figures(t);
        }
    }
    let totals = totals.or(summary).ok_or_else(|| Error::from(ProfileError::CallgrindNoTotals).at(&shown))?;
    Ok(events.into_iter().zip(totals).collect())
}

/// The list of function `f`.
fn raw_at(v: &mut Vec<Vec<(u64, u64)>>, f: u32) -> &mut Vec<(u64, u64)> {
    let i = f as usize;
    if v.len() <= i {
        v.resize_with(i + 1, Vec::new);
    }
    &mut v[i]
}

/// Costs per function and address, summed: `own` by function id, and the
/// lists of later parts by theirs (`remap` gives each its id in `own`'s).
/// Functions are summed on all cores.
fn summed<'a>(
    own: Vec<Vec<(u64, u64)>>,
    later: impl Iterator<Item = (&'a Vec<u32>, &'a Vec<Vec<(u64, u64)>>)>,
) -> BTreeMap<u32, BTreeMap<u64, u64>> {
    use rayon::prelude::*;
    // per function: its id, its own list, and the later parts' lists
    type Lists<'a> = Vec<(u32, Vec<(u64, u64)>, Vec<&'a [(u64, u64)]>)>;
    let mut lists: Lists<'a> = own.into_iter().enumerate().map(|(f, l)| (f as u32, l, Vec::new())).collect();
    for (remap, raw) in later {
        for (f, l) in raw.iter().enumerate() {
            if l.is_empty() {
                continue;
            }
            let g = remap[f] as usize;
            if lists.len() <= g {
                lists.extend((lists.len()..=g).map(|f| (f as u32, Vec::new(), Vec::new())));
            }
            lists[g].2.push(l);
        }
    }
    lists
        .into_par_iter()
        .filter_map(|(f, mut list, more)| {
            for l in more {
                list.extend_from_slice(l);
            }
            if list.is_empty() {
                return None;
            }
            // callgrind writes a function's addresses mostly in order
            if !list.is_sorted_by_key(|&(a, _)| a) {
                list.sort_unstable_by_key(|&(a, _)| a);
            }
            // summed in place, then built from sorted pairs (BTreeMap's bulk build)
            let mut w = 0;
            for r in 0..list.len() {
                if w > 0 && list[w - 1].0 == list[r].0 {
                    list[w - 1].1 += list[r].1;
                } else {
                    list[w] = list[r];
                    w += 1;
                }
            }
            list.truncate(w);
            Some((f, list.into_iter().collect::<BTreeMap<u64, u64>>()))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// `fib'2` → `fib`: callgrind's mark of a deeper recursion level.
fn without_recursion_level(name: &str) -> &str {
    match name.rsplit_once('\'') {
        Some((base, level)) if !base.is_empty() && !level.is_empty() && level.bytes().all(|b| b.is_ascii_digit()) => {
            base
        }
        _ => name,
    }
}

fn cut(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(data: &[u8], event: Option<&str>) -> Result<Profile, Error> {
        let mut part = Part::default();
        part.run(data, 0, data.len(), event, "test")?;
        part.finish("test")
    }

    /// A real recording read in pieces gives the profile it gives read whole.
    #[test]
    fn pieces_add_up_to_the_whole() {
        let path = fastware_testkit::fixture("profiles").join("hotspots-1.callgrind.out");
        let data = std::fs::read(&path).expect("fixture");
        for event in [None, Some("Ir")] {
            let a = whole(&data, event).expect("read whole");
            for pieces in [2, 3, 7, 16] {
                let b =
                    in_pieces(&data, event, "test", pieces).expect("read in pieces").finish("test").expect("finish");
                assert_eq!(a.meta, b.meta);
                assert_eq!(a.functions, b.functions, "{pieces} pieces");
                assert_eq!((&a.self_cost, &a.total_cost, a.total), (&b.self_cost, &b.total_cost, b.total));
                assert_eq!((&a.edges, &a.call_counts), (&b.edges, &b.call_counts));
                assert_eq!((&a.addresses, &a.calls_at), (&b.addresses, &b.calls_at));
            }
        }
        // a name used before the line that defines it (the definition moved
        // to a later use): an error read whole, so not read in pieces
        let text = String::from_utf8(data).expect("utf-8");
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let split = |l: &str| -> Option<(String, String, String)> {
            let (key, rest) = l.split_once("=(")?;
            let (id, name) = rest.split_once(')')?;
            matches!(key, "fn" | "cfn").then(|| (key.to_string(), id.to_string(), name.trim().to_string()))
        };
        let (def, later) = (0..lines.len())
            .filter_map(|d| {
                let (_, id, name) = split(&lines[d])?;
                if name.is_empty() {
                    return None;
                }
                let later = (d + 1..lines.len())
                    .find(|&u| split(&lines[u]).is_some_and(|(_, i, n)| i == id && n.is_empty()))?;
                Some((d, later))
            })
            .next()
            .expect("a name defined and used again");
        let ((dk, id, name), (uk, _, _)) = (split(&lines[def]).expect("def"), split(&lines[later]).expect("use"));
        lines[def] = format!("{dk}=({id})");
        lines[later] = format!("{uk}=({id}) {name}");
        let moved = lines.join("\n") + "\n";
        assert!(whole(moved.as_bytes(), None).is_err());
        assert!(in_pieces(moved.as_bytes(), None, "test", 4).is_none());
    }
}
