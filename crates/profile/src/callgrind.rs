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
}

impl Names {
    /// `(id) name`, `(id)`, or a bare `name`.
    fn resolve(&mut self, kind: u8, text: &str) -> Result<String, String> {
        let t = text.trim();
        let Some(rest) = t.strip_prefix('(') else { return Ok(t.to_string()) };
        let close = rest.find(')').ok_or("an unclosed name id")?;
        let id: u64 = rest[..close].parse().map_err(|_| "a name id that is not a number")?;
        let name = rest[close + 1..].trim();
        if name.is_empty() {
            self.map.get(&(kind, id)).cloned().ok_or_else(|| format!("name id ({id}) used before it is defined"))
        } else {
            self.map.insert((kind, id), name.to_string());
            Ok(name.to_string())
        }
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
    // errors name the byte where their line starts
    let err =
        |byte: u64, what: String| Error::from(ProfileError::CallgrindDamaged { what }).at(&shown).at_byte(Some(byte));
    let mut names = Names::default();
    let mut positions: Vec<bool> = vec![false]; // true: an address column
    let mut events: Vec<String> = Vec::new();
    let mut column = 0usize;
    let mut last_pos: Vec<u64> = vec![0];
    let mut ctx = Context::default();
    let mut functions: Vec<Function> = Vec::new();
    // object → name → id: looked up by &str, with no key built per `fn=` line
    let mut ids: Map<String, Map<String, u32>> = Map::default();
    let mut self_cost: Vec<u64> = Vec::new();
    let mut edges: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    let mut called: Map<u32, u64> = Map::default();
    let mut calls_from: Vec<u64> = Vec::new();
    // per function, (address, cost) as the cost lines come: summed per
    // address once at the end (a map insert per cost line was most of the
    // read time on a 58 MB file)
    let mut addresses_raw: Vec<Vec<(u64, u64)>> = Vec::new();
    let mut calls_at_raw: Vec<Vec<(u64, u64)>> = Vec::new();
    let mut call_counts: BTreeMap<(u32, u64, u32), u64> = BTreeMap::new();
    let mut meta = Meta {
        tool: "callgrind".into(),
        unit: "instructions".into(),
        unwinding: "exact (callgrind)".into(),
        file: shown.clone(),
        ..Meta::default()
    };
    let mut seen_header = false;
    let mut any_cost = false;
    let (mut summary_sum, mut totals_sum): (Option<u64>, Option<u64>) = (None, None);
    let mut cut_at: Option<u64> = None;
    let mut function_id = |object: &str,
                           name: &str,
                           functions: &mut Vec<Function>,
                           self_cost: &mut Vec<u64>,
                           calls_from: &mut Vec<u64>| {
        let name = without_recursion_level(name);
        if let Some(&id) = ids.get(object).and_then(|m| m.get(name)) {
            return id;
        }
        let id = functions.len() as u32;
        let module = (!object.is_empty()).then(|| object.to_string());
        functions.push(Function { name: name.to_string(), raw: None, inlined: false, module });
        self_cost.push(0);
        calls_from.push(0);
        ids.entry(object.to_string()).or_default().insert(name.to_string(), id);
        id
    };
    // the byte where the line starts
    let mut at = 0usize;
    while at < data.len() {
        let n = at as u64;
        let Some(end) = memchr::memchr(b'\n', &data[at..]) else {
            // callgrind ends every line: a last line without its end is a
            // file cut short, judged by its totals below
            cut_at = Some(n);
            break;
        };
        let mut buf = &data[at..at + end];
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
            if events.is_empty() {
                return Err(err(n, "a cost line before the `events:` line".into()));
            }
            let mut tokens = buf.split(|b| *b == b' ' || *b == b'\t').filter(|t| !t.is_empty());
            let mut address = None;
            for (k, &is_addr) in positions.iter().enumerate() {
                let Some(t) = tokens.next() else { return Err(err(n, "a cost line without its positions".into())) };
                let v = position(t, &mut last_pos[k]).map_err(|m| err(n, m))?;
                if is_addr {
                    address = Some(v);
                }
            }
            let mut cost = 0u64;
            for (k, t) in tokens.enumerate() {
                let v = number(t).map_err(|m| err(n, m))?;
                if k == column {
                    cost = v;
                }
            }
            let Some(f) = ctx.function else { return Err(err(n, "a cost line outside any function (no fn=)".into())) };
            any_cost = true;
            match ctx.call_to.take() {
                // a recursive call: its cost is already inside the outer call's
                Some(callee) if callee == f => {}
                Some(callee) => {
                    *call_counts.entry((f, address.unwrap_or(0), callee)).or_default() += ctx.call_count;
                    *edges.entry((f, callee)).or_default() += cost;
                    *called.entry(callee).or_default() += cost;
                    calls_from[f as usize] += cost;
                    if let Some(a) = address {
                        raw_at(&mut calls_at_raw, f).push((a, cost));
                    }
                }
                None => {
                    self_cost[f as usize] += cost;
                    if let Some(a) = address {
                        raw_at(&mut addresses_raw, f).push((a, cost));
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
        match key {
            "version" => {
                seen_header = true;
                if value.split('.').next() != Some("1") {
                    return Err(err(n, format!("format version {value}: fastware reads version 1")));
                }
            }
            "summary" | "totals" => {
                seen_header = true;
                let v = value.split_ascii_whitespace().nth(column).and_then(|c| number(c.as_bytes()).ok()).unwrap_or(0);
                let sum = if key == "summary" { &mut summary_sum } else { &mut totals_sum };
                *sum = Some(sum.unwrap_or(0) + v);
            }
            "creator" | "pid" | "desc" | "event" => seen_header = true,
            "cmd" => meta.command = Some(value.to_string()),
            "thread" => meta.threads.push(format!("thread {value}")),
            "part" => {}
            "positions" => {
                positions = value.split_ascii_whitespace().map(|p| p == "instr" || p == "addr").collect();
                if positions.is_empty() {
                    positions = vec![false];
                }
                last_pos = vec![0; positions.len()];
            }
            "events" => {
                seen_header = true;
                events = value.split_ascii_whitespace().map(str::to_string).collect();
                column = match event {
                    Some(e) => events.iter().position(|x| x == e).ok_or_else(|| {
                        Error::from(ProfileError::NoEvent { event: e.to_string(), events: events.clone() })
                    })?,
                    None => 0,
                };
                meta.event = events.get(column).cloned().unwrap_or_default();
            }
            "ob" => ctx.object = names.resolve(0, value).map_err(|m| err(n, m))?,
            "fl" | "fi" | "fe" => {
                names.resolve(1, value).map_err(|m| err(n, m))?;
            }
            "cob" => ctx.callee_object = Some(names.resolve(0, value).map_err(|m| err(n, m))?),
            "cfi" | "cfl" => {
                names.resolve(1, value).map_err(|m| err(n, m))?;
            }
            "fn" => {
                let name = names.resolve(2, value).map_err(|m| err(n, m))?;
                ctx.function = Some(function_id(&ctx.object, &name, &mut functions, &mut self_cost, &mut calls_from));
                ctx.callee_object = None;
            }
            "cfn" => ctx.callee = Some(names.resolve(2, value).map_err(|m| err(n, m))?),
            "calls" => {
                let callee = ctx.callee.take().ok_or_else(|| err(n, "calls= without a cfn= before it".into()))?;
                let object = ctx.callee_object.take().unwrap_or_else(|| ctx.object.clone());
                ctx.call_to = Some(function_id(&object, &callee, &mut functions, &mut self_cost, &mut calls_from));
                // the call's own positions (count, target) are not costs
                ctx.call_count =
                    value.split_ascii_whitespace().next().and_then(|c| number(c.as_bytes()).ok()).unwrap_or(0);
            }
            "jump" | "jcnd" => {}
            "jfi" | "jfn" => {
                names.resolve(if key == "jfn" { 2 } else { 1 }, value).map_err(|m| err(n, m))?;
            }
            _ if !seen_header => return Err(Error::from(ProfileError::NotCallgrind).at(&shown).at_byte(Some(n))),
            _ => {}
        }
    }
    if events.is_empty() {
        return Err(Error::from(ProfileError::CallgrindNoEvents).at(&shown));
    }
    if !any_cost {
        return Err(Error::from(ProfileError::CallgrindNoCosts).at(&shown));
    }
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
    let addresses = summed(addresses_raw);
    let calls_at = summed(calls_at_raw);
    let total: u64 = self_cost.iter().sum();
    if let (Some(line), None, None) = (cut_at, totals_sum, summary_sum) {
        return Err(Error::from(ProfileError::CutInsideLine).at(&shown).at_byte(Some(line)));
    }
    // a cut file (`head -c`, a full disk) holds part of the costs: its
    // `totals:` line is missing and the header's `summary:` says how much
    // there was (the two can differ by an instruction or two)
    if let Some(expected) = totals_sum.or(summary_sum) {
        let off = total.abs_diff(expected);
        if off > 2 && off as f64 > expected as f64 * 1e-6 {
            let what = if totals_sum.is_some() { "`totals:` line" } else { "`summary:` line (and no `totals:`)" };
            let e = ProfileError::CostsDisagree {
                added: total,
                expected,
                event: meta.event.clone(),
                said_by: what.to_string(),
            };
            return Err(Error::from(e).at(&shown));
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

/// Costs per function and address, summed.
fn summed(raw: Vec<Vec<(u64, u64)>>) -> BTreeMap<u32, BTreeMap<u64, u64>> {
    let mut out = BTreeMap::new();
    for (f, mut list) in raw.into_iter().enumerate() {
        if list.is_empty() {
            continue;
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
        out.insert(f as u32, list.into_iter().collect());
    }
    out
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
