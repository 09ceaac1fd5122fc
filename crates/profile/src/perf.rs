//! `perf record`, and reading what it wrote: a `perf.data` file parsed
//! in-process (linux-perf-data), user stacks taken from the kernel's call
//! chains (frame pointers) or unwound here from the copied stack with the
//! file's `.eh_frame` (framehop, as samply does), every address named by
//! `fastware_binary`'s symbolizer with inlined functions as frames of their
//! own.

use crate::ProfileError;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use framehop::x86_64::{CacheX86_64, UnwindRegsX86_64, UnwinderX86_64};
use framehop::{ExplicitModuleSectionInfo, FrameAddress, Module, Unwinder};
use linux_perf_data::linux_perf_event_reader::{CpuMode, EventRecord, SampleFormat};
use linux_perf_data::{DsoKey, PerfFileReader, PerfFileRecord};

use fastware_binary::symbolize::Symbolizer;
use fastware_binary::Binary;
use fastware_report::Error;

use crate::model::{Builder, Function, Meta, Profile};

/// How `perf record` collects stacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallGraph {
    /// The kernel walks the frame pointers (`-g`): cheap, needs frame pointers.
    FramePointers,
    /// The kernel copies the top of the stack, unwound later with DWARF
    /// (`--call-graph dwarf`): works on any binary, larger files.
    Dwarf,
}

impl CallGraph {
    pub fn name(self) -> &'static str {
        match self {
            CallGraph::FramePointers => "frame pointers",
            CallGraph::Dwarf => "dwarf",
        }
    }
}

/// How `perf record` runs the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recording {
    /// CPU samples per second.
    pub freq: u32,
    pub call_graph: CallGraph,
    /// Also a sample, with its stack, each time a thread leaves the CPU
    /// (`-e context-switches`): where threads block, for `tasks --profile`.
    pub off_cpu: bool,
}

/// The `perf record` command for `program args`, writing `output`. Times
/// are the wall clock's (`-k realtime`), as other recordings of the same
/// run have them (console-subscriber's).
pub fn record_command(perf: &Path, output: &Path, how: Recording, program: &Path, args: &[String]) -> Command {
    let mut cmd = Command::new(perf);
    cmd.args(["record", "-k", "realtime", "-e", "cpu-clock", "-F", &how.freq.to_string()]);
    if how.off_cpu {
        cmd.args(["-e", "context-switches/period=1/"]);
    }
    let call_graph = how.call_graph;
    cmd.arg("-o").arg(output);
    match call_graph {
        CallGraph::FramePointers => cmd.arg("-g"),
        // 16 KiB of stack per sample: deep enough for Rust's stacks, half perf's default size
        CallGraph::Dwarf => cmd.args(["--call-graph", "dwarf,16384"]),
    };
    cmd.arg("--").arg(program).args(args);
    cmd
}

/// True when most of the program's own functions set up a frame pointer
/// (`push rbp; mov rbp, rsp` at their start), so that the kernel can walk
/// its stacks. The standard library is left out: it is built with frame
/// pointers whatever the program is built with.
pub fn has_frame_pointers(b: &Binary) -> bool {
    let library = |raw: &str| {
        let n = fastware_symbols::demangle(raw);
        let n = n.trim_start_matches('<');
        ["std::", "core::", "alloc::", "hashbrown::", "gimli::", "addr2line::", "miniz_oxide::", "rustc_demangle::"]
            .iter()
            .any(|p| n.starts_with(p))
            || !(raw.starts_with("_ZN") || raw.starts_with("_R"))
    };
    let mut with = 0usize;
    let mut all = 0usize;
    for &i in b.functions.iter().take(20_000) {
        let f = &b.symbols[i];
        if f.size < 8 || library(&f.raw) {
            continue;
        }
        let Some((code, _)) = b.bytes_at(f.address, 4) else { continue };
        all += 1;
        // push rbp (55); mov rbp, rsp (48 89 e5)
        if code.starts_with(&[0x55, 0x48, 0x89, 0xe5]) {
            with += 1;
        }
    }
    all > 0 && with * 10 >= all * 6
}

/// The share of the samples whose stack reaches back to where a thread
/// starts (`_start`, `__libc_start_main`, `start_thread`, `clone`): near 1
/// when the stacks were walked right. Frame-pointer stacks through code
/// built without frame pointers stop early or wander (`[unknown]` callers),
/// whatever the binary's other functions do. `None` without stacks.
pub fn rooted_share(p: &Profile) -> Option<f64> {
    let stacks = p.stacks.as_ref()?;
    let total: u64 = stacks.iter().map(|s| s.weight).sum();
    if total == 0 {
        return None;
    }
    // the C runtime's frames (named, or `[libc.so.6]` without symbols) or
    // the program's `main`, which only the C runtime calls
    let entry = |f: u32| {
        let f = &p.functions[f as usize];
        let name = f.name.split('@').next().unwrap_or("");
        // a frame without a symbol is named after its file: `[libc.so.6]`
        let file = f.module_name().or_else(|| name.strip_prefix('[')?.strip_suffix(']')).unwrap_or("");
        let c_runtime = file.starts_with("libc.so") || file.starts_with("ld-linux");
        c_runtime
            || matches!(
                name,
                "main"
                    | "_start"
                    | "_dl_start_user"
                    | "__libc_start_main"
                    | "__libc_start_call_main"
                    | "start_thread"
                    | "clone"
                    | "clone3"
            )
    };
    let rooted: u64 = stacks.iter().filter(|s| s.frames.first().is_some_and(|&f| entry(f))).map(|s| s.weight).sum();
    Some(rooted as f64 / total as f64)
}

const PERF_CONTEXT_KERNEL: u64 = (-128i64) as u64;
const PERF_CONTEXT_USER: u64 = (-512i64) as u64;
const PERF_CONTEXT_MAX: u64 = (-4095i64) as u64;
/// x86-64 register numbers of perf's `sample_regs_user`.
const REG_BP: u64 = 6;
const REG_SP: u64 = 7;
const REG_IP: u64 = 8;

/// A file mapped into a process.
#[derive(Debug, Clone)]
struct Mapping {
    start: u64,
    end: u64,
    page_offset: u64,
    module: usize,
}

/// A file of code the samples are in.
struct ModuleFile {
    path: String,
    binary: Option<Binary>,
    /// Set when the file is missing or not the one perf saw.
    problem: Option<String>,
    samples: u64,
}

/// Everything known about one process.
#[derive(Default)]
struct Process {
    mappings: Vec<Mapping>,
    unwinder: Option<UnwinderX86_64<Vec<u8>>>,
    modules_in_unwinder: usize,
}

fn bad(path: &Path, e: ProfileError) -> Error {
    Error::from(e).at(&path.display().to_string())
}

/// Reads `path`, a `perf.data` file.
/// Checks what linux-perf-data would trust: the header's sections, each
/// attribute's event ids and the feature sections lie inside the file, and
/// the counts inside the event descriptions (events, event ids, name
/// lengths) fit their section — the crate reserves room for what a count
/// says before it reads, so a damaged count made it reserve terabytes and
/// abort (found by fuzzing). The layout is perf's `perf_file_header`:
/// magic, size, attr_size, attrs/data/event_types as (offset, size), a
/// 256-bit feature bitmap; the feature sections' (offset, size) table
/// follows the data. Both byte orders (`PERFILE2` and `2ELIFREP`).
fn check_feature_sections(file: &std::fs::File, path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::FileExt;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut h = [0u8; 104];
    if file.read_exact_at(&mut h, 0).is_err() {
        return Ok(()); // not ours to judge: the crate says what is wrong
    }
    let big = match &h[..8] {
        b"PERFILE2" => false,
        b"2ELIFREP" => true,
        _ => return Ok(()),
    };
    let order = Order(big);
    let u = |b: &[u8], i: usize| order.u64(b, i);
    let damaged = |what: &str| bad(path, ProfileError::PerfDamaged { what: what.to_string() });
    let inside = |offset: u64, size: u64| offset.checked_add(size).is_some_and(|end| end <= len);
    for (name, at) in [("attribute", 24), ("data", 40), ("event type", 56)] {
        if !inside(u(&h, at), u(&h, at + 8)) {
            return Err(damaged(&format!("the {name} section lies outside the file")));
        }
    }
    // each attribute (and old perf's event type) is followed by the
    // (offset, size) of its event ids, which the crate reserves room for
    let attr_size = u(&h, 16);
    // perf writes its attribute size (more than 16) even with no attributes;
    // the crate divides by it
    if attr_size < 16 {
        return Err(damaged(&format!("attributes of {attr_size} bytes")));
    }
    for (section, entry, ids_at) in [(24, attr_size, attr_size.saturating_sub(16)), (56, attr_size + 16, attr_size)] {
        let (offset, size) = (u(&h, section), u(&h, section + 8));
        for k in 0..size.checked_div(entry).unwrap_or(0) {
            let mut e = [0u8; 16];
            let at = offset + k * entry + ids_at;
            file.read_exact_at(&mut e, at).map_err(|_| damaged("an attribute lies outside the file"))?;
            if !inside(u(&e, 0), u(&e, 8)) {
                return Err(damaged("an attribute's event ids lie outside the file"));
            }
        }
    }
    let (data_offset, data_size) = (u(&h, 40), u(&h, 48));
    let table = data_offset.checked_add(data_size).ok_or_else(|| damaged("the data section's size overflows"))?;
    let bits: Vec<u64> = (0..4).map(|k| u(&h, 72 + 8 * k)).collect();
    const EVENT_DESC: usize = 12;
    let mut slot = 0u64;
    for bit in 0..256 {
        if bits[bit / 64] & (1 << (bit % 64)) == 0 {
            continue;
        }
        let mut e = [0u8; 16];
        let at = table.checked_add(slot * 16).ok_or_else(|| damaged("the feature table lies outside the file"))?;
        file.read_exact_at(&mut e, at).map_err(|_| damaged("the feature table lies outside the file"))?;
        let (offset, size) = (u(&e, 0), u(&e, 8));
        if offset.checked_add(size).is_none_or(|end| end > len) {
            return Err(damaged(&format!("feature section {bit} lies outside the file")));
        }
        if bit == EVENT_DESC {
            // inside the file, so it fits in memory as the crate reads it
            let mut section = vec![0u8; size as usize];
            file.read_exact_at(&mut section, offset).map_err(|_| damaged("cannot read the event descriptions"))?;
            check_event_descriptions(&section, order).map_err(|what| damaged(&what))?;
        }
        slot += 1;
    }
    Ok(())
}

/// A perf.data file's byte order: big-endian when true.
#[derive(Clone, Copy)]
struct Order(bool);

impl Order {
    fn u64(self, b: &[u8], i: usize) -> u64 {
        let w = b.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()).unwrap_or([0; 8]);
        if self.0 {
            u64::from_be_bytes(w)
        } else {
            u64::from_le_bytes(w)
        }
    }
    fn u32(self, b: &[u8], i: usize) -> Option<u32> {
        let w = <[u8; 4]>::try_from(b.get(i..i + 4)?).ok()?;
        Some(if self.0 { u32::from_be_bytes(w) } else { u32::from_le_bytes(w) })
    }
}

/// Walks the event description section (`nr`, `attr_size`, then per event
/// the attribute, `nr_ids`, a length-prefixed name and the ids) and says
/// which count reaches past its end.
fn check_event_descriptions(s: &[u8], order: Order) -> Result<(), String> {
    let (Some(nr), Some(attr_size)) = (order.u32(s, 0), order.u32(s, 4)) else { return Ok(()) };
    let mut at = 8usize;
    for k in 0..nr {
        let past = |what: &str| format!("the event descriptions (event {k}: {what}) reach past their section");
        at = at.checked_add(attr_size as usize).filter(|&a| a <= s.len()).ok_or_else(|| past("the attribute"))?;
        let ids = order.u32(s, at).ok_or_else(|| past("the event id count"))?;
        let name = order.u32(s, at + 4).ok_or_else(|| past("the name's length"))?;
        at = (at + 8).checked_add(name as usize).filter(|&a| a <= s.len()).ok_or_else(|| past("the name"))?;
        at = (ids as usize)
            .checked_mul(8)
            .and_then(|b| at.checked_add(b))
            .filter(|&a| a <= s.len())
            .ok_or_else(|| past(&format!("{ids} event ids")))?;
    }
    Ok(())
}

/// The perf command line from the `CMDLINE` feature section, when its
/// string count fits the section (linux-perf-data reserves room for the
/// count first; a damaged one aborted — found by fuzzing).
fn command_line(perf_file: &linux_perf_data::PerfFile) -> Option<Vec<&str>> {
    let section = perf_file.feature_section_data(linux_perf_data::Feature::CMDLINE)?;
    let order = Order(matches!(perf_file.endian(), linux_perf_data::Endianness::BigEndian));
    let count = order.u32(section, 0)? as usize;
    if count > section.len() / 4 {
        return None; // each string takes at least its 4-byte length
    }
    perf_file.cmdline().ok().flatten()
}

/// Whether linux-perf-event-reader can parse `record` without panicking on
/// damage it does not check (both found by fuzzing): a sample's call-chain
/// length it multiplies by 8 unchecked (see [`callchain_fits`]), an MMAP2
/// build id longer than 20 bytes it asserts against. Such records are
/// skipped, as unparsable ones are.
fn parses_safely(record: &linux_perf_data::linux_perf_event_reader::RawEventRecord) -> bool {
    use linux_perf_data::linux_perf_event_reader::RecordType;
    const MMAP_BUILD_ID: u16 = 1 << 14; // PERF_RECORD_MISC_MMAP_BUILD_ID
    if record.record_type == RecordType::MMAP2 && record.misc & MMAP_BUILD_ID != 0 {
        // pid, tid, address, length, page offset: then the build id's length
        return record.data.as_slice().get(32).is_none_or(|&len| len <= 20);
    }
    callchain_fits(record)
}

/// Whether a sample's call-chain length fits the record. linux-perf-event-reader
/// multiplies the length by 8 unchecked (an overflow panic in builds with
/// overflow checks), so it is checked here first. Samples with
/// `PERF_SAMPLE_READ` (variable-length, never written by `perf record` as
/// fastware runs it) are left to the crate.
fn callchain_fits(record: &linux_perf_data::linux_perf_event_reader::RawEventRecord) -> bool {
    use linux_perf_data::linux_perf_event_reader::{Endianness, RecordType};
    let f = record.parse_info.sample_format;
    if record.record_type != RecordType::SAMPLE
        || !f.contains(SampleFormat::CALLCHAIN)
        || f.contains(SampleFormat::READ)
    {
        return true;
    }
    let before = [
        SampleFormat::IDENTIFIER,
        SampleFormat::IP,
        SampleFormat::TID,
        SampleFormat::TIME,
        SampleFormat::ADDR,
        SampleFormat::ID,
        SampleFormat::STREAM_ID,
        SampleFormat::CPU,
        SampleFormat::PERIOD,
    ];
    let at = 8 * before.iter().filter(|&&b| f.contains(b)).count();
    let data = record.data.as_slice();
    let Some(word) = data.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) else { return true };
    let n = match record.parse_info.endian {
        Endianness::LittleEndian => u64::from_le_bytes(word),
        Endianness::BigEndian => u64::from_be_bytes(word),
    };
    n.checked_mul(8).is_some_and(|bytes| bytes <= (data.len() - at - 8) as u64)
}

pub fn read(path: &Path) -> Result<Profile, Error> {
    read_file(path, false).map(|(p, _)| p)
}

/// A profile's samples in time order, for joining it to another recording
/// of the same run (`fastware tasks --profile`): each with its thread, its
/// time on the wall clock and its stack; CPU samples and context switches
/// (`-e context-switches`, `-e sched:sched_switch`: the thread leaving the
/// CPU, its stack where it blocked).
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// Sorted by time.
    pub samples: Vec<Timed>,
    /// Root-first function ids (into the profile's `functions`) of each stack.
    pub stacks: Vec<Vec<u32>>,
    /// The clock the file's times are on (`realtime`, `monotonic`, `perf's
    /// own clock` …), and what to add to them for nanoseconds since the Unix
    /// epoch: `None` when the file does not say (recorded without `-k`).
    pub clock: String,
    pub to_epoch_ns: Option<i64>,
}

/// One sample of a [`Timeline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timed {
    /// On the file's clock (ns).
    pub time: u64,
    /// The thread, an index into the profile's `meta.threads`.
    pub thread: u32,
    /// An index into the timeline's `stacks`.
    pub stack: u32,
    /// A CPU sample's period: the CPU time it stands for (ns, for
    /// `cpu-clock`); 0 for a context switch.
    pub period: u64,
    /// The thread left the CPU here.
    pub switch: bool,
}

/// A stretch of one thread's time that a sample stands for, on the file's
/// clock (ns): a CPU sample the period before it; a context switch from
/// there until its thread's next sample (within one sample period of when
/// it ran again; the last one until the timeline's end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    pub thread: u32,
    pub start: u64,
    pub end: u64,
    /// An index into the timeline's `stacks`.
    pub stack: u32,
    /// Off the CPU (a context switch).
    pub off_cpu: bool,
}

impl Timeline {
    /// Each sample's [`Stretch`], in the samples' order.
    pub fn stretches(&self) -> Vec<Stretch> {
        let end = self.samples.last().map_or(0, |s| s.time);
        let mut next_of: std::collections::HashMap<u32, u64> = std::collections::HashMap::new();
        let mut out: Vec<Stretch> = self
            .samples
            .iter()
            .rev()
            .map(|s| {
                // from the end: a thread's next sample is known when its sample is reached
                let next = next_of.insert(s.thread, s.time).unwrap_or(end);
                let (start, end) =
                    if s.switch { (s.time, next.max(s.time)) } else { (s.time.saturating_sub(s.period), s.time) };
                Stretch { thread: s.thread, start, end, stack: s.stack, off_cpu: s.switch }
            })
            .collect();
        out.reverse();
        out
    }
}

/// [`read`], with every sample in time order, context switches included.
pub fn read_timeline(path: &Path) -> Result<(Profile, Timeline), Error> {
    read_file(path, true)
}

/// Whether an event is the scheduler switching a thread out.
fn is_switch(attr: &linux_perf_data::AttributeDescription) -> bool {
    use linux_perf_data::linux_perf_event_reader::{PerfEventType, SoftwareCounterType};
    matches!(attr.attributes().type_, PerfEventType::Software(SoftwareCounterType::ContextSwitches))
        || attr.name().is_some_and(|n| n.starts_with("sched:sched_switch"))
}

/// The clock of the file's times, and what makes them ns since the epoch.
fn clock_of(
    perf_file: &linux_perf_data::PerfFile,
    attr: &linux_perf_data::AttributeDescription,
) -> (String, Option<i64>) {
    use linux_perf_data::linux_perf_event_reader::{ClockId, PerfClock};
    let PerfClock::ClockId(id) = attr.attributes().clock else { return ("perf's own clock".into(), None) };
    let name = format!("{id:?}").to_lowercase();
    if id == ClockId::Realtime {
        return (name, Some(0));
    }
    // perf writes the wall clock and its clock at one instant (`-k` since perf 5.10)
    let offset = perf_file
        .clock_data()
        .ok()
        .flatten()
        .filter(|c| c.clockid as u64 == id as u64)
        .map(|c| c.wall_clock_ns as i64 - c.clockid_time_ns as i64);
    (name, offset)
}

fn read_file(path: &Path, timeline: bool) -> Result<(Profile, Timeline), Error> {
    let shown = path.display().to_string();
    crate::saved::regular_file(path)?;
    let file = fastware_report::input::open(path)?;
    if file.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        return Err(bad(path, ProfileError::PerfEmpty));
    }
    {
        use std::os::unix::fs::FileExt;
        let mut magic = [0u8; 8];
        if file.read_exact_at(&mut magic, 0).is_err() || !matches!(&magic, b"PERFILE2" | b"2ELIFREP") {
            return Err(bad(path, ProfileError::NotPerfData));
        }
    }
    check_feature_sections(&file, path)?;
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    let PerfFileReader { mut perf_file, mut record_iter } = PerfFileReader::parse_file(reader)
        .map_err(|e| bad(path, ProfileError::PerfUnreadable { why: e.to_string() }))?;
    let attrs = perf_file.event_attributes();
    // the CPU event: the first that is not a context switch
    let Some(first) = attrs.iter().find(|a| !is_switch(a)).or(attrs.first()) else {
        return Err(bad(path, ProfileError::PerfNoEvents));
    };
    let switches: Vec<bool> = attrs.iter().map(|a| !std::ptr::eq(a, first) && is_switch(a)).collect();
    let counted: Vec<bool> = attrs.iter().map(|a| std::ptr::eq(a, first)).collect();
    // with context switches, the samples are kept in time for the off-CPU stacks
    let any_switch = switches.contains(&true);
    let (clock, to_epoch_ns) = clock_of(&perf_file, first);
    let names: Vec<String> = attrs.iter().map(|a| a.name().unwrap_or("another event").to_string()).collect();
    let event = first.name().unwrap_or("cpu-clock").to_string();
    let format = first.attributes().sample_format;
    let dwarf = format.contains(SampleFormat::STACK_USER) && format.contains(SampleFormat::REGS_USER);
    let build_ids: HashMap<String, String> = perf_file
        .build_ids()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| !matches!(k, DsoKey::Kernel | DsoKey::GuestKernel))
        .map(|(_, v)| (String::from_utf8_lossy(&v.path).into_owned(), hex(&v.build_id)))
        .collect();
    let command = command_line(&perf_file).map(|c| {
        let args: Vec<&str> = c.iter().copied().skip_while(|a| *a != "--").skip(1).collect();
        if args.is_empty() {
            c.join(" ")
        } else {
            args.join(" ")
        }
    });
    let mut reading = Reading {
        modules: Vec::new(),
        by_path: HashMap::new(),
        processes: HashMap::new(),
        comms: HashMap::new(),
        build_ids,
        threads: Vec::new(),
        thread_ids: HashMap::new(),
        stacks: HashMap::new(),
        timed: Vec::new(),
        cache: CacheX86_64::new(),
        kernel_text: None,
    };
    let mut lost = 0u64;
    // samples of other events than the first (not context switches), by event
    let mut others: std::collections::BTreeMap<usize, u64> = std::collections::BTreeMap::new();
    let (mut first_ts, mut last_ts) = (u64::MAX, 0u64);
    let mut samples = 0u64;
    loop {
        let record = match record_iter.next_record(&mut perf_file) {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => return Err(bad(path, ProfileError::PerfTruncated { why: e.to_string() })),
        };
        let PerfFileRecord::EventRecord { record, attr_index } = record else { continue };
        if !parses_safely(&record) {
            continue;
        }
        let Ok(parsed) = record.parse() else { continue };
        match parsed {
            EventRecord::Mmap2(m) if m.protection & 4 != 0 => {
                let p = String::from_utf8_lossy(&m.path.as_slice()).into_owned();
                reading.map(m.pid, m.address, m.length, m.page_offset, &p);
            }
            EventRecord::Mmap(m) if m.is_executable => {
                let p = String::from_utf8_lossy(&m.path.as_slice()).into_owned();
                reading.map(m.pid, m.address, m.length, m.page_offset, &p);
            }
            EventRecord::Comm(c) => {
                reading.comms.insert(c.tid, String::from_utf8_lossy(&c.name.as_slice()).into_owned());
            }
            EventRecord::Lost(l) => lost += l.count,
            EventRecord::Sample(s) => {
                let counts = counted.get(attr_index).copied().unwrap_or(false);
                let switch = switches.get(attr_index).copied().unwrap_or(false);
                if !counts && !switch {
                    *others.entry(attr_index).or_default() += 1;
                }
                if counts {
                    samples += 1;
                    if let Some(t) = s.timestamp {
                        first_ts = first_ts.min(t);
                        last_ts = last_ts.max(t);
                    }
                }
                if counts || switch {
                    reading.sample(&s, dwarf, counts, (timeline || any_switch).then_some(switch));
                }
            }
            _ => {}
        }
    }
    if samples == 0 {
        return Err(bad(path, ProfileError::PerfNoSamples));
    }
    // a binary that is gone or rebuilt names the wrong functions: refuse
    let wrong: Vec<String> = reading
        .modules
        .iter()
        .filter(|m| m.samples > 0)
        .filter_map(|m| m.problem.as_ref().map(|p| format!("{} ({p})", m.path)))
        .collect();
    if !wrong.is_empty() {
        return Err(bad(path, ProfileError::BinariesChanged { binaries: wrong }));
    }
    let objects: Vec<(&str, u64)> = reading.modules.iter().map(|m| (m.path.as_str(), m.samples)).collect();
    let main_path = crate::model::main_object(&objects, command.as_deref());
    let main = reading.modules.iter().find(|m| Some(m.path.as_str()) == main_path);
    let meta = Meta {
        tool: "perf".into(),
        event: event.clone(),
        unit: "samples".into(),
        unwinding: if dwarf { CallGraph::Dwarf.name() } else { CallGraph::FramePointers.name() }.into(),
        command,
        commit: None,
        binary: main.map(|m| m.path.clone()),
        build_id: main.and_then(|m| m.binary.as_ref()?.build_id.clone()),
        duration_us: (last_ts > first_ts).then(|| (last_ts - first_ts) as f64 / 1e3),
        lost,
        threads: Vec::new(),
        file: shown,
        notes: others
            .iter()
            .map(|(&i, n)| {
                let name = names.get(i).map_or("another event", String::as_str);
                format!("{n} samples of {name} left out: the costs are of the file's first event, {event}")
            })
            .collect(),
    };
    let (mut profile, (stacks, mut timed)) = reading.finish(meta);
    timed.sort_by_key(|t| t.time);
    let line = Timeline { clock, to_epoch_ns, samples: timed, stacks };
    profile.off_cpu = crate::offcpu::stacks(&line);
    Ok((profile, if timeline { line } else { Timeline::default() }))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Where an address is: a module and the file address in it, or nowhere known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Place {
    Code {
        module: u32,
        address: u64,
    },
    /// In a mapped file fastware cannot read (its index), or in no mapping.
    Unreadable(u32),
    Unknown,
}

/// A sample before its addresses are named: thread, its kernel addresses
/// and its user addresses, innermost first.
type RawStack = (u32, Vec<u64>, Vec<Place>);

struct Reading {
    modules: Vec<ModuleFile>,
    by_path: HashMap<String, usize>,
    processes: HashMap<i32, Process>,
    comms: HashMap<i32, String>,
    build_ids: HashMap<String, String>,
    threads: Vec<String>,
    thread_ids: HashMap<String, u32>,
    /// Each distinct stack: its CPU samples and its id (for the timeline).
    stacks: HashMap<RawStack, (u64, u32)>,
    /// With a timeline: each sample, its stack an id of `stacks`.
    timed: Vec<Timed>,
    cache: CacheX86_64,
    /// The kernel's `_text` address when recorded (its MMAP record).
    kernel_text: Option<u64>,
}

impl Reading {
    fn map(&mut self, pid: i32, start: u64, len: u64, page_offset: u64, path: &str) {
        // a mapping reaching past the address space is damage in the record:
        // it is left out (its samples stay unresolved) rather than wrapped
        let Some(end) = start.checked_add(len) else { return };
        if path.starts_with("[kernel.kallsyms]") {
            // where the kernel's text was when recorded: its names from
            // /proc/kallsyms hold only for that boot
            self.kernel_text = Some(page_offset);
            return;
        }
        if path.starts_with('[') && path != "[vdso]" {
            return;
        }
        let module = match self.by_path.get(path) {
            Some(&m) => m,
            None => {
                let (binary, problem) = load(path, self.build_ids.get(path));
                self.modules.push(ModuleFile { path: path.to_string(), binary, problem, samples: 0 });
                self.by_path.insert(path.to_string(), self.modules.len() - 1);
                self.modules.len() - 1
            }
        };
        let p = self.processes.entry(pid).or_default();
        p.mappings.retain(|m| m.end <= start || m.start >= end);
        p.mappings.push(Mapping { start, end, page_offset, module });
        p.mappings.sort_by_key(|m| m.start);
        // the unwinder is rebuilt with the new mapping at the next sample
        p.modules_in_unwinder = usize::MAX;
    }

    fn thread(&mut self, name: String) -> u32 {
        if let Some(&id) = self.thread_ids.get(&name) {
            return id;
        }
        self.threads.push(name.clone());
        self.thread_ids.insert(name, (self.threads.len() - 1) as u32);
        (self.threads.len() - 1) as u32
    }

    /// Adds a sample: to the profile's costs when it `counts`, to the
    /// timeline when `timed` says whether it is a context switch.
    fn sample(
        &mut self,
        s: &linux_perf_data::linux_perf_event_reader::SampleRecord,
        dwarf: bool,
        counts: bool,
        timed: Option<bool>,
    ) {
        let pid = s.pid.unwrap_or(0);
        let tid = s.tid.unwrap_or(pid);
        let name = format!("{} {tid}", self.comms.get(&tid).map_or("?", String::as_str));
        let thread = self.thread(name);
        // user addresses to look up (a return address less one: the call), innermost first
        let mut user: Vec<u64> = Vec::new();
        let mut kernel: Vec<u64> = Vec::new();
        if let Some(chain) = &s.callchain {
            let mut ctx = PERF_CONTEXT_USER;
            for i in 0..chain.len() {
                let Some(a) = chain.get(i) else { break };
                if a >= PERF_CONTEXT_MAX {
                    ctx = a;
                    continue;
                }
                match ctx {
                    // the leaf as it is, return addresses less one: the call
                    PERF_CONTEXT_KERNEL if kernel.is_empty() => kernel.push(a),
                    PERF_CONTEXT_KERNEL => kernel.push(a.saturating_sub(1)),
                    PERF_CONTEXT_USER if user.is_empty() => user.push(a),
                    PERF_CONTEXT_USER => user.push(a.saturating_sub(1)),
                    _ => {}
                }
            }
        } else if let Some(ip) = s.ip {
            if s.cpu_mode == CpuMode::Kernel {
                kernel.push(ip);
            } else {
                user.push(ip);
            }
        }
        if dwarf {
            if let (Some(regs), Some((stack, _))) = (&s.user_regs, &s.user_stack) {
                if let (Some(ip), Some(sp), Some(bp)) = (regs.get(REG_IP), regs.get(REG_SP), regs.get(REG_BP)) {
                    user = self.unwind(pid, ip, sp, bp, &stack.as_slice());
                }
            }
        }
        let places: Vec<Place> = user.iter().map(|&a| self.place(pid, a)).collect();
        if kernel.is_empty() && places.is_empty() {
            return;
        }
        let next = self.stacks.len() as u32;
        let entry = self.stacks.entry((thread, kernel, places)).or_insert((0, next));
        entry.0 += u64::from(counts);
        if let Some(switch) = timed {
            self.timed.push(Timed {
                time: s.timestamp.unwrap_or(0),
                thread,
                stack: entry.1,
                period: if switch { 0 } else { s.period.unwrap_or(0) },
                switch,
            });
        }
    }

    fn place(&mut self, pid: i32, addr: u64) -> Place {
        let Some(p) = self.processes.get(&pid) else { return Place::Unknown };
        let i = p.mappings.partition_point(|m| m.start <= addr);
        let Some(m) = i.checked_sub(1).and_then(|i| p.mappings.get(i)).filter(|m| addr < m.end) else {
            return Place::Unknown;
        };
        let module = &mut self.modules[m.module];
        module.samples += 1;
        match module.binary.as_ref().and_then(|b| b.file_address(addr, m.start, m.page_offset)) {
            Some(address) => Place::Code { module: m.module as u32, address },
            None => Place::Unreadable(m.module as u32),
        }
    }

    /// Unwinds a copied user stack: addresses to look up, innermost first.
    fn unwind(&mut self, pid: i32, ip: u64, sp: u64, bp: u64, stack: &[u8]) -> Vec<u64> {
        let proc = self.processes.entry(pid).or_default();
        if proc.unwinder.is_none() || proc.modules_in_unwinder != proc.mappings.len() {
            let mut u = UnwinderX86_64::new();
            for m in &proc.mappings {
                if let Some(module) = unwind_module(&self.modules[m.module], m) {
                    u.add_module(module);
                }
            }
            proc.unwinder = Some(u);
            proc.modules_in_unwinder = proc.mappings.len();
        }
        let Some(unwinder) = &proc.unwinder else { return vec![ip] };
        let mut read_stack = |addr: u64| -> Result<u64, ()> {
            let off = addr.checked_sub(sp).ok_or(())? as usize;
            let bytes = stack.get(off..off + 8).ok_or(())?;
            Ok(u64::from_le_bytes(bytes.try_into().map_err(|_| ())?))
        };
        let mut out = Vec::new();
        let mut iter = unwinder.iter_frames(ip, UnwindRegsX86_64::new(ip, sp, bp), &mut self.cache, &mut read_stack);
        while let Ok(Some(frame)) = iter.next() {
            out.push(match frame {
                FrameAddress::InstructionPointer(a) => a,
                FrameAddress::ReturnAddress(a) => a.get() - 1,
            });
            if out.len() > 1024 {
                break;
            }
        }
        if out.is_empty() {
            out.push(ip);
        }
        out
    }

    /// Names every place of every stack: the profile, and with a timeline
    /// each stack's frames (root first, by id) and the timed samples.
    fn finish(self, mut meta: Meta) -> (Profile, (Vec<Vec<u32>>, Vec<Timed>)) {
        let timeline = !self.timed.is_empty();
        let mut by_id: Vec<Vec<u32>> = if timeline { vec![Vec::new(); self.stacks.len()] } else { Vec::new() };
        let mut symbolizers: Vec<Option<Symbolizer>> =
            self.modules.iter().map(|m| m.binary.as_ref().map(Symbolizer::new)).collect();
        let short = |m: &ModuleFile| m.path.rsplit('/').next().unwrap_or(&m.path).to_string();
        let mut builder = Builder::default();
        for t in &self.threads {
            builder.thread(t);
        }
        // per place: its frames (innermost first) and its symbol (function, start)
        type Named = (Vec<u32>, Option<(u32, u64)>);
        let mut named: HashMap<Place, Named> = HashMap::new();
        let mut stacks: Vec<(RawStack, (u64, u32))> = self.stacks.into_iter().collect();
        stacks.sort();
        let any_kernel = stacks.iter().any(|((_, k, _), _)| !k.is_empty());
        let kallsyms = if any_kernel { self.kernel_text.and_then(Kallsyms::of_this_boot) } else { None };
        if any_kernel && kallsyms.is_none() {
            meta.notes.push(match std::env::var_os("FASTWARE_KALLSYMS") {
                Some(f) => format!(
                    "the kernel's functions are one [kernel] row: FASTWARE_KALLSYMS ({}) cannot be read or is not of the boot the profile was recorded in",
                    Path::new(&f).display()
                ),
                None => "the kernel's functions are one [kernel] row: /proc/kallsyms here is not of the boot the profile was recorded in, or hides its addresses (read it as root, or set kernel.kptr_restrict=0)".into(),
            });
        }
        let mut kernel_names: HashMap<u64, u32> = HashMap::new();
        for ((thread, kernel, places), (weight, id)) in stacks {
            let mut frames: Vec<u32> = Vec::new(); // innermost first
            let mut leaf = None;
            match &kallsyms {
                // each kernel frame by name, as perf report gives them
                Some(k) => {
                    for &a in &kernel {
                        let id = *kernel_names.entry(a).or_insert_with(|| {
                            builder.function(Function {
                                name: k.name(a).unwrap_or("[kernel]").to_string(),
                                raw: None,
                                inlined: false,
                                module: Some("[kernel]".into()),
                            })
                        });
                        frames.push(id);
                    }
                }
                None if !kernel.is_empty() => frames.push(builder.function(Function {
                    name: "[kernel]".into(),
                    raw: None,
                    inlined: false,
                    module: Some("[kernel]".into()),
                })),
                None => {}
            }
            let kernel = !kernel.is_empty();
            for (k, place) in places.iter().enumerate() {
                let (ids, symbol) = named
                    .entry(*place)
                    .or_insert_with(|| {
                        let unknown = |label: String| Function { name: label, raw: None, inlined: false, module: None };
                        let (module, address) = match *place {
                            Place::Code { module, address } => (module as usize, address),
                            Place::Unreadable(m) => {
                                return (
                                    vec![builder.function(unknown(format!("[{}]", short(&self.modules[m as usize]))))],
                                    None,
                                )
                            }
                            Place::Unknown => return (vec![builder.function(unknown("[unknown]".into()))], None),
                        };
                        let m = &self.modules[module];
                        let frames = match &mut symbolizers[module] {
                            Some(s) => s.frames(address).to_vec(),
                            None => Vec::new(),
                        };
                        if frames.is_empty() {
                            return (vec![builder.function(unknown(format!("[{}]", short(m))))], None);
                        }
                        let mut ids = Vec::new();
                        let mut symbol = None;
                        for f in frames {
                            let is_symbol = f.raw.is_some();
                            let id = builder.function(Function {
                                name: f.name,
                                raw: f.raw,
                                inlined: f.inlined,
                                module: Some(m.path.clone()),
                            });
                            if is_symbol {
                                symbol = Some((id, address));
                            }
                            ids.push(id);
                        }
                        (ids, symbol)
                    })
                    .clone();
                if k == 0 && !kernel {
                    leaf = symbol;
                }
                frames.extend(ids);
            }
            frames.reverse();
            if timeline {
                by_id[id as usize] = frames.clone();
            }
            if weight > 0 {
                builder.sample(thread, frames, weight, leaf);
            }
        }
        (builder.finish(meta), (by_id, self.timed))
    }
}

/// The kernel's symbols, from `/proc/kallsyms`: only when the recording is
/// of this boot (the kernel's text where it was then) and the addresses
/// are shown (root, or `kernel.kptr_restrict` 0).
struct Kallsyms {
    /// (address, name), sorted.
    symbols: Vec<(u64, String)>,
}

impl Kallsyms {
    /// `/proc/kallsyms`, or the copy `FASTWARE_KALLSYMS` names (that of the
    /// machine and boot a profile read here was recorded on).
    fn of_this_boot(text_when_recorded: u64) -> Option<Kallsyms> {
        let path = std::env::var_os("FASTWARE_KALLSYMS").unwrap_or_else(|| "/proc/kallsyms".into());
        let text = std::fs::read_to_string(path).ok()?;
        let mut symbols: Vec<(u64, String)> = Vec::new();
        let mut text_now = None;
        for line in text.lines() {
            let mut f = line.split_ascii_whitespace();
            let (Some(a), Some(kind), Some(name)) = (f.next(), f.next(), f.next()) else { continue };
            let Ok(a) = u64::from_str_radix(a, 16) else { continue };
            if name == "_text" {
                text_now = Some(a);
            }
            if a != 0 && matches!(kind, "T" | "t" | "W" | "w") {
                symbols.push((a, name.to_string()));
            }
        }
        if text_now != Some(text_when_recorded) || symbols.is_empty() {
            return None;
        }
        symbols.sort_unstable();
        Some(Kallsyms { symbols })
    }

    /// The function holding `address` (the nearest symbol at or before it).
    fn name(&self, address: u64) -> Option<&str> {
        let i = self.symbols.partition_point(|(a, _)| *a <= address);
        i.checked_sub(1).map(|i| self.symbols[i].1.as_str())
    }
}

/// Loads a mapped file; a problem (missing, other build id) is kept to be
/// reported if samples land in it.
fn load(path: &str, build_id: Option<&String>) -> (Option<Binary>, Option<String>) {
    if path == "[vdso]" {
        return (None, None);
    }
    match Binary::open(Path::new(path)) {
        Ok(b) => {
            if let (Some(want), Some(have)) = (build_id, &b.build_id) {
                if !have.starts_with(want.as_str()) && !want.starts_with(have.as_str()) {
                    return (None, Some(format!("build id {have} on disk, {want} when profiled: rebuilt")));
                }
            }
            (Some(b), None)
        }
        Err(_) if !Path::new(path).exists() => (None, Some("no longer on disk".into())),
        Err(_) => (None, None),
    }
}

/// The unwind information of a mapped file, for framehop.
fn unwind_module(file: &ModuleFile, m: &Mapping) -> Option<Module<Vec<u8>>> {
    let b = file.binary.as_ref()?;
    let base = b.load_bias(m.start, m.end - m.start, m.page_offset)?;
    let section = |name: &str| b.section(name).filter(|s| !s.data.is_empty());
    let range = |s: &fastware_binary::Section| s.address..s.address + s.size;
    let text = section(".text");
    let eh_frame = section(".eh_frame");
    let eh_frame_hdr = section(".eh_frame_hdr");
    let got = b.section(".got");
    let info = ExplicitModuleSectionInfo {
        base_svma: 0,
        text_svma: text.map(range),
        text: text.map(|s| s.data.to_vec()),
        got_svma: got.map(range),
        eh_frame_svma: eh_frame.map(range),
        eh_frame: eh_frame.map(|s| s.data.to_vec()),
        eh_frame_hdr_svma: eh_frame_hdr.map(range),
        eh_frame_hdr: eh_frame_hdr.map(|s| s.data.to_vec()),
        ..Default::default()
    };
    Some(Module::new(file.path.clone(), m.start..m.end, base, info))
}

#[cfg(test)]
mod tests {
    /// The fuzzer's perf.data whose command-line section claims 1.9 billion
    /// strings (`tests/fixtures/fuzz/README.md`): the command line is left
    /// out, read straight from the file (the whole read also needs the
    /// profiled program on disk, which only the machine that fuzzed has).
    #[test]
    fn a_command_line_count_past_its_section_is_left_out() {
        let path = fastware_testkit::fixture("fuzz").join("perf-data-9c0920e1");
        let file = std::fs::File::open(&path).expect("fixture");
        let reader = super::PerfFileReader::parse_file(std::io::BufReader::new(file)).expect("a perf.data file");
        let section = reader.perf_file.feature_section_data(linux_perf_data::Feature::CMDLINE).expect("a section");
        assert!(u32::from_le_bytes(section[..4].try_into().expect("4 bytes")) as usize > section.len() / 4);
        assert_eq!(super::command_line(&reader.perf_file), None);
    }
}
