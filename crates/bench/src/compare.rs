//! Two sets of results compared, benchmark by benchmark, with a verdict
//! that takes noise into account: from the raw samples when both sides have
//! them (a bootstrap confidence interval of the ratio, and Welch's t-test for
//! means or the Mann–Whitney U test for medians; between runs when each side
//! has several), else from the summaries and their spreads. The tests'
//! p-values are adjusted for the number of benchmarks (Benjamini–Hochberg),
//! so that an A/A comparison of 300 benchmarks is as quiet as one of three;
//! and a change smaller than the noise threshold is no change, whatever the
//! test says.

use rayon::prelude::*;

use crate::results::{Benchmark, Results};
use crate::stats;

/// How to compare.
#[derive(Debug, Clone)]
pub struct Options {
    /// Confidence level of intervals and tests, e.g. 0.95.
    pub confidence: f64,
    /// Changes smaller than this fraction are "no change", e.g. 0.02.
    pub noise: f64,
    /// Compare medians instead of means (samples only).
    pub median: bool,
    pub resamples: usize,
    pub seed: u64,
    /// Thresholds from past runs (the history), when read.
    pub past: Option<crate::past::PastNoise>,
}

impl Default for Options {
    fn default() -> Options {
        Options { confidence: 0.95, noise: 0.02, median: false, resamples: 10_000, seed: 0x5eed, past: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Regressed,
    NoChange,
    Improved,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Regressed => "regressed",
            Verdict::NoChange => "no change",
            Verdict::Improved => "improved",
        }
    }
}

/// What a verdict rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Samples,
    /// Several runs a side: the comparison is between runs.
    Runs,
    Summaries,
}

/// The significance test of two sets of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Test {
    /// Welch's t-test, when means are compared.
    Welch(stats::Welch),
    /// The Mann–Whitney U test, when medians are: like them, it is not moved
    /// by a few outliers.
    MannWhitney(stats::MannWhitney),
}

impl Test {
    pub fn name(&self) -> &'static str {
        match self {
            Test::Welch(_) => "welch",
            Test::MannWhitney(_) => "mann-whitney",
        }
    }

    /// Two-sided p-value.
    pub fn p(&self) -> f64 {
        match self {
            Test::Welch(w) => w.p,
            Test::MannWhitney(m) => m.p,
        }
    }
}

/// One benchmark in both sets.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    /// The compared statistic (ns): mean or median of samples, else the sources' own figures.
    pub base: f64,
    pub new: f64,
    pub statistic: String,
    pub base_spread: Option<f64>,
    pub new_spread: Option<f64>,
    pub verdict: Verdict,
    pub basis: Basis,
    /// Confidence interval of new / base (samples only).
    pub ratio_ci: Option<(f64, f64)>,
    /// The significance test (samples only).
    pub test: Option<Test>,
    /// The test's p adjusted for the number of benchmarks tested
    /// (Benjamini–Hochberg): the verdict rests on it.
    pub q: Option<f64>,
    pub samples: Option<(usize, usize)>,
    /// Runs on each side, and each side's run-to-run spread (the standard
    /// deviation of its runs' statistics over their mean), when compared between runs.
    pub runs: Option<((usize, f64), (usize, f64))>,
    /// Why the verdict is what it is, in words.
    pub reason: String,
}

impl Row {
    /// new / base − 1.
    pub fn change(&self) -> f64 {
        self.new / self.base - 1.0
    }
    /// base / new: how many times faster the new one is.
    pub fn speedup(&self) -> f64 {
        self.base / self.new
    }
}

/// The comparison of two sets.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Largest regression first, largest improvement last.
    pub rows: Vec<Row>,
    pub only_base: Vec<String>,
    pub only_new: Vec<String>,
}

/// Compares `new` against `base`. Errors when they time different things or
/// have no benchmark in common.
pub fn compare(base: &Results, new: &Results, o: &Options) -> Result<Comparison, fastware_report::Error> {
    if base.measure != new.measure {
        return Err(crate::BenchError::MismatchedUnits {
            base: base.source.name().to_string(),
            base_measure: base.measure.name().to_string(),
            new: new.source.name().to_string(),
            new_measure: new.measure.name().to_string(),
        }
        .into());
    }
    // each row bootstraps thousands of resamples: one benchmark per core
    let mut rows: Vec<Row> =
        base.benchmarks.par_iter().filter_map(|b| new.get(&b.name).map(|n| row(b, n, o))).collect();
    let only_base: Vec<String> =
        base.benchmarks.iter().filter(|b| new.get(&b.name).is_none()).map(|b| b.name.clone()).collect();
    let only_new: Vec<String> =
        new.benchmarks.iter().filter(|b| base.get(&b.name).is_none()).map(|b| b.name.clone()).collect();
    if rows.is_empty() {
        let first = |r: &Results| r.benchmarks.iter().take(3).map(|b| b.name.clone()).collect();
        return Err(crate::BenchError::NothingInCommon { base: first(base), new: first(new) }.into());
    }
    // the tested rows' verdicts rest on p adjusted for how many were tested
    let tested: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].test.is_some()).collect();
    let p: Vec<f64> = tested.iter().filter_map(|&i| rows[i].test.map(|t| t.p())).collect();
    for (&i, q) in tested.iter().zip(stats::benjamini_hochberg(&p)) {
        rows[i].q = Some(q);
    }
    for r in &mut rows {
        if r.basis != Basis::Summaries {
            (r.verdict, r.reason) = judge(r, tested.len(), o);
        }
    }
    // a change within the benchmark's own past run-to-run changes is none
    for r in &mut rows {
        let Some((t, n)) = o.past.as_ref().and_then(|p| p.thresholds.get(&r.name)) else { continue };
        if r.verdict != Verdict::NoChange && r.change().abs() < *t {
            r.reason =
                format!("within its past noise on this machine ({:.1}%: Q3 + 1.5·IQR of {n} past changes)", t * 100.0);
            r.verdict = Verdict::NoChange;
        }
    }
    rows.sort_by(|a, b| b.change().total_cmp(&a.change()).then_with(|| a.name.cmp(&b.name)));
    Ok(Comparison { rows, only_base, only_new })
}

fn row(b: &Benchmark, n: &Benchmark, o: &Options) -> Row {
    match (&b.samples, &n.samples) {
        (Some(sb), Some(sn)) if sb.len() >= 2 && sn.len() >= 2 => {
            let runs = |x: &Benchmark, s| x.runs.as_ref().map(|r| stats::split_runs(s, r)).filter(|r| r.len() >= 2);
            match (runs(b, sb), runs(n, sn)) {
                (Some(rb), Some(rn)) => from_runs(b, &rb, &rn, o),
                _ => from_samples(b, sb, sn, o),
            }
        }
        _ => from_summaries(b, n, o),
    }
}

/// Each run's statistic, and their spread: standard deviation over mean.
fn run_statistics(runs: &[&[f64]], median: bool) -> (Vec<f64>, f64) {
    let per: Vec<f64> = runs.iter().map(|r| if median { stats::median(r) } else { stats::mean(r) }).collect();
    let spread = stats::std_dev(&per) / stats::mean(&per);
    (per, spread)
}

/// Several runs a side: the interval from the hierarchical bootstrap and
/// Welch's t-test on the runs' statistics (the verdict: [`judge`]).
fn from_runs(b: &Benchmark, rb: &[&[f64]], rn: &[&[f64]], o: &Options) -> Row {
    let all = |runs: &[&[f64]]| runs.concat();
    let (sb, sn) = (all(rb), all(rn));
    let stat = |s: &[f64]| if o.median { stats::median(s) } else { stats::mean(s) };
    let (base, new) = (stat(&sb), stat(&sn));
    let (per_b, spread_b) = run_statistics(rb, o.median);
    let (per_n, spread_n) = run_statistics(rn, o.median);
    let test = stats::welch(&per_b, &per_n).map(Test::Welch);
    let ci = stats::hierarchical_ratio(rb, rn, o.median, o.confidence, o.resamples, o.seed);
    Row {
        name: b.name.clone(),
        base,
        new,
        statistic: if o.median { "median".into() } else { "mean".into() },
        base_spread: Some(stats::std_dev(&sb)),
        new_spread: Some(stats::std_dev(&sn)),
        verdict: Verdict::NoChange,
        basis: Basis::Runs,
        ratio_ci: Some(ci),
        test,
        q: None,
        samples: Some((sb.len(), sn.len())),
        runs: Some(((rb.len(), spread_b), (rn.len(), spread_n))),
        reason: String::new(),
    }
}

/// The verdict from samples or runs, once every benchmark's p is known
/// (`tested` of them): a change under `--noise` is none; between runs, a
/// change within either side's run-to-run spread is none; else the adjusted
/// p (q) and the interval of the ratio must both say it is real.
fn judge(r: &Row, tested: usize, o: &Options) -> (Verdict, String) {
    let change = r.change();
    if change.abs() < o.noise {
        return (Verdict::NoChange, format!("within the {:.0}% noise threshold", o.noise * 100.0));
    }
    if let Some(((_, spread_b), (_, spread_n))) = r.runs {
        let between = spread_b.max(spread_n);
        if change.abs() <= between {
            return (Verdict::NoChange, format!("within the run-to-run spread ({:.1}%)", between * 100.0));
        }
    }
    let after_p = if r.basis == Basis::Runs { " between runs" } else { "" };
    let evidence = |precise: bool| {
        let (p, q) = (r.test.map(|t| t.p()).unwrap_or(1.0), r.q.unwrap_or(1.0));
        let f = |x: f64| if precise { format!("{x:.2e}") } else { format!("{x:.3}") };
        if tested > 1 {
            format!("q = {} (p = {}{after_p}, adjusted for {tested} benchmarks)", f(q), f(p))
        } else {
            format!("p = {}{after_p}", f(p))
        }
    };
    let rejects = r.q.is_some_and(|q| q < 1.0 - o.confidence);
    let excludes_one = r.ratio_ci.is_some_and(|(lo, hi)| lo > 1.0 || hi < 1.0);
    if !(rejects && excludes_one) {
        let mut why = Vec::new();
        if !rejects {
            why.push(if r.test.is_some() { evidence(false) } else { format!("no test (no variance{after_p})") });
        }
        if !excludes_one {
            why.push(format!("the {:.0}% CI of the ratio includes 1", o.confidence * 100.0));
        }
        return (Verdict::NoChange, format!("not significant ({})", why.join(", ")));
    }
    (if change > 0.0 { Verdict::Regressed } else { Verdict::Improved }, evidence(true))
}

fn from_samples(b: &Benchmark, sb: &[f64], sn: &[f64], o: &Options) -> Row {
    let (base, new, test) = if o.median {
        (stats::median(sb), stats::median(sn), stats::mann_whitney(sb, sn).map(Test::MannWhitney))
    } else {
        (stats::mean(sb), stats::mean(sn), stats::welch(sb, sn).map(Test::Welch))
    };
    let ci = stats::ratio_interval(sb, sn, o.median, o.confidence, o.resamples, o.seed);
    Row {
        name: b.name.clone(),
        base,
        new,
        statistic: if o.median { "median".into() } else { "mean".into() },
        base_spread: Some(stats::std_dev(sb)),
        new_spread: Some(stats::std_dev(sn)),
        verdict: Verdict::NoChange,
        basis: Basis::Samples,
        ratio_ci: Some(ci),
        test,
        q: None,
        samples: Some((sb.len(), sn.len())),
        runs: None,
        reason: String::new(),
    }
}

/// The figure and spread of one side for a summary comparison: a side with
/// samples gives its statistic and standard deviation.
fn summary(x: &Benchmark, median: bool) -> (f64, Option<f64>) {
    match &x.samples {
        Some(s) if s.len() >= 2 => ((if median { stats::median } else { stats::mean })(s), Some(stats::std_dev(s))),
        _ => (x.estimate, x.spread),
    }
}

fn from_summaries(b: &Benchmark, n: &Benchmark, o: &Options) -> Row {
    let (base, sb) = summary(b, o.median);
    let (new, sn) = summary(n, o.median);
    let change = new / base - 1.0;
    let (lo_b, hi_b) = (base - sb.unwrap_or(0.0), base + sb.unwrap_or(0.0));
    let (lo_n, hi_n) = (new - sn.unwrap_or(0.0), new + sn.unwrap_or(0.0));
    let overlap = lo_n <= hi_b && lo_b <= hi_n;
    let (verdict, reason) = if change.abs() < o.noise {
        (Verdict::NoChange, format!("within the {:.0}% noise threshold; based on summaries", o.noise * 100.0))
    } else if overlap && (sb.is_some() || sn.is_some()) {
        (Verdict::NoChange, "the ± spreads overlap; based on summaries".into())
    } else {
        let why = if sb.is_none() && sn.is_none() {
            "no spread to judge noise by; based on summaries"
        } else {
            "the ± spreads do not overlap; based on summaries"
        };
        (if change > 0.0 { Verdict::Regressed } else { Verdict::Improved }, why.into())
    };
    let statistic = if b.statistic == n.statistic {
        b.statistic.to_string()
    } else {
        format!("{} vs {}", b.statistic, n.statistic)
    };
    Row {
        name: b.name.clone(),
        base,
        new,
        statistic,
        base_spread: sb,
        new_spread: sn,
        verdict,
        basis: Basis::Summaries,
        ratio_ci: None,
        test: None,
        q: None,
        samples: None,
        runs: None,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Measure, Source};

    /// Timing-like samples: log-normal around `mean` with coefficient of variation `cv`.
    fn samples(rng: &mut fastrand::Rng, n: usize, mean: f64, cv: f64) -> Vec<f64> {
        (0..n)
            .map(|_| {
                // Box–Muller
                let (u1, u2) = (rng.f64().max(1e-12), rng.f64());
                let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                mean * (cv * z - cv * cv / 2.0).exp()
            })
            .collect()
    }

    fn results(samples: Vec<f64>) -> Results {
        Results {
            source: Source::Hyperfine,
            measure: Measure::Iteration,
            benchmarks: vec![Benchmark {
                name: "b".into(),
                estimate: stats::mean(&samples),
                statistic: "mean",
                spread: None,
                samples: Some(samples),
                runs: None,
            }],
            path: "x".into(),
            meta: None,
            warnings: Vec::new(),
        }
    }

    fn verdict(a: Vec<f64>, b: Vec<f64>, median: bool) -> Verdict {
        let o = Options { resamples: 2000, median, ..Options::default() };
        compare(&results(a), &results(b), &o).expect("compare").rows[0].verdict
    }

    /// How often two samples of one distribution get "no change".
    fn no_change_rate(rng: &mut fastrand::Rng, runs: usize, n: usize, cv: f64, median: bool) -> f64 {
        let same = (0..runs)
            .filter(|_| verdict(samples(rng, n, 1000.0, cv), samples(rng, n, 1000.0, cv), median) == Verdict::NoChange)
            .count();
        same as f64 / runs as f64
    }

    #[test]
    fn identical_distributions_are_no_change_at_least_95_percent_of_the_time() {
        let mut rng = fastrand::Rng::with_seed(42);
        for median in [false, true] {
            // criterion's 100 samples and hyperfine's 10 runs, with moderate noise
            for (n, cv) in [(100, 0.05), (100, 0.02), (10, 0.05)] {
                let rate = no_change_rate(&mut rng, 400, n, cv, median);
                assert!(rate >= 0.95, "{n} samples, {cv} noise, median {median}: no change {rate}");
            }
            // very noisy: the noise threshold no longer decides, the test does,
            // and its false alarms are the 5% that 95% confidence allows
            let rate = no_change_rate(&mut rng, 1000, 30, 0.15, median);
            assert!(rate >= 0.93, "30 samples, 15% noise, median {median}: no change {rate}");
        }
    }

    #[test]
    fn a_true_5_percent_slowdown_with_moderate_noise_is_flagged() {
        let mut rng = fastrand::Rng::with_seed(7);
        for median in [false, true] {
            let runs = 100;
            let flagged = (0..runs)
                .filter(|_| {
                    let a = samples(&mut rng, 100, 1000.0, 0.05);
                    let b = samples(&mut rng, 100, 1050.0, 0.05);
                    verdict(a, b, median) == Verdict::Regressed
                })
                .count();
            assert!(flagged as f64 >= 0.95 * runs as f64, "median {median}: {flagged} of {runs}");
            // and a speed-up the other way
            let a = samples(&mut rng, 100, 1000.0, 0.05);
            let b = samples(&mut rng, 100, 900.0, 0.05);
            assert_eq!(verdict(a, b, median), Verdict::Improved);
        }
    }

    #[test]
    fn medians_are_not_moved_by_a_few_outliers() {
        let mut rng = fastrand::Rng::with_seed(3);
        let a = samples(&mut rng, 100, 1000.0, 0.02);
        let mut b = samples(&mut rng, 100, 1000.0, 0.02);
        // a few runs preempted by another process: ten times slower
        for x in b.iter_mut().take(4) {
            *x *= 10.0;
        }
        let o = Options { median: true, ..Options::default() };
        let r = &compare(&results(a.clone()), &results(b.clone()), &o).expect("compare").rows[0];
        assert!(r.change().abs() < 0.02, "median moved {}", r.change());
        assert_eq!(r.verdict, Verdict::NoChange);
        assert!(matches!(r.test, Some(Test::MannWhitney(_))));
        // the mean moves by a third
        let r = &compare(&results(a), &results(b), &Options::default()).expect("compare").rows[0];
        assert!(r.change() > 0.3, "mean moved {}", r.change());
    }

    #[test]
    fn summaries_decide_by_their_spreads() {
        let one = |estimate: f64, spread: f64| Results {
            source: Source::Libtest,
            measure: Measure::Iteration,
            benchmarks: vec![Benchmark {
                name: "b".into(),
                estimate,
                statistic: "median",
                spread: Some(spread),
                samples: None,
                runs: None,
            }],
            path: "x".into(),
            meta: None,
            warnings: Vec::new(),
        };
        let o = Options::default();
        let r = &compare(&one(1000.0, 20.0), &one(1100.0, 30.0), &o).expect("c").rows[0];
        assert_eq!((r.verdict, r.basis), (Verdict::Regressed, Basis::Summaries));
        let r = &compare(&one(1000.0, 80.0), &one(1100.0, 30.0), &o).expect("c").rows[0];
        assert_eq!(r.verdict, Verdict::NoChange, "1000 ± 80 and 1100 ± 30 overlap");
        let r = &compare(&one(1000.0, 0.0), &one(1015.0, 0.0), &o).expect("c").rows[0];
        assert_eq!(r.verdict, Verdict::NoChange, "1.5% is under the noise threshold");
        let mut run = one(1.0, 0.0);
        run.measure = Measure::Run;
        assert!(compare(&one(1.0, 0.0), &run, &o).unwrap_err().message.contains("mismatched units"));
    }

    /// `runs` runs of `per` samples, each run's mean shifted by a random
    /// effect (log-normal, `between`), samples within a run tight (`within`).
    fn runs(rng: &mut fastrand::Rng, runs: usize, per: usize, mean: f64, between: f64, within: f64) -> Benchmark {
        let mut all = Vec::new();
        for _ in 0..runs {
            let run_mean = samples(rng, 1, mean, between)[0];
            all.extend(samples(rng, per, run_mean, within));
        }
        Benchmark {
            name: "b".into(),
            estimate: stats::mean(&all),
            statistic: "mean",
            spread: None,
            samples: Some(all),
            runs: Some(vec![per; runs]),
        }
    }

    fn run_verdict(a: Benchmark, b: Benchmark) -> Verdict {
        let side = |x: Benchmark| Results {
            source: Source::Saved { from: Box::new(Source::Criterion { baseline: "base".into() }) },
            measure: Measure::Iteration,
            benchmarks: vec![x],
            path: "x".into(),
            meta: None,
            warnings: Vec::new(),
        };
        let o = Options { resamples: 1000, ..Options::default() };
        compare(&side(a), &side(b), &o).expect("compare").rows[0].verdict
    }

    /// Runs differ by more than the samples within one show (3% between
    /// runs, 1% within): one run a side calls most A/A pairs changed; five
    /// runs a side compared between runs keep false alarms at the nominal
    /// 5%, and still find a true 5% change in most trials.
    #[test]
    fn between_runs_the_run_to_run_noise_is_seen() {
        let mut rng = fastrand::Rng::with_seed(17);
        let trials = 200;
        let (between, within) = (0.03, 0.01);
        let changed_single = (0..trials)
            .filter(|_| {
                let a = runs(&mut rng, 1, 50, 1000.0, between, within);
                let b = runs(&mut rng, 1, 50, 1000.0, between, within);
                verdict(a.samples.expect("s"), b.samples.expect("s"), false) != Verdict::NoChange
            })
            .count();
        let false_alarms = (0..trials)
            .filter(|_| {
                let (a, b) =
                    (runs(&mut rng, 5, 50, 1000.0, between, within), runs(&mut rng, 5, 50, 1000.0, between, within));
                run_verdict(a, b) != Verdict::NoChange
            })
            .count();
        let found = (0..trials)
            .filter(|_| {
                let (a, b) =
                    (runs(&mut rng, 5, 50, 1000.0, between, within), runs(&mut rng, 5, 50, 1050.0, between, within));
                run_verdict(a, b) == Verdict::Regressed
            })
            .count();
        let rate = |n: usize| n as f64 / trials as f64;
        eprintln!(
            "A/A changed: one run a side {:.1}%, between runs {:.1}%; 5% slowdown found {:.1}%",
            rate(changed_single) * 100.0,
            rate(false_alarms) * 100.0,
            rate(found) * 100.0
        );
        assert!(rate(changed_single) > 0.5, "within one run most A/A pairs look changed: {}", rate(changed_single));
        assert!(rate(false_alarms) <= 0.05, "between runs, false alarms at or under 5%: {}", rate(false_alarms));
        assert!(rate(found) > 0.5, "a true 5% change is found in most trials: {}", rate(found));
    }

    /// A suite of ten unchanged benchmarks, three runs a side (the same
    /// run-level noise): each benchmark's own test calls some benchmark
    /// changed in about a third of the trials; with the p-values adjusted for
    /// the ten, an A/A comparison calls anything changed at most at the
    /// nominal 5%, over several seeds. A true doubling of one of them is
    /// still called in every trial.
    #[test]
    fn a_suite_compared_a_a_stays_quiet() {
        let side = |rng: &mut fastrand::Rng, slow: f64| Results {
            source: Source::Saved { from: Box::new(Source::Criterion { baseline: "base".into() }) },
            measure: Measure::Iteration,
            benchmarks: (0..10)
                .map(|k| {
                    let mean = if k == 0 { 1000.0 * slow } else { 1000.0 };
                    Benchmark { name: format!("b{k}"), ..runs(rng, 3, 10, mean, 0.03, 0.01) }
                })
                .collect(),
            path: "x".into(),
            meta: None,
            warnings: Vec::new(),
        };
        let o = Options { resamples: 200, ..Options::default() };
        for seed in 1..=3 {
            let mut rng = fastrand::Rng::with_seed(seed);
            let trials = 200;
            let (mut unadjusted, mut called) = (0, 0);
            for _ in 0..trials {
                let (a, b) = (side(&mut rng, 1.0), side(&mut rng, 1.0));
                let c = compare(&a, &b, &o).expect("compare");
                let alone = |r: &Row| r.change().abs() >= o.noise && r.test.is_some_and(|t| t.p() < 0.05);
                unadjusted += usize::from(c.rows.iter().any(alone));
                called += usize::from(c.rows.iter().any(|r| r.verdict != Verdict::NoChange));
            }
            let rate = |n: usize| n as f64 / trials as f64;
            eprintln!(
                "seed {seed}: any of 10 called changed, each alone {:.1}%, adjusted {:.1}%",
                rate(unadjusted) * 100.0,
                rate(called) * 100.0
            );
            assert!(rate(unadjusted) > 0.15, "each benchmark's own test: {}", rate(unadjusted));
            assert!(rate(called) <= 0.05, "adjusted, A/A false alarms at or under 5%: {}", rate(called));
            let (a, b) = (side(&mut rng, 1.0), side(&mut rng, 2.0));
            let c = compare(&a, &b, &o).expect("compare");
            assert_eq!(c.rows.iter().find(|r| r.name == "b0").map(|r| r.verdict), Some(Verdict::Regressed));
        }
    }
}
