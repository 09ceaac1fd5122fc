//! `fastware tasks` on a real console-subscriber recording
//! (`tests/fixtures/tasks/asyncy.console.jsonl`, made by
//! `tests/fixtures/tasks-make-recording.sh` from `tests/fixtures/asyncy`):
//! every task's figures equal a raw parse of the recording written here,
//! and each task the program was built to misbehave is found.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::common::*;

fn recording() -> PathBuf {
    fastware_testkit::fixture("tasks").join("asyncy.console.jsonl")
}

/// A task as the raw lines say: (task.id, name, polls as (start, end) ns, wakes, self-wakes).
#[derive(Debug, Default)]
struct Raw {
    name: String,
    kind: String,
    polls: Vec<(i64, i64)>,
    wakes: u64,
    self_wakes: u64,
    wake_times: Vec<i64>,
}

/// Each spawned span between its Spawn and Close, by task.id; the last
/// enter/exit before Close with no wake since the poll before it is tracing
/// dropping the future, not a poll.
fn raw_tasks() -> HashMap<u64, Raw> {
    raw_tasks_of(&recording())
}

fn raw_tasks_of(path: &Path) -> HashMap<u64, Raw> {
    let text = std::fs::read_to_string(path).expect("recording");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(r#"{"v":1}"#));
    let time = |at: &Value| {
        at["secs_since_epoch"].as_i64().expect("s") * 1_000_000_000 + at["nanos_since_epoch"].as_i64().expect("ns")
    };
    let mut live: HashMap<u64, u64> = HashMap::new();
    let mut open: HashMap<u64, i64> = HashMap::new();
    let mut tasks: HashMap<u64, Raw> = HashMap::new();
    for l in lines {
        let v: Value = serde_json::from_str(l).expect("event");
        let (tag, e) = v.as_object().expect("object").iter().next().expect("one key");
        let span = e["id"].as_u64().expect("id");
        let at = time(&e["at"]);
        match tag.as_str() {
            "Spawn" => {
                let field = |n: &str| {
                    e["fields"].as_array().expect("fields").iter().find(|f| f["name"] == n).map(|f| f["value"].clone())
                };
                let id = field("task.id").and_then(|v| v.as_u64()).expect("task.id");
                let name = field("task.name").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                let kind = field("kind").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                live.insert(span, id);
                tasks.insert(id, Raw { name, kind, ..Raw::default() });
            }
            "Enter" => {
                if let Some(id) = live.get(&span) {
                    open.insert(*id, at);
                }
            }
            "Exit" => {
                if let Some(id) = live.get(&span) {
                    let start = open.remove(id).expect("entered");
                    tasks.get_mut(id).expect("task").polls.push((start, at));
                }
            }
            "Waker" => {
                if let Some(id) = live.get(&span) {
                    let t = tasks.get_mut(id).expect("task");
                    if let Some(w) = e["op"].get("Wake").or_else(|| e["op"].get("WakeByRef")) {
                        t.wakes += 1;
                        t.wake_times.push(at);
                        // its own: flagged, or within 20 µs after its poll
                        // returned (tokio defers yield_now's wake)
                        let just_polled = !open.contains_key(id) && t.polls.last().is_some_and(|p| at - p.1 <= 20_000);
                        if w["self_wake"] == true || just_polled {
                            t.self_wakes += 1;
                        }
                    }
                }
            }
            "Close" => {
                if let Some(id) = live.remove(&span) {
                    let t = tasks.get_mut(&id).expect("task");
                    let n = t.polls.len();
                    if n >= 2 {
                        let (prev_end, start) = (t.polls[n - 2].1, t.polls[n - 1].0);
                        if !t.wake_times.iter().any(|&w| w >= prev_end && w <= start) {
                            t.polls.pop();
                        }
                    }
                }
            }
            other => panic!("unknown event {other}"),
        }
    }
    tasks
}

fn us(ns: i64) -> f64 {
    ns as f64 / 1000.0
}

#[test]
fn every_task_agrees_with_a_raw_parse_and_each_misbehaviour_is_found() {
    let v = run_json(&["tasks", s(&recording()), "--format", "json", "--top", "0", "--no-history"]);
    assert_eq!(v["schema"], "fastware/tasks/1");
    let raw = raw_tasks();
    let tasks = v["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), raw.len());
    for t in tasks {
        let id = t["task_id"].as_u64().expect("task id");
        let r = &raw[&id];
        let busy: i64 = r.polls.iter().map(|(s, e)| e - s).sum();
        let longest = r.polls.iter().map(|(s, e)| e - s).max().unwrap_or(0);
        assert_eq!(t["polls"].as_u64(), Some(r.polls.len() as u64), "task {id}");
        assert_eq!(ns(&t["busy_us"]), busy, "task {id}");
        assert_eq!(ns(&t["longest_poll_us"]), longest, "task {id}");
        assert_eq!((t["wakes"].as_u64(), t["self_wakes"].as_u64()), (Some(r.wakes), Some(r.self_wakes)), "task {id}");
        assert_eq!(t["name"].as_str().unwrap_or_default(), r.name);
        assert_eq!(t["kind"].as_str().unwrap_or_default(), r.kind);
    }
    // the rows: every task, most busy first
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!((rows.len(), v["rows_total"].as_u64()), (raw.len(), Some(raw.len() as u64)));
    assert!(rows.windows(2).all(|w| ns(&w[0]["busy_us"]) >= ns(&w[1]["busy_us"])));

    let by_name = |n: &str| raw.values().filter(|r| r.name == n).collect::<Vec<_>>();
    let finding = |rule: &str, about: &str| -> Value {
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == rule && f["title"].as_str().expect("title").contains(about))
            .unwrap_or_else(|| panic!("no {rule} about {about}: {}", v["findings"]))
            .clone()
    };
    let evidence = |f: &Value, what: &str| -> f64 {
        f["evidence"].as_array().expect("evidence").iter().find(|e| e["what"] == what).expect(what)["value"]
            .as_f64()
            .expect("value")
    };
    // blocker: std::thread::sleep(25 ms) in 6 polls (by construction)
    let blocker = &by_name("blocker")[0];
    let f = finding("blocking-poll", "`blocker`");
    assert_eq!(evidence(&f, "polls over the threshold"), 6.0);
    assert_eq!(blocker.polls.iter().filter(|(s, e)| e - s > 25_000_000).count(), 6);
    let longest = blocker.polls.iter().map(|(s, e)| e - s).max().expect("polls");
    assert!((evidence(&f, "longest poll") - longest as f64 / 1e6).abs() < 1e-9);
    // spinner: yield_now 2,000 times: woken 2,000 times, polled 2,001,
    // most wakes its own (the rest came late: the blocker held the worker)
    let spinner = &by_name("spinner")[0];
    assert_eq!((spinner.polls.len(), spinner.wakes), (2001, 2000));
    assert!(spinner.self_wakes > 1000, "{}", spinner.self_wakes);
    let f = finding("self-wake", "`spinner`");
    assert_eq!(evidence(&f, "self-wakes"), spinner.self_wakes as f64);
    // lost: polled once, Pending, never woken, dropped when the runtime ended
    let lost = &by_name("lost")[0];
    assert_eq!((lost.polls.len(), lost.wakes), (1, 0));
    finding("lost-waker", "`lost`");
    // 400 tasks `short`, each polled once
    let shorts = by_name("short");
    assert_eq!(shorts.len(), 400);
    assert_eq!(evidence(&finding("many-short-tasks", "400 tasks `short`"), "tasks"), 400.0);
    // one scheduled-delay for the runtime: the tasks waited behind the blocker on the one worker
    let f = finding("scheduled-delay", "`blocker`");
    assert!(evidence(&f, "share of that time the culprit ran") > 0.5, "{f}");
    // each finding about its own task, and none about the well-behaved ticker (only
    // among the delayed) nor the runtime's own blocking and block_on tasks
    let rules: Vec<(String, String)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["rule"].as_str().expect("rule").to_string(), f["title"].as_str().expect("title").to_string()))
        .collect();
    for (rule, title) in &rules {
        let about = match rule.as_str() {
            "blocking-poll" => "`blocker`",
            "self-wake" => "`spinner`",
            "lost-waker" => "`lost`",
            "many-short-tasks" => "`short`",
            "scheduled-delay" => "`blocker`",
            other => panic!("unexpected {other}: {title}"),
        };
        assert!(title.contains(about), "{rule}: {title}");
        assert!(rule == "scheduled-delay" || !title.contains("`ticker`"), "{title}");
    }
    assert_eq!(rules.len(), 5, "{rules:?}");

    // by location (the name here: the recording has no locations): sums of the raw tasks
    let v = run_json(&["tasks", s(&recording()), "--by", "location", "--format", "json", "--no-history"]);
    let row = v["rows"].as_array().expect("rows").iter().find(|r| r["key"] == "short").expect("short").clone();
    assert_eq!(row["tasks"].as_u64(), Some(400));
    let busy: i64 = shorts.iter().flat_map(|r| r.polls.iter().map(|(s, e)| e - s)).sum();
    assert!((row["busy_us"].as_f64().expect("busy") - us(busy)).abs() < 1e-6);
}

#[test]
fn text_csv_save_and_bad_recordings() {
    let rec = recording();
    let o = run(&["tasks", s(&rec), "--no-history", "--top", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("406 tasks over") && text.contains("… 403 more"), "{text}");
    assert!(text.contains("[blocking-poll] `blocker`") && text.contains("[lost-waker] `lost`"), "{text}");
    let o = run(&["tasks", s(&rec), "--no-history", "--format", "csv", "--top", "0"]);
    let csv = stdout(&o);
    assert!(csv.starts_with("busy_us,scheduled_us,idle_us,lifetime_us,polls,longest_poll_us,wakes,self_wakes,key\n"));
    assert_eq!(csv.lines().count(), 407);

    // --save keeps it in a project's history, shown by runs show
    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("inliner"), "tasks-save");
    let store = project.join("h.sqlite");
    let o = run_in(&project, &["tasks", s(&rec), "--save", "before", "--store", s(&store), "--top", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let shown = stdout(&run_in(&project, &["runs", "show", "before", "--store", s(&store), "--top", "2"]));
    assert!(shown.contains("Tasks, most busy first") && shown.contains("… 404 more"), "{shown}");
    let trend = run_in(&project, &["runs", "trend", "tasks.blocking", "--store", s(&store), "--format", "json"]);
    assert!(trend.status.success(), "{}", stderr(&trend));
    // the report page draws the tasks as bars: the blocker's busy time is the raw lines' sum
    let page = project.join("page.html");
    let o = run_in(&project, &["report", "--last", "1", "--store", s(&store), "-o", s(&page)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).expect("page");
    let raw = raw_tasks();
    let blocker = raw.values().find(|r| r.name == "blocker").expect("blocker");
    let busy: i64 = blocker.polls.iter().map(|(s, e)| e - s).sum();
    assert!(html.contains(&format!("data-part=\"busy\" data-ns=\"{busy}\"")), "no bar of {busy} ns: {html}");
    assert!(html.contains("[blocking-poll]") && html.contains("class=\"tasks\""), "{html}");
    if let Some((dom, log)) = render_url_in_chromium(&format!("file://{}", page.display()), &[]) {
        assert_eq!(dom.matches("data-part=\"busy\"").count(), 15, "the 15 busiest of every task kept");
        let errors: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).collect();
        assert!(errors.is_empty(), "console messages: {errors:?}");
    }

    let tmp = fastware_testkit::temp_dir("tasks-bad");
    let text = std::fs::read_to_string(&rec).expect("recording");
    // a JSON file of another tool: a committed trace
    let trace = fastware_testkit::fixture("results").join("trace.json");
    expect_kind(
        &["tasks", s(&trace)],
        2,
        "TaskError::NoHeader",
        &["not a console-subscriber recording", "recording_path"],
    );
    // a later format version
    let v2 = tmp.join("v2.jsonl");
    std::fs::write(&v2, text.replacen(r#"{"v":1}"#, r#"{"v":2}"#, 1)).expect("write");
    expect_kind(&["tasks", s(&v2)], 2, "TaskError::UnknownVersion", &["format version 2", "reads version 1"]);
    // a damaged line in the middle, and a last line cut as a killed program leaves it
    let lines: Vec<&str> = text.lines().collect();
    let mut damaged = lines.clone();
    damaged[100] = &lines[100][..lines[100].len() / 2];
    let bad = tmp.join("damaged.jsonl");
    std::fs::write(&bad, damaged.join("\n") + "\n").expect("write");
    expect_kind(&["tasks", s(&bad)], 2, "TaskError::BadLine", &["line 101: not a recording event"]);
    let cut = tmp.join("cut.jsonl");
    std::fs::write(&cut, &text[..text.len() - 30]).expect("write");
    let o = run(&["tasks", s(&cut), "--no-history"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("the last line was cut"), "{}", stdout(&o));
    expect_kind(&["tasks", s(&rec), "--blocking-poll", "0"], 2, "AppError::Argument", &["--blocking-poll 0"]);
    // --profile takes a perf.data file: not a directory, not a pipe or device
    expect_kind(&["tasks", s(&rec), "--profile", s(&tmp)], 2, "ProfileError::Directory", &["a directory"]);
    expect_kind(&["tasks", s(&rec), "--profile", "/dev/null"], 2, "ProfileError::PipeOrDevice", &["a pipe or device"]);
    // a directory is bad input too (exit 2), said by the one input reader
    expect_error(&["tasks", s(&tmp)], 2, &["Is a directory"]);
    // the program built without tokio_unstable: console-subscriber wrote nothing
    let none = fastware_testkit::fixture("tasks").join("no-tasks.console.jsonl");
    expect_kind(&["tasks", s(&none)], 2, "TaskError::Empty", &["empty file", "--cfg tokio_unstable"]);
}

/// `perf script`'s samples of a perf.data: (comm, tid, time ns, switch, symbols innermost first).
fn perf_script_samples(data: &Path) -> Vec<(String, u32, i64, bool, Vec<String>)> {
    let o = Command::new("perf")
        .args(["script", "-i", s(data), "--ns", "--no-inline", "-F", "comm,tid,time,event,ip,sym"])
        .stderr(Stdio::null())
        .output()
        .expect("perf script");
    let text = String::from_utf8_lossy(&o.stdout);
    text.split("\n\n")
        .filter_map(|block| {
            let mut lines = block.lines().filter(|l| !l.trim().is_empty());
            // `tokio-rt-worker 22498 1796635642.363954123: context-switches/period=1/: `
            let head = lines.next()?;
            let (before, event) = head.split_once(": ")?;
            let mut f = before.split_whitespace().rev();
            let time = f.next()?.trim_end_matches(':');
            let tid: u32 = f.next()?.parse().ok()?;
            let comm = f.rev().collect::<Vec<_>>().join(" ");
            let (secs, nanos) = time.split_once('.')?;
            let time = secs.parse::<i64>().ok()? * 1_000_000_000 + nanos.parse::<i64>().ok()?;
            let frames = lines.map(|l| l.trim().split_once(' ').map_or("", |x| x.1).to_string()).collect();
            Some((comm, tid, time, event.starts_with("context-switches"), frames))
        })
        .collect()
}

/// The asyncy program run once under perf on the wall clock, with context
/// switches, as the README says: each blocking poll of its `blocker` task
/// is joined to its worker thread, off the CPU in `std::thread::sleep`,
/// checked against the recording's raw lines and `perf script`'s samples.
#[test]
fn blocking_polls_are_joined_to_a_profile_of_the_same_run() {
    if !perf_works() {
        return;
    }
    let bin =
        fastware_testkit::cargo_build_stable("asyncy", "--cfg tokio_unstable", &["--release"]).join("release/asyncy");
    let tmp = fastware_testkit::temp_dir("tasks-profile");
    let (rec, data) = (tmp.join("rec.jsonl"), tmp.join("run.perf"));
    let st = Command::new("perf")
        .args(["record", "-q", "-k", "realtime", "-e", "cpu-clock/freq=1000/", "-e", "context-switches/period=1/"])
        .args(["--call-graph", "dwarf,16384", "-o", s(&data), "--"])
        .arg(&bin)
        .arg(&rec)
        .stdout(Stdio::null())
        .status()
        .expect("perf record");
    assert!(st.success());
    let v = run_json(&["tasks", s(&rec), "--profile", s(&data), "--format", "json", "--no-history"]);
    let j = &v["profile"];
    assert_eq!(j["clock"], "realtime", "{j}");
    assert!(j["note"].is_null(), "context switches were recorded: {j}");

    // the polls over 10 ms: the blocker's, from the recording's raw lines
    let raw = raw_tasks_of(&rec);
    let text = std::fs::read_to_string(&rec).expect("recording");
    let first: Value = serde_json::from_str(text.lines().nth(1).expect("an event")).expect("event");
    let at = &first.as_object().and_then(|o| o.values().next()).expect("event")["at"];
    let start_ns =
        at["secs_since_epoch"].as_i64().expect("s") * 1_000_000_000 + at["nanos_since_epoch"].as_i64().expect("ns");
    let mut long: Vec<(i64, i64)> = raw
        .values()
        .filter(|r| r.kind == "task")
        .flat_map(|r| r.polls.iter().copied())
        .filter(|(a, b)| b - a > 10_000_000)
        .collect();
    assert!(raw.values().any(|r| r.name == "blocker"), "no blocker in the recording");
    let polls = j["polls"].as_array().expect("polls");
    let mut ours: Vec<(i64, i64)> = polls
        .iter()
        .map(|p| (start_ns + ns(&p["start_us"]), start_ns + ns(&p["start_us"]) + ns(&p["poll_us"])))
        .collect();
    long.sort_unstable();
    ours.sort_unstable();
    // (on a loaded machine another task's poll may pass 10 ms too)
    assert_eq!(ours, long, "the joined polls are the recording's polls over 10 ms");
    let polls: Vec<&Value> =
        polls.iter().filter(|p| p["task"].as_str().is_some_and(|t| t.starts_with("`blocker`"))).collect();
    assert_eq!(polls.len(), 6, "the blocker sleeps in 6 polls: {j}");

    // the oracle: perf script's samples, the worker's off-CPU stretches
    // (a context switch until the thread's next sample) inside each poll
    let samples = perf_script_samples(&data);
    let worker: Vec<&(String, u32, i64, bool, Vec<String>)> =
        samples.iter().filter(|x| x.0.starts_with("tokio-r")).collect();
    let tid = worker.first().expect("samples of tokio's worker thread").1;
    assert!(worker.iter().all(|x| x.1 == tid), "one worker thread (worker_threads(1))");
    for p in polls {
        let (a, b) = (start_ns + ns(&p["start_us"]), start_ns + ns(&p["start_us"]) + ns(&p["poll_us"]));
        let thread = p["thread"].as_str().expect("a thread");
        assert_eq!(thread, format!("tokio-rt-worker {tid}"), "{p}");
        let mut off = 0i64;
        let mut in_sleep = 0i64;
        for (k, x) in worker.iter().enumerate() {
            if !x.3 {
                continue;
            }
            let end = worker.get(k + 1).map_or(x.2, |next| next.2);
            let d = (end.min(b) - x.2.max(a)).max(0);
            off += d;
            if x.4.iter().any(|f| f == "std::thread::functions::sleep") {
                in_sleep += d;
            }
        }
        assert!(
            (ns(&p["off_cpu_us"]) - off).abs() <= 1_000,
            "off the CPU: {} ns, perf script's {off} ns",
            ns(&p["off_cpu_us"])
        );
        assert!(in_sleep * 10 >= (b - a) * 9, "the worker slept through the poll: {in_sleep} of {} ns", b - a);
        let top = &p["spent"][0];
        assert_eq!(top["spent_in"], "std::thread::functions::sleep", "{p}");
        let under = top["under"].as_str().expect("under");
        assert!(under.starts_with("asyncy::main::"), "the blocker's async block: {under}");
        assert!(top["share"].as_f64().expect("share") >= 0.9, "{p}");
    }
    let finding =
        v["findings"].as_array().expect("findings").iter().find(|f| f["rule"] == "blocking-poll").expect("finding");
    let title = finding["title"].as_str().expect("title");
    assert!(title.contains("`blocker`") && title.contains("was spent in `std::thread::functions::sleep`"), "{title}");
    // the profile of the run says where its threads waited off the CPU: in
    // all, perf script's switches each until its thread's next sample (the
    // last one until the file's last sample), and the blocker's sleeps
    let v = run_json(&["profile", s(&data), "--format", "json"]);
    let off = &v["off_cpu"];
    let last = samples.iter().map(|x| x.2).max().expect("samples");
    let mut waited = 0i64;
    for (k, x) in samples.iter().enumerate().filter(|(_, x)| x.3) {
        let next = samples[k + 1..].iter().find(|y| y.1 == x.1).map_or(last, |y| y.2);
        waited += next - x.2;
    }
    let ns_off = off["ns"].as_i64().expect("ns");
    assert!((ns_off - waited).abs() * 1000 <= waited, "{ns_off} ns off the CPU, perf script's {waited}");
    // the waits as folded stacks (for an off-CPU flamegraph) add up to the same
    let folded = stdout(&run(&["profile", "folded", s(&data), "--off-cpu"]));
    let summed: i64 = folded.lines().map(|l| l.rsplit_once(' ').expect("weight").1.parse::<i64>().expect("ns")).sum();
    assert_eq!(summed, ns_off, "folded waits");
    // (main's own sleep at the end, under asyncy::main, is a row of its own)
    let sleeps = off["rows"].as_array().expect("rows").iter().find(|r| {
        r["blocked_in"] == "std::thread::functions::sleep"
            && r["under"].as_str().is_some_and(|u| u.starts_with("asyncy::main::"))
    });
    let sleeps = sleeps.unwrap_or_else(|| panic!("the blocker's sleeps: {off}"));
    assert!(sleeps["ns"].as_i64().expect("ns") >= 6 * 25_000_000 * 95 / 100, "{sleeps}");
    // the text view: the section and the worker named
    let o = run(&["tasks", s(&rec), "--profile", s(&data), "--no-history"]);
    let shown = stdout(&o);
    assert!(shown.contains("Blocking polls joined to") && shown.contains("on tokio-rt-worker"), "{shown}");

    // fastware's own profile run, saved with its perf.data (--off-cpu: the
    // context switches too), joins by its name
    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("inliner"), "tasks-profile-saved");
    let store = project.join("h.sqlite");
    let rec2 = tmp.join("rec-saved.jsonl");
    let o = run_in(
        &project,
        &["profile", "--off-cpu", "--save", "served", "--file", s(&bin), "--store", s(&store), "--", s(&rec2)],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_in(&project, &["tasks", s(&rec2), "--profile", "served", "--store", s(&store), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    let polls = v["profile"]["polls"].as_array().expect("polls");
    let polls: Vec<&Value> =
        polls.iter().filter(|p| p["task"].as_str().is_some_and(|t| t.starts_with("`blocker`"))).collect();
    assert_eq!(polls.len(), 6, "{}", v["profile"]);
    for p in polls {
        assert!(p["thread"].as_str().is_some_and(|t| t.starts_with("tokio-rt-worker")), "{p}");
        assert_eq!(p["spent"][0]["spent_in"], "std::thread::functions::sleep", "{p}");
    }
    // without --off-cpu: joined, and said what the CPU samples cannot show
    let rec3 = tmp.join("rec-cpu.jsonl");
    let o =
        run_in(&project, &["profile", "--save", "cpu-only", "--file", s(&bin), "--store", s(&store), "--", s(&rec3)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_in(&project, &["tasks", s(&rec3), "--profile", "cpu-only", "--store", s(&store), "--format", "json"]);
    let note = json(&o)["profile"]["note"].as_str().unwrap_or_default().to_string();
    assert!(note.contains("no context switches") && note.contains("--off-cpu"), "{note}");
    // a saved name that is not there, and one saved without its samples in time
    expect_kind(
        &["tasks", s(&rec2), "--profile", "nothing-so-named", "--no-history"],
        2,
        "AppError::NotFound",
        &["no profile saved"],
    );
    let o = run_in(&project, &["profile", s(&data), "--save", "from-file", "--store", s(&store)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_in(&project, &["tasks", s(&rec2), "--profile", "from-file", "--store", s(&store)]);
    error_of(&o, 2, &["saved without its samples in time"]);

    // a profile on perf's own clock cannot be joined; one of another run does not overlap
    let plain = tmp.join("plain.perf");
    let st = Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-F", "999", "-o", s(&plain), "--"])
        .arg(&bin)
        .arg(tmp.join("rec2.jsonl"))
        .stdout(Stdio::null())
        .status()
        .expect("perf record");
    assert!(st.success());
    let svg = tmp.join("w.svg");
    let args = ["profile", "flamegraph", s(&plain), "--off-cpu", "-o", s(&svg)];
    expect_kind(&args, 2, "ProfileError::NoOffCpu", &["no context switches"]);
    expect_kind(
        &["tasks", s(&rec), "--profile", s(&plain)],
        2,
        "TaskError::ProfileClock",
        &["not the wall clock", "perf record -k realtime"],
    );
    let cg = fastware_testkit::fixture("profiles").join("hotspots-1.callgrind.out");
    expect_kind(&["tasks", s(&rec), "--profile", s(&cg)], 2, "ProfileError::NotPerfData", &["not a perf.data file"]);
    expect_kind(
        &["tasks", s(&recording()), "--profile", s(&data)],
        2,
        "TaskError::ProfileNoOverlap",
        &["do not overlap in time", "start after the recording's events by"],
    );
}
