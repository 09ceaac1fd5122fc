//! The report page of one run of every kind the page draws: real runs
//! (`tests/fixtures/history/every-kind.jsonl`, `runs export` of the store
//! `make-page-fixtures.sh` fills by running fastware on the fixtures),
//! imported into a fresh store. Each run's section is on the page with its
//! picture, an inline `<svg>` whose marks carry the run's own figures, read
//! here from the exported JSON; the page fetches nothing and headless
//! Chromium renders it without a console message.

use std::collections::HashMap;

use serde_json::Value;

use super::common::*;

/// The page's section of run `id`.
fn section(html: &str, id: usize) -> &str {
    let start = html.find(&format!("<section class=\"run\" id=\"run-{id}\"")).unwrap_or_else(|| panic!("run {id}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").expect("the section's end")]
}

/// Text as an SVG or HTML text node writes it.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn f64s(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

/// Equal within floating point's last digits (a figure printed and read back).
fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-9 * y.abs().max(1.0))
}

#[test]
fn a_page_of_one_run_of_every_kind() {
    let export = fastware_testkit::fixture("history").join("every-kind.jsonl");
    let runs: Vec<Value> = std::fs::read_to_string(&export)
        .expect("the export")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a run"))
        .collect();
    let tmp = fastware_testkit::temp_dir("page-every-kind");
    let store = tmp.join("runs.sqlite");
    let o = run(&["--store", s(&store), "runs", "import", s(&export)]);
    assert!(stdout(&o).contains(&format!("imported {} run(s)", runs.len())), "{}", stderr(&o));
    let page = tmp.join("page.html");
    let o = run(&["--store", s(&store), "report", "--last", "50", "-o", s(&page)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(html.len() < 5_000_000, "{} bytes", html.len());
    for fetch in ["<script", "<link", "src=\"http", "href=\"http", "url(http", "@import", "<img"] {
        assert!(!html.contains(fetch), "self-contained, but has {fetch}");
    }

    // imported in order: run k of the export is run k of the store
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for (k, r) in runs.iter().enumerate() {
        let id = k + 1;
        let kind = r["kind"].as_str().expect("kind");
        *kinds.entry(kind.rsplit_once('/').expect("versioned").0).or_default() += 1;
        let sec = section(&html, id);
        assert!(sec.contains("<svg"), "run {id} ({kind}) has a picture");
        let v = &r["result"];
        let values = attr(sec, "data-value");
        match kind {
            "fastware/profile-data/1" if v["stacks"].is_array() => {
                // a flamegraph frame per top function, each function's
                // frames adding up to the samples of the stacks it is on
                let names: Vec<&str> = v["functions"]
                    .as_array()
                    .expect("functions")
                    .iter()
                    .map(|f| f["name"].as_str().expect("name"))
                    .collect();
                let labels: Vec<String> = v["functions"]
                    .as_array()
                    .expect("functions")
                    .iter()
                    .map(|f| {
                        let name = f["name"].as_str().expect("name");
                        if f["inlined"] == true {
                            format!("{name} [inlined]")
                        } else {
                            name.to_string()
                        }
                    })
                    .collect();
                let own: Vec<u64> =
                    v["self_cost"].as_array().expect("self").iter().map(|c| c.as_u64().expect("n")).collect();
                let mut top: Vec<usize> = (0..own.len()).collect();
                top.sort_by_key(|&f| std::cmp::Reverse(own[f]));
                let stacks = v["stacks"].as_array().expect("stacks");
                let mut checked = 0;
                for &f in top.iter().take(5) {
                    let on: Vec<&Value> = stacks
                        .iter()
                        .filter(|s| {
                            s["frames"].as_array().expect("frames").iter().any(|x| x.as_u64() == Some(f as u64))
                        })
                        .collect();
                    let recursive = on.iter().any(|s| {
                        s["frames"].as_array().expect("frames").iter().filter(|x| x.as_u64() == Some(f as u64)).count()
                            > 1
                    });
                    let samples: u64 = on.iter().map(|s| s["weight"].as_u64().expect("weight")).sum();
                    let title = format!("<title>{}", escaped(&labels[f]));
                    assert!(sec.contains(&title), "{} in the flamegraph of run {id}", names[f]);
                    if !recursive {
                        assert_eq!(drawn(sec, &escaped(&labels[f])), samples, "{}", names[f]);
                        checked += 1;
                    }
                }
                assert!(checked >= 3, "{checked}");
            }
            "fastware/profile-data/1" => {
                // no stacks (callgrind): the top functions by self cost as
                // bars, functions of one name (`strcmp` of ld.so and of libc)
                // as one
                let mut by_name: HashMap<&str, f64> = HashMap::new();
                for (f, c) in
                    v["functions"].as_array().expect("functions").iter().zip(v["self_cost"].as_array().expect("self"))
                {
                    *by_name.entry(f["name"].as_str().expect("name")).or_default() += f64s(c);
                }
                let mut own: Vec<f64> = by_name.into_values().collect();
                own.sort_by(|a, b| b.total_cmp(a));
                own.truncate(15);
                assert_eq!(values, own, "run {id}");
            }
            "fastware/heap-data/1" => {
                // the sites' bars hold every byte (at most 15 sites); the
                // lifetime histogram every block, by its point's average
                // lifetime in powers of two
                let points = v["points"].as_array().expect("points");
                let mut buckets: std::collections::BTreeMap<u32, u64> = Default::default();
                for p in points {
                    let (tl, tbk) = (p["lifetimes"].as_u64().expect("tl"), p["blocks"].as_u64().expect("tbk"));
                    if let Some(avg) = tl.checked_div(tbk) {
                        let k = (0..=64).find(|&k| k == 64 || avg < 1u64 << k).expect("a bucket");
                        *buckets.entry(k).or_default() += tbk;
                    }
                }
                let (lo, hi) = (*buckets.keys().next().expect("b"), *buckets.keys().last().expect("b"));
                let histogram: Vec<f64> = (lo..=hi).map(|k| buckets.get(&k).copied().unwrap_or(0) as f64).collect();
                let (bars, drawn_histogram) = values.split_at(values.len() - histogram.len());
                assert_eq!(drawn_histogram, histogram);
                let bytes: u64 = points.iter().map(|p| p["bytes"].as_u64().expect("bytes")).sum();
                assert!(bars.len() < 15, "{}", bars.len());
                assert_eq!(bars.iter().sum::<f64>(), bytes as f64);
            }
            "fastware/tasks/1" => {
                // a row per task (15 most busy), its busy time in ns
                let busy: Vec<f64> = attr_text(sec, "data-part")
                    .iter()
                    .zip(attr(sec, "data-ns"))
                    .filter(|(p, _)| *p == "busy")
                    .map(|(_, ns)| ns)
                    .collect();
                let want: Vec<f64> = v["rows"]
                    .as_array()
                    .expect("rows")
                    .iter()
                    .take(15)
                    .map(|r| (f64s(&r["busy_us"]) * 1e3).round())
                    .collect();
                assert_eq!(busy, want);
            }
            "fastware/bench-results/1" => {
                let est: Vec<f64> =
                    v["benchmarks"].as_array().expect("b").iter().map(|b| f64s(&b["estimate_us"])).collect();
                assert!(close(&values[..est.len()], &est), "{values:?} {est:?}");
                // the second run of the project is also drawn compared with
                // the first: a forest-plot row per benchmark at its change
                let before = runs[..k].iter().rfind(|b| b["kind"] == r["kind"] && b["project"] == r["project"]);
                if let Some(b) = before {
                    let base: HashMap<&str, f64> = b["result"]["benchmarks"]
                        .as_array()
                        .expect("b")
                        .iter()
                        .map(|b| (b["name"].as_str().expect("name"), f64s(&b["estimate_us"])))
                        .collect();
                    let mut want: Vec<f64> = v["benchmarks"]
                        .as_array()
                        .expect("b")
                        .iter()
                        .map(|n| f64s(&n["estimate_us"]) / base[n["name"].as_str().expect("name")] - 1.0)
                        .collect();
                    let mut changes = attr(sec, "data-change");
                    want.sort_by(f64::total_cmp);
                    changes.sort_by(f64::total_cmp);
                    assert!(close(&changes, &want), "{changes:?} {want:?}");
                    assert_eq!(attr(sec, "data-base"), [k as f64], "compared with the run before");
                } else {
                    assert!(!sec.contains("data-change"), "the first run is drawn alone");
                }
            }
            "fastware/bench-instructions/1" => {
                let want: Vec<f64> = v["benchmarks"]
                    .as_array()
                    .expect("b")
                    .iter()
                    .map(|b| f64s(&b["per_iteration"]["instructions"]))
                    .collect();
                assert_eq!(values, want);
            }
            "fastware/matrix/2" => {
                // a point per cell with a time and a size; a bar per timed cell
                let cells = v["cells"].as_array().expect("cells");
                let timed: Vec<&Value> = cells.iter().filter(|c| c["build_us"].is_object()).collect();
                let medians: Vec<f64> = timed.iter().map(|c| f64s(&c["build_us"]["median"])).collect();
                assert_eq!(values, medians);
                let named: Vec<String> = attr_text(sec, "data-cell");
                let want: Vec<String> = cells
                    .iter()
                    .filter(|c| c["build_us"].is_object() && c["size"].is_u64())
                    .map(|c| escaped(c["name"].as_str().expect("name")))
                    .collect();
                assert_eq!(named, want);
                let sizes: Vec<f64> =
                    cells.iter().filter(|c| c["build_us"].is_object()).filter_map(|c| c["size"].as_f64()).collect();
                assert_eq!(attr(sec, "data-size"), sizes);
            }
            "fastware/build/1" => {
                // the timeline: a bar per unit built, named
                let units: Vec<&Value> =
                    v["units"].as_array().expect("units").iter().filter(|u| u["freshness"] != "fresh").collect();
                assert_eq!(sec.matches("<g class=\"unit").count(), units.len());
                for u in units {
                    let title = format!("<title>{} — ", escaped(u["unit"].as_str().expect("unit")));
                    assert!(sec.contains(&title), "{title}");
                }
            }
            "fastware/llvm-lines-data/1" => {
                // the top functions by lines of IR, as the run showed them;
                // the run's lines are its crates' symbols' lines
                let rows = v["shown"]["rows"].as_array().expect("rows");
                let want: Vec<f64> = rows.iter().take(15).map(|r| f64s(&r["lines"])).collect();
                assert_eq!(values, want);
                for c in v["shown"]["crates"].as_array().expect("crates") {
                    let name = c["crate"].as_str().expect("crate");
                    let raw = v["crates"].as_array().expect("crates").iter().find(|r| r["crate"] == name).expect("raw");
                    let lines: u64 = raw["symbols"]
                        .as_array()
                        .expect("symbols")
                        .iter()
                        .map(|s| s["lines"].as_u64().expect("lines"))
                        .sum();
                    assert_eq!(c["lines"].as_u64(), Some(lines), "{name}");
                }
            }
            "fastware/pgo/2" => {
                let c = &v["comparison"];
                assert_eq!(values, [f64s(&c["baseline_median_us"]), f64s(&c["optimized_median_us"])]);
            }
            "fastware/explain/1" => {
                // the functions whose instructions moved, then the
                // differential flamegraph of each side's code
                let want: Vec<f64> = v["functions"]
                    .as_array()
                    .expect("functions")
                    .iter()
                    .take(15)
                    .map(|f| f64s(&f["instructions_change"]))
                    .collect();
                assert_eq!(values, want);
                let top = v["functions"][0]["function"].as_str().expect("function");
                assert!(sec.contains(&format!("<title>{}", escaped(top))), "{top} in the flamegraph");
            }
            other => panic!("a kind the test does not know: {other}"),
        }
    }
    // every kind the page draws, once at least
    for kind in [
        "fastware/profile-data",
        "fastware/heap-data",
        "fastware/tasks",
        "fastware/bench-results",
        "fastware/bench-instructions",
        "fastware/matrix",
        "fastware/build",
        "fastware/llvm-lines-data",
        "fastware/pgo",
        "fastware/explain",
    ] {
        assert!(kinds.contains_key(kind), "no {kind} run in the export");
    }
    // a perf profile and a callgrind one do not compare: refused by kind,
    // and each drawn alone on the page
    let both = ["--store", s(&store), "runs", "diff", "1", "2"];
    expect_kind(&both, 2, "ProfileError::DifferentUnits", &["one profile counts samples, the other instructions"]);
    assert!(!section(&html, 2).contains("data-base"), "the callgrind profile compared with the perf one");

    if let Some((dom, log)) = render_in_chromium(&page) {
        for id in 1..=runs.len() {
            assert!(dom.contains(&format!("id=\"run-{id}\"")), "run {id} in the DOM");
        }
        assert!(dom.matches("<svg").count() >= runs.len(), "the pictures in the DOM");
        let errors: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).collect();
        assert!(errors.is_empty(), "console messages: {errors:?}");
        let shot = fastware_testkit::scratch_root().join("report-every-kind.png");
        assert!(screenshot(&page, &shot), "a screenshot");
        eprintln!("note: a screenshot of the page of every kind: {}", shot.display());
    }
}
