//! Findings: rules that fire on measured numbers, each naming the numbers,
//! the change to try, and why. The catalogue comes from the field reports
//! (seeds 002 and 004). Every number a finding cites is also in the report;
//! `pointer` says where (a JSON pointer into `--format json` output).

use crate::diagnosis::{CrateDeep, Diagnosis, UnitRow};
use crate::phases::Phase;
use fastware_cargo::experiment::{Experiment, SetAxis};
use fastware_report::Duration;

/// The unit a cited number is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// A time in microseconds.
    Duration,
    /// A share, 0..1.
    Share,
    Count,
}

/// One number a finding rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub what: String,
    pub value: f64,
    pub measure: Measure,
    /// Where the same number is in the JSON report.
    pub pointer: String,
}

/// A finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable name of the rule: `lto`, `debuginfo`, `opt-level`, …
    pub rule: &'static str,
    /// The crate or unit it is about.
    pub subject: String,
    pub title: String,
    pub evidence: Vec<Evidence>,
    /// What to change.
    pub change: String,
    /// Why that should help.
    pub why: String,
    /// The same rule on other crates or units, smaller first-cited figure
    /// first: one finding per rule, a row per subject.
    pub also: Vec<Finding>,
    /// The `fastware matrix` experiment that tests the change (none when
    /// the change is not a setting).
    pub experiment: Option<Experiment>,
}

impl Finding {
    /// What orders a rule's subjects: its first cited figure.
    fn weight(&self) -> f64 {
        self.evidence.first().map_or(0.0, |e| e.value)
    }
}

/// One finding per rule, in the order rules first fire: the subject with
/// the largest figure leads, the others follow in `also`, largest first.
fn grouped(all: Vec<Finding>) -> Vec<Finding> {
    let mut rules: Vec<Vec<Finding>> = Vec::new();
    for f in all {
        match rules.iter_mut().find(|g| g[0].rule == f.rule) {
            Some(g) => g.push(f),
            None => rules.push(vec![f]),
        }
    }
    rules
        .into_iter()
        .map(|mut g| {
            g.sort_by(|a, b| b.weight().total_cmp(&a.weight()));
            let mut head = g.remove(0);
            head.also = g;
            head
        })
        .collect()
}

/// A time of `ns` nanoseconds, cited in microseconds as the report has it.
fn secs(what: &str, ns: i64, pointer: String) -> Evidence {
    Evidence { what: what.into(), value: ns as f64 / 1e3, measure: Measure::Duration, pointer }
}

/// A duration, cited in microseconds as the report has it.
fn time(what: &str, d: Duration, pointer: String) -> Evidence {
    secs(what, d.ns(), pointer)
}

fn share(what: &str, part: f64, whole: f64, pointer: String) -> Evidence {
    let v = if whole > 0.0 { part / whole } else { 0.0 };
    Evidence { what: what.into(), value: (v * 10_000.0).round() / 10_000.0, measure: Measure::Share, pointer }
}

/// Thresholds, in one place.
pub mod limits {
    /// LTO: at least this share of the crate's compile time…
    pub const LTO_SHARE: f64 = 0.15;
    /// …and this many seconds.
    pub const LTO_SECONDS: f64 = 2.0;
    /// Debug info passes (a lower bound of debug info's cost): share of the
    /// crate's LLVM time, and seconds.
    pub const DEBUGINFO_SHARE: f64 = 0.03;
    pub const DEBUGINFO_SECONDS: f64 = 0.5;
    /// The final crate: LLVM's share of its compile time, and its seconds.
    pub const FINAL_LLVM_SHARE: f64 = 0.5;
    pub const FINAL_SECONDS: f64 = 3.0;
    /// The top few functions: how many, their share of the crate's LLVM
    /// time on functions together, and seconds together.
    pub const FEW_FUNCTIONS: usize = 3;
    pub const FEW_SHARE: f64 = 0.2;
    pub const FEW_SECONDS: f64 = 1.0;
    /// A function counts as monomorphization-heavy from this many instances.
    pub const MANY_INSTANCES: u64 = 8;
    /// Drop glue: share of the crate's LLVM time on functions, and seconds.
    pub const DROP_GLUE_SHARE: f64 = 0.10;
    pub const DROP_GLUE_SECONDS: f64 = 0.5;
    /// One trait-solving query, seconds.
    pub const OBLIGATION_SECONDS: f64 = 0.05;
    /// Linking: share of the unit's time, and seconds.
    pub const LINK_SHARE: f64 = 0.2;
    pub const LINK_SECONDS: f64 = 1.0;
    /// A unit running alone: share of the build's span, and seconds.
    pub const ALONE_SHARE: f64 = 0.3;
    pub const ALONE_SECONDS: f64 = 3.0;
    /// A hot rebuild without incremental compilation, seconds.
    pub const HOT_SECONDS: f64 = 2.0;
    /// The critical path's first unit queued (all jobs busy) for this share
    /// of the build's span, and seconds.
    pub const QUEUED_SHARE: f64 = 0.2;
    pub const QUEUED_SECONDS: f64 = 5.0;
}

/// Runs every rule.
pub fn findings(d: &Diagnosis) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, c) in d.deep.iter().enumerate() {
        out.extend(lto(d, i, c));
        out.extend(debuginfo(d, i, c));
        out.extend(heavy_functions(i, c));
        out.extend(drop_glue(i, c));
        out.extend(trait_obligation(i, c));
    }
    out.extend(final_opt_level(d));
    for (i, u) in d.units.iter().enumerate() {
        out.extend(link(i, u));
        out.extend(alone(d, i, u));
    }
    out.extend(incremental(d));
    out.extend(throughput(d));
    grouped(out)
}

fn settings_of<'a>(d: &'a Diagnosis, crate_name: &str) -> Option<(usize, &'a UnitRow)> {
    d.units
        .iter()
        .enumerate()
        .find(|(_, u)| u.start.is_some() && u.target.replace('-', "_") == crate_name && u.settings.is_some())
}

/// LTO takes at least [`limits::LTO_SHARE`] of a crate's compile time and
/// [`limits::LTO_SECONDS`].
fn lto(d: &Diagnosis, i: usize, c: &CrateDeep) -> Option<Finding> {
    let t = c.phase_ns(Phase::Lto);
    let fires = t as f64 >= limits::LTO_SHARE * c.busy_ns as f64 && t as f64 / 1e9 >= limits::LTO_SECONDS;
    if !fires {
        return None;
    }
    let setting = settings_of(d, &c.crate_name)
        .and_then(|(_, u)| u.settings.as_ref()?.lto.clone())
        .unwrap_or_else(|| "thin-local (default)".into());
    let values = if setting == "thin" { "off" } else { "off,thin" };
    let experiment =
        Some(Experiment::set(format!("profile.{}.lto", d.profile), &values.split(',').collect::<Vec<_>>()));
    Some(Finding {
        rule: "lto",
        subject: c.crate_name.clone(),
        title: format!("link-time optimisation takes {} of {}'s compile time", pct(t, c.busy_ns), c.crate_name),
        evidence: vec![
            secs("LTO time (self-profile)", t, format!("/deep/{i}/phases/lto_us")),
            share("share of the crate's compile time", t as f64, c.busy_ns as f64, format!("/deep/{i}/phases/lto_share")),
        ],
        change: format!(
            "lto = {setting} here: for the builds you iterate on, set `lto = \"off\"` (or `\"thin\"`) in the profile, and keep full LTO for the artifacts you ship (e.g. a separate `[profile.dist]` with `inherits = \"release\"`)"
        ),
        also: Vec::new(),
                why: "LTO re-optimises the whole program at link time, on one or few threads, after every other step; it is the part of a release build that grows fastest with code size (seed 002: fat LTO took about 4× as long as no LTO)".into(),
        experiment,
    })
}

/// LLVM's debug-info passes take at least [`limits::DEBUGINFO_SHARE`] of
/// the crate's LLVM time and [`limits::DEBUGINFO_SECONDS`].
fn debuginfo(d: &Diagnosis, i: usize, c: &CrateDeep) -> Option<Finding> {
    let l = c.llvm.as_ref()?;
    let t = l.debuginfo_ns();
    if (t as f64) < limits::DEBUGINFO_SHARE * l.busy_ns as f64 || (t as f64 / 1e9) < limits::DEBUGINFO_SECONDS {
        return None;
    }
    let level = settings_of(d, &c.crate_name)
        .and_then(|(_, u)| u.settings.as_ref()?.debuginfo.clone())
        .unwrap_or_else(|| "?".into());
    Some(Finding {
        rule: "debuginfo",
        subject: c.crate_name.clone(),
        title: format!("debug info costs {} of LLVM time in {}", pct(t, l.busy_ns), c.crate_name),
        evidence: vec![
            secs("LLVM debug-info passes", t, format!("/deep/{i}/llvm/debuginfo_us")),
            share("share of the crate's LLVM time", t as f64, l.busy_ns as f64, format!("/deep/{i}/llvm/debuginfo_share")),
        ],
        change: format!(
            "debuginfo={level} here: set `debug = \"line-tables-only\"` (backtraces and profilers keep file:line) or `debug = false` in the profile you iterate with"
        ),
        also: Vec::new(),
                why: "full debug info makes LLVM track every variable through optimisation and write much larger objects for the linker (seed 002: debug = \"full\" added 30–50% to the build)".into(),
        experiment: Some(Experiment::set(format!("profile.{}.debug", d.profile), &["line-tables-only", "none"])),
    })
}

/// The last unit of the build, compiled at opt-level 3, spends at least
/// [`limits::FINAL_LLVM_SHARE`] of its time in LLVM and takes at least
/// [`limits::FINAL_SECONDS`].
fn final_opt_level(d: &Diagnosis) -> Option<Finding> {
    let last = d.critical_path.last()?;
    let (ui, u) = d.units.iter().enumerate().find(|(_, u)| u.index == last.index)?;
    let s = u.settings.as_ref()?;
    if s.opt_level.as_deref() != Some("3") || u.duration.secs() < limits::FINAL_SECONDS {
        return None;
    }
    let name = u.target.replace('-', "_");
    let (llvm, whole, mut evidence) = match d.deep.iter().enumerate().find(|(_, c)| c.crate_name == name) {
        Some((ci, c)) => {
            let t = c.phase_ns(Phase::LlvmOptimize) + c.phase_ns(Phase::LlvmCodegen) + c.phase_ns(Phase::Lto);
            let ev = vec![
                secs(
                    "LLVM time (optimise, codegen, LTO; summed over threads)",
                    t,
                    format!("/deep/{ci}/llvm_phases_us"),
                ),
                share(
                    "LLVM's share of the crate's compile time",
                    t as f64,
                    c.busy_ns as f64,
                    format!("/deep/{ci}/llvm_phases_share"),
                ),
            ];
            (t as f64 / 1e9, c.busy_ns as f64 / 1e9, ev)
        }
        None => {
            let c = u.codegen?;
            let ev = vec![
                time("codegen section (cargo)", c, format!("/units/{ui}/codegen_us")),
                share(
                    "its share of the unit's time",
                    c.secs(),
                    u.duration.secs(),
                    format!("/units/{ui}/codegen_share"),
                ),
            ];
            (c.secs(), u.duration.secs(), ev)
        }
    };
    if llvm < limits::FINAL_LLVM_SHARE * whole {
        return None;
    }
    evidence.insert(0, time("unit time", u.duration, format!("/units/{ui}/duration_us")));
    Some(Finding {
        rule: "opt-level",
        subject: u.label.clone(),
        title: format!("the final crate {} is optimised at opt-level 3 and LLVM is most of its time", u.label),
        evidence,
        change: "optimise dependencies fully and the final crate less: `[profile.release] opt-level = 1` with `[profile.release.package.\"*\"] opt-level = 3`".into(),
        also: Vec::new(),
                why: "code is optimised in the crate that instantiates it, and the final crate, last on the critical path, instantiates most of it; dependencies are cached between builds, the final crate is rebuilt every time (seed 002: the final crate at opt-level 1 with dependencies at 3)".into(),
        experiment: Some(Experiment {
            sets: vec![
                SetAxis { key: format!("profile.{}.opt-level", d.profile), values: vec!["1".into(), "2".into()] },
                SetAxis { key: format!("profile.{}.package.\"*\".opt-level", d.profile), values: vec!["3".into()] },
            ],
            ..Experiment::default()
        }),
    })
}

/// The top [`limits::FEW_FUNCTIONS`] functions take at least
/// [`limits::FEW_SHARE`] of the crate's LLVM time on functions and
/// [`limits::FEW_SECONDS`] together.
fn heavy_functions(i: usize, c: &CrateDeep) -> Option<Finding> {
    let l = c.llvm.as_ref()?;
    let top: Vec<(usize, &fastware_trace::GroupRow)> =
        l.top_functions.iter().enumerate().take(limits::FEW_FUNCTIONS).collect();
    let sum: i64 = top.iter().map(|(_, f)| f.llvm_ns).sum();
    if (sum as f64) < limits::FEW_SHARE * l.function_ns as f64 || (sum as f64 / 1e9) < limits::FEW_SECONDS {
        return None;
    }
    let mut evidence: Vec<Evidence> = top
        .iter()
        .map(|(k, f)| {
            secs(
                &format!("LLVM time of {}", f.key),
                f.llvm_ns,
                format!("/deep/{i}/llvm/top_functions/{k}/llvm_time_us"),
            )
        })
        .collect();
    evidence.push(share(
        "their share of the crate's LLVM time on functions",
        sum as f64,
        l.function_ns as f64,
        format!("/deep/{i}/llvm/top_share"),
    ));
    let advice: Vec<String> = top
        .iter()
        .map(|(_, f)| {
            if l.closure_heavy.contains(&f.key) {
                format!("`{}` is mostly an async body or closures: box the futures it awaits (`Box::pin(fut)`, or an `erase(f) -> Pin<Box<dyn Future<Output = T> + Send>>` around each `.await`), or split it into smaller boxed async fns", f.key)
            } else if f.instances >= limits::MANY_INSTANCES {
                format!("`{}` is compiled {} times, once per type: keep the generic part a thin wrapper over a non-generic (or `&dyn`) inner function", f.key, f.instances)
            } else {
                format!("`{}`: split it into smaller functions (with LTO or `#[inline]`, mark large callees `#[inline(never)]`)", f.key)
            }
        })
        .collect();
    Some(Finding {
        rule: "few-functions",
        subject: c.crate_name.clone(),
        title: format!("{} functions take {} of {}'s LLVM time", top.len(), pct(sum, l.function_ns), c.crate_name),
        evidence,
        change: advice.join("; "),
        also: Vec::new(),
        experiment: None,
        why: "LLVM's time grows faster than linearly with a function's size after inlining, and every instantiation of a generic is optimised again; a large async fn is one large state machine (seed 002: boxing the awaited futures cut one function from 5.3 s to 2.1 s)".into(),
    })
}

/// Drop glue takes at least [`limits::DROP_GLUE_SHARE`] of the crate's LLVM
/// time on functions and [`limits::DROP_GLUE_SECONDS`].
fn drop_glue(i: usize, c: &CrateDeep) -> Option<Finding> {
    let l = c.llvm.as_ref()?;
    let t = l.drop_glue_ns;
    if (t as f64) < limits::DROP_GLUE_SHARE * l.function_ns as f64 || (t as f64 / 1e9) < limits::DROP_GLUE_SECONDS {
        return None;
    }
    Some(Finding {
        rule: "drop-glue",
        subject: c.crate_name.clone(),
        title: format!("drop glue takes {} of {}'s LLVM time on functions", pct(t, l.function_ns), c.crate_name),
        evidence: vec![
            secs("drop glue (core::ptr::drop_in_place)", t, format!("/deep/{i}/llvm/drop_glue_us")),
            share("share of the crate's LLVM time on functions", t as f64, l.function_ns as f64, format!("/deep/{i}/llvm/drop_glue_share")),
        ],
        change: "find the types with `fastware trace <trace> --by instance --filter drop_in_place`; box large rarely-used fields, keep fewer values alive across `.await`s, and avoid many distinct instantiations of types that own heap data".into(),
        also: Vec::new(),
        experiment: None,
        why: "rustc generates drop code for every concrete type, and an async fn's state machine needs drop code for every state (seed 002: 84% of the time spent on `core`'s code was drop_in_place)".into(),
    })
}

/// One trait-solving query took at least [`limits::OBLIGATION_SECONDS`].
fn trait_obligation(i: usize, c: &CrateDeep) -> Option<Finding> {
    let e = c.longest_trait.as_ref()?;
    if (e.dur_ns as f64 / 1e9) < limits::OBLIGATION_SECONDS {
        return None;
    }
    let arg = e
        .args
        .first()
        .map(|a| fastware_selfprof::longest::abbreviate(fastware_selfprof::longest::readable_arg(a), 3, 200))
        .unwrap_or_default();
    Some(Finding {
        rule: "trait-obligation",
        subject: c.crate_name.clone(),
        title: format!("one {} query took {} in {}", e.label, fastware_report::units::duration(e.dur_ns), c.crate_name),
        evidence: vec![secs("the query's duration", e.dur_ns, format!("/deep/{i}/longest_trait/duration_us"))],
        change: format!(
            "the obligation is {arg}: hide the deeply nested type behind a box (`Box<dyn Trait>`, `Pin<Box<dyn Future + Send>>`, a combinator library's `.boxed()`) at the points where it is built up"
        ),
        also: Vec::new(),
        experiment: None,
        why: "proving a bound like `Send` on a type nested dozens of levels deep makes the trait solver walk the whole type, for every place that asks (seed 004: one obligation took 40 s; `.boxed()` cut the hot build from 71 s to 14 s)".into(),
    })
}

/// A unit's link section takes at least [`limits::LINK_SHARE`] of its time
/// and [`limits::LINK_SECONDS`].
fn link(i: usize, u: &UnitRow) -> Option<Finding> {
    let l = u.link?;
    if l.secs() < limits::LINK_SECONDS || l.secs() < limits::LINK_SHARE * u.duration.secs() {
        return None;
    }
    let linker = u
        .settings
        .as_ref()
        .and_then(|s| s.linker_name().map(str::to_string))
        .unwrap_or_else(|| "the system default".into());
    Some(Finding {
        rule: "link",
        subject: u.label.clone(),
        title: format!("linking {} takes {:.2} s", u.label, l.secs()),
        evidence: vec![time("link section (cargo)", l, format!("/units/{i}/link_us")), share("share of the unit's time", l.secs(), u.duration.secs(), format!("/units/{i}/link_share"))],
        change: format!("the linker is {linker}: try lld (`-C link-arg=-fuse-ld=lld`) or mold (`mold -run cargo build`), e.g. in `.cargo/config.toml` under `[target.<triple>] rustflags`"),
        also: Vec::new(),
                why: "GNU ld is single-threaded and slow on large binaries; lld and mold link the same objects several times faster (seed 004: lld saved 4.7 s of a 7.8 s hot build)".into(),
        experiment: Some(Experiment {
            linkers: ["default", "lld", "mold"].map(str::to_string).to_vec(),
            ..Experiment::default()
        }),
    })
}

/// A unit ran alone for at least [`limits::ALONE_SHARE`] of the build and
/// [`limits::ALONE_SECONDS`].
fn alone(d: &Diagnosis, i: usize, u: &UnitRow) -> Option<Finding> {
    let (alone, span) = (u.alone.secs(), d.span.secs());
    if alone < limits::ALONE_SECONDS || alone < limits::ALONE_SHARE * span || !u.on_critical_path {
        return None;
    }
    Some(Finding {
        rule: "alone-on-critical-path",
        subject: u.label.clone(),
        title: format!("{} runs alone for {alone:.1} s of the {span:.1} s build", u.label),
        evidence: vec![
            time("time it was the only unit running", u.alone, format!("/units/{i}/alone_us")),
            share("share of the build's span", alone, span, format!("/units/{i}/alone_share")),
            Evidence { what: "average units running at once".into(), value: (d.parallelism * 100.0).round() / 100.0, measure: Measure::Count, pointer: "/build/parallelism".into() },
        ],
        change: format!("split {} into crates that can compile in parallel; at least move the binary's `main` into a thin bin over a lib, so a change to the bin does not rebuild the lib", u.package),
        also: Vec::new(),
        experiment: None,
        why: "the crate is on the critical path with nothing to run beside it, so one core works and the others wait (seed 004: a lib + bin split made hot builds of the bin 20% faster)".into(),
    })
}

/// A hot release rebuild without incremental compilation took at least
/// [`limits::HOT_SECONDS`].
fn incremental(d: &Diagnosis) -> Option<Finding> {
    d.hot.as_ref()?;
    let rebuilt: Vec<(usize, &UnitRow)> = d
        .units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.freshness == "dirty" || (u.start.is_some() && u.freshness != "fresh"))
        .collect();
    let optimised_without_incr: Vec<&(usize, &UnitRow)> = rebuilt
        .iter()
        .filter(|(_, u)| {
            u.settings.as_ref().is_some_and(|s| !s.incremental && s.opt_level.as_deref().is_some_and(|o| o != "0"))
        })
        .collect();
    if optimised_without_incr.is_empty() || d.wall.secs() < limits::HOT_SECONDS {
        return None;
    }
    let (i, u) = optimised_without_incr[0];
    Some(Finding {
        rule: "incremental",
        subject: u.label.clone(),
        title: format!("a hot {} rebuild takes {:.1} s without incremental compilation", d.profile, d.wall.secs()),
        evidence: vec![time("hot rebuild, wall time", d.wall, "/build/wall_us".into()), time("its slowest rebuilt unit", u.duration, format!("/units/{i}/duration_us"))],
        change: format!("set `incremental = true` in `[profile.{}]` for local builds (and `CARGO_INCREMENTAL=0` in CI, where builds start cold)", d.profile),
        also: Vec::new(),
                why: "release profiles turn incremental compilation off, so a one-line change recompiles and re-optimises the whole crate (seed 004: a hot release build went from 71 s to 20 s with incremental = true)".into(),
        experiment: Some(Experiment {
            hot: true,
            hot_file: d.hot.as_ref().map(|h| h.file.clone()),
            ..Experiment::set(format!("profile.{}.incremental", d.profile), &["true"])
        }),
    })
}

/// The critical path does not reach back to the build's start: its first
/// unit, ready from the start, queued for at least
/// [`limits::QUEUED_SHARE`] of the span while every job was busy with other
/// units. No chain sets the build's time; the total work does.
fn throughput(d: &Diagnosis) -> Option<Finding> {
    let first = d.critical_path.first()?;
    let (waited, span) = (first.waited.secs(), d.span.secs());
    if waited < limits::QUEUED_SECONDS || waited < limits::QUEUED_SHARE * span {
        return None;
    }
    let jobs = d.jobs.map_or("every".to_string(), |j| format!("all {j}"));
    Some(Finding {
        rule: "throughput",
        subject: first.label.clone(),
        title: format!(
            "the build is bound by throughput: its critical path starts with {} {waited:.1} s into the {span:.1} s build, queued while {jobs} jobs were busy",
            first.label
        ),
        evidence: vec![
            time("time the path's first unit waited for a job, ready from the start", first.waited, "/critical_path/0/waited_us".into()),
            time("the build's span", d.span, "/build/span_us".into()),
            Evidence { what: "average units running at once".into(), value: (d.parallelism * 100.0).round() / 100.0, measure: Measure::Count, pointer: "/build/parallelism".into() },
        ],
        change: "less work, not a shorter chain: fewer or lighter dependencies (`cargo tree --duplicates`, `default-features = false` and only the features you use), dependencies shared with other projects pre-built (a CI cache); more jobs only where cores sit idle".into(),
        also: Vec::new(),
        experiment: None,
        why: "every job was busy until the path's first unit could start, so shortening the chain changes nothing: the build's time is its total work divided by the cores".into(),
    })
}

fn pct(part: i64, whole: i64) -> String {
    fastware_report::units::percent(part, whole)
}

#[cfg(test)]
mod tests {
    //! Each rule at its thresholds: fires just above, stays quiet just below.
    //! (Real builds exercise the rules in `crates/cli/tests/build_cli.rs`.)
    use super::*;
    use crate::diagnosis::{CrateDeep, Hot, LlvmDeep, PathStep, Settings};
    use fastware_selfprof::longest::LongEvent;
    use fastware_trace::GroupRow;

    const S: i64 = 1_000_000_000;

    fn secs(s: f64) -> Duration {
        Duration::from_secs(s)
    }

    fn unit(index: usize, duration: f64) -> UnitRow {
        UnitRow {
            index,
            label: format!("app{index}"),
            package: format!("app{index}"),
            target: format!("app{index}"),
            kind: "bin".into(),
            mode: "build".into(),
            freshness: "new".into(),
            reason: None,
            start: Some(Duration::ZERO),
            end: Some(secs(duration)),
            duration: secs(duration),
            frontend: None,
            codegen: None,
            link: None,
            alone: Duration::ZERO,
            on_critical_path: false,
            settings: Some(Settings { opt_level: Some("3".into()), ..Settings::default() }),
        }
    }

    fn deep(busy: i64) -> CrateDeep {
        CrateDeep {
            crate_name: "app0".into(),
            busy_ns: busy,
            total_ns: busy,
            phases: Phase::ALL.iter().map(|&p| (p, 0)).collect(),
            ..CrateDeep::default()
        }
    }

    fn with_phase(mut c: CrateDeep, p: Phase, t: i64) -> CrateDeep {
        for e in &mut c.phases {
            if e.0 == p {
                e.1 = t;
            }
        }
        c
    }

    fn llvm(busy: i64, functions: Vec<(&str, i64, u64)>) -> LlvmDeep {
        let top_functions = functions
            .into_iter()
            .map(|(k, t, n)| GroupRow { key: k.into(), llvm_ns: t, instances: n, ..GroupRow::default() })
            .collect();
        LlvmDeep { busy_ns: busy, function_ns: busy, top_functions, ..LlvmDeep::default() }
    }

    fn diagnosis(units: Vec<UnitRow>, deep: Vec<CrateDeep>) -> Diagnosis {
        Diagnosis { profile: "release".into(), span: secs(10.0), units, deep, ..Diagnosis::default() }
    }

    fn fired(d: &Diagnosis, rule: &str) -> bool {
        findings(d).iter().any(|f| f.rule == rule)
    }

    #[test]
    fn lto() {
        let at = |t: i64, busy: i64| diagnosis(vec![unit(0, 10.0)], vec![with_phase(deep(busy), Phase::Lto, t)]);
        assert!(fired(&at(3 * S, 10 * S), "lto"));
        assert!(!fired(&at(3 * S, 25 * S), "lto"), "below the share");
        assert!(!fired(&at(S, 2 * S), "lto"), "below the seconds");
    }

    #[test]
    fn a_rule_on_several_crates_is_one_finding_largest_first() {
        let named = |name: &str, lto: i64| {
            let mut c = with_phase(deep(20 * S), Phase::Lto, lto);
            c.crate_name = name.into();
            c
        };
        let d = diagnosis(vec![unit(0, 10.0)], vec![named("small", 4 * S), named("big", 9 * S), named("mid", 6 * S)]);
        let lto: Vec<Finding> = findings(&d).into_iter().filter(|f| f.rule == "lto").collect();
        assert_eq!(lto.len(), 1, "one finding for the rule");
        assert_eq!(lto[0].subject, "big");
        let also: Vec<&str> = lto[0].also.iter().map(|f| f.subject.as_str()).collect();
        assert_eq!(also, ["mid", "small"]);
    }

    #[test]
    fn debuginfo() {
        let at = |t: i64, busy: i64| {
            let mut c = deep(busy);
            let mut l = llvm(busy, vec![]);
            l.debug_passes = vec![("Live DEBUG_VALUE analysis".into(), t)];
            c.llvm = Some(l);
            diagnosis(vec![unit(0, 10.0)], vec![c])
        };
        assert!(fired(&at(S, 20 * S), "debuginfo"));
        assert!(!fired(&at(S, 40 * S), "debuginfo"), "below the share");
        assert!(!fired(&at(S / 4, 2 * S), "debuginfo"), "below the seconds");
    }

    #[test]
    fn few_functions_with_the_advice_that_fits_each() {
        let at = |fs: Vec<(&str, i64, u64)>, busy: i64| {
            let mut c = deep(busy);
            let mut l = llvm(busy, fs);
            l.closure_heavy = vec!["app::run".into()];
            c.llvm = Some(l);
            diagnosis(vec![unit(0, 10.0)], vec![c])
        };
        let d = at(vec![("app::run", S, 2), ("lib::render::<_>", S, 48), ("app::main", S / 2, 1)], 10 * S);
        let f = findings(&d).into_iter().find(|f| f.rule == "few-functions").expect("fires");
        assert!(
            f.change.contains("box the futures")
                && f.change.contains("compiled 48 times")
                && f.change.contains("split it"),
            "{}",
            f.change
        );
        assert!(!fired(&at(vec![("a", S, 1), ("b", S / 2, 1)], 10 * S), "few-functions"), "below the share");
        assert!(!fired(&at(vec![("a", S / 4, 1), ("b", S / 4, 1)], 2 * S), "few-functions"), "below the seconds");
    }

    #[test]
    fn drop_glue() {
        let at = |t: i64, busy: i64| {
            let mut c = deep(busy);
            let mut l = llvm(busy, vec![]);
            l.drop_glue_ns = t;
            c.llvm = Some(l);
            diagnosis(vec![unit(0, 10.0)], vec![c])
        };
        assert!(fired(&at(S, 8 * S), "drop-glue"));
        assert!(!fired(&at(S, 12 * S), "drop-glue"), "below the share");
        assert!(!fired(&at(S / 4, S), "drop-glue"), "below the seconds");
    }

    #[test]
    fn trait_obligation() {
        let at = |ms: i64| {
            let mut c = deep(10 * S);
            c.longest_trait = Some(LongEvent {
                crate_name: "app0".into(),
                path: String::new(),
                label: "evaluate_obligation".into(),
                kind: fastware_selfprof::events::Kind::Query,
                dur_ns: ms * 1_000_000,
                start_ns: 0,
                thread: 0,
                args: vec!["Binder { value: TraitPredicate(<Or<A, B> as Filter>, polarity:Positive) }".into()],
            });
            diagnosis(vec![unit(0, 10.0)], vec![c])
        };
        let f = findings(&at(60)).into_iter().find(|f| f.rule == "trait-obligation").expect("fires");
        assert!(f.change.contains("TraitPredicate(<Or<A, B> as Filter>"), "{}", f.change);
        assert!(!fired(&at(40), "trait-obligation"));
    }

    #[test]
    fn final_opt_level() {
        let at = |opt: &str, duration: f64, codegen: f64| {
            let mut u = unit(0, duration);
            u.codegen = Some(secs(codegen));
            u.settings = Some(Settings { opt_level: Some(opt.into()), ..Settings::default() });
            let mut d = diagnosis(vec![u], vec![]);
            d.critical_path = vec![PathStep {
                index: 0,
                label: "app0".into(),
                start: Duration::ZERO,
                end: secs(duration),
                until_rmeta: false,
                waited: Duration::ZERO,
            }];
            d
        };
        assert!(fired(&at("3", 10.0, 6.0), "opt-level"));
        assert!(!fired(&at("1", 10.0, 6.0), "opt-level"), "not opt-level 3");
        assert!(!fired(&at("3", 10.0, 4.0), "opt-level"), "below the share");
        assert!(!fired(&at("3", 2.0, 1.8), "opt-level"), "below the seconds");
    }

    #[test]
    fn link() {
        let at = |duration: f64, link: f64| {
            let mut u = unit(0, duration);
            u.link = Some(secs(link));
            diagnosis(vec![u], vec![])
        };
        assert!(fired(&at(5.0, 1.5), "link"));
        assert!(!fired(&at(10.0, 1.5), "link"), "below the share");
        assert!(!fired(&at(2.0, 0.8), "link"), "below the seconds");
    }

    #[test]
    fn alone_on_the_critical_path() {
        let at = |alone: f64, on_path: bool| {
            let mut u = unit(0, 10.0);
            u.alone = secs(alone);
            u.on_critical_path = on_path;
            diagnosis(vec![u], vec![])
        };
        assert!(fired(&at(4.0, true), "alone-on-critical-path"));
        assert!(!fired(&at(4.0, false), "alone-on-critical-path"), "not on the critical path");
        assert!(!fired(&at(2.5, true), "alone-on-critical-path"), "below the share and the seconds");
    }

    #[test]
    fn incremental() {
        let at = |wall: f64, incremental: bool, hot: bool| {
            let mut u = unit(0, wall);
            u.freshness = "dirty".into();
            u.settings = Some(Settings { opt_level: Some("3".into()), incremental, ..Settings::default() });
            let mut d = diagnosis(vec![u], vec![]);
            d.wall = secs(wall);
            d.hot = hot.then(|| Hot { file: "src/main.rs".into(), warmup_wall: secs(30.0) });
            d
        };
        assert!(fired(&at(5.0, false, true), "incremental"));
        assert!(!fired(&at(5.0, true, true), "incremental"), "incremental already on");
        assert!(!fired(&at(5.0, false, false), "incremental"), "not a hot build");
        assert!(!fired(&at(1.0, false, true), "incremental"), "below the seconds");
    }

    #[test]
    fn throughput() {
        let at = |waited: f64, span: f64| {
            let mut d = diagnosis(vec![unit(0, span)], vec![]);
            d.span = secs(span);
            d.critical_path = vec![PathStep {
                index: 0,
                label: "fast_qr".into(),
                start: secs(waited),
                end: secs(span),
                until_rmeta: false,
                waited: secs(waited),
            }];
            d
        };
        assert!(fired(&at(99.9, 164.0), "throughput"), "the issue's build: queued 99.9 s of 164 s");
        assert!(!fired(&at(6.0, 60.0), "throughput"), "below the share");
        assert!(!fired(&at(4.0, 10.0), "throughput"), "below the seconds");
    }
}
