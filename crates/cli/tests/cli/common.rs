//! What every test of the `fastware` binary uses: running it as a user
//! would, reading its output, and checking its errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use fastware_testkit::output::{json, json_of, stderr, stdout};
use serde_json::Value;

/// The fastware binary, without the test's own `CARGO_TARGET_DIR`.
pub fn fastware() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fastware"));
    c.env_remove("CARGO_TARGET_DIR");
    c
}

/// The fastware binary, started in `dir`.
pub fn command_in(dir: &Path) -> Command {
    let mut c = fastware();
    c.current_dir(dir);
    c
}

pub fn run(args: &[&str]) -> Output {
    fastware().args(args).output().expect("run fastware")
}

pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    command_in(dir).args(args).output().expect("run fastware")
}

/// The JSON of a successful run.
pub fn run_json(args: &[&str]) -> Value {
    json(&run(args))
}

/// The row of benchmark `name` in a `bench compare` or `bench ab` JSON.
pub fn bench_row<'a>(v: &'a Value, name: &str) -> &'a Value {
    item(v, "benchmarks", "name", name)
}

/// The element of the array `v[list]` whose `key` is `value`.
pub fn item<'a>(v: &'a Value, list: &str, key: &str, value: &str) -> &'a Value {
    v[list]
        .as_array()
        .unwrap_or_else(|| panic!("no array `{list}` in {v}"))
        .iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no {key} {value} in {list}: {v}"))
}

/// A committed fixture of `tests/fixtures/bench/`, by absolute path.
pub fn bench_data(rel: &str) -> String {
    fastware_testkit::fixture("bench").join(rel).display().to_string()
}

/// A copy of the fixture crate `benchy`, built and benchmarked by the test
/// that asks: one per test, as tests run at the same time.
pub fn benchy(name: &str) -> fastware_testkit::Project {
    fastware_testkit::copy_project_warm(&fastware_testkit::fixture("benchy"), name)
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A time of the JSON (microseconds, an integer or a fraction) in nanoseconds.
pub fn ns(v: &Value) -> i64 {
    v.as_i64().map(|x| x * 1000).unwrap_or_else(|| (v.as_f64().expect("number") * 1000.0).round() as i64)
}

/// The run failed with `status` and one clear error (no panic, nothing on
/// stdout) that holds every needle. Returns the error text.
pub fn expect_error(args: &[&str], status: i32, needles: &[&str]) -> String {
    error_of(&run(args), status, needles)
}

/// [`expect_error`], and the same command with `--format json` names the
/// library's `kind` of error (`TraceError::Truncated`) with the same status.
pub fn expect_kind(args: &[&str], status: i32, kind: &str, needles: &[&str]) -> String {
    json_kind(&run(&as_json(args)), args, status, kind);
    expect_error(args, status, needles)
}

/// [`expect_kind`] of a command run in `dir`.
pub fn expect_kind_in(dir: &Path, args: &[&str], status: i32, kind: &str, needles: &[&str]) -> String {
    json_kind(&run_in(dir, &as_json(args)), args, status, kind);
    error_of(&run_in(dir, args), status, needles)
}

/// `args` with `--format json`, before a `--` (what follows goes to a program).
pub fn as_json<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let at = args.iter().position(|a| *a == "--").unwrap_or(args.len());
    [&args[..at], &["--format", "json"], &args[at..]].concat()
}

/// The JSON error of `o` (a run of `args` with `--format json`) names `kind`, with `status`.
fn json_kind(o: &Output, args: &[&str], status: i32, kind: &str) {
    assert_eq!(o.status.code(), Some(status), "{args:?}: {}", stderr(o));
    let line = stderr(o).lines().last().unwrap_or_default().to_string();
    let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{args:?}: not one JSON error ({e}): {line}"));
    assert_eq!(v["kind"].as_str(), Some(kind), "{args:?}: {v}");
}

/// A run already made with `--format json` failed with `status`, its JSON
/// error naming `kind` and its message and hint holding `needles`.
pub fn json_error_of(o: &Output, status: i32, kind: &str, needles: &[&str]) -> Value {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(status), "exit status; stderr: {err}");
    let line = err.lines().last().unwrap_or_default();
    let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not one JSON error ({e}): {err}"));
    assert_eq!(v["kind"].as_str(), Some(kind), "{v}");
    let said = format!("{} {}", v["error"].as_str().unwrap_or_default(), v["hint"].as_str().unwrap_or_default());
    for n in needles {
        assert!(said.contains(n), "expected {n:?} in {said}");
    }
    v
}

/// [`expect_error`] for a run already made.
pub fn error_of(o: &Output, status: i32, needles: &[&str]) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(status), "exit status; stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.starts_with("error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in {err}");
    }
    assert!(stdout(o).is_empty(), "{}", stdout(o));
    err
}

/// `tool` can run here; else SKIPPED and why.
pub fn can_run(tool: &str, check: &[&str]) -> bool {
    let ok =
        Command::new(tool).args(check).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if !ok {
        eprintln!("SKIPPED: `{tool} {}` does not work here", check.join(" "));
    }
    ok
}

/// `perf record` works here (installed, allowed); else SKIPPED and why.
pub fn perf_works() -> bool {
    let out = std::env::temp_dir().join(format!("fastware-perf-check-{}.data", std::process::id()));
    let ok = can_run("perf", &["record", "-e", "cpu-clock", "-o", s(&out), "--", "true"]);
    // perf keeps an earlier file of the name as `.old`
    let _ = std::fs::remove_file(out.with_extension("data.old"));
    let _ = std::fs::remove_file(out);
    ok
}

pub fn valgrind_works() -> bool {
    can_run("valgrind", &["--tool=none", "true"])
}

/// A failed run of a program under a tool: the status, the program's and
/// the tool's output on stderr, then one `error:` line with `needle`; no
/// panic, nothing on stdout.
pub fn run_error(o: &Output, status: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(status), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.lines().any(|l| l.starts_with("error: ") && l.contains(needle)), "{err}");
    assert!(stdout(o).is_empty(), "{}", stdout(o));
}

pub fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|c| {
        let o = Command::new("sh").arg("-c").arg(format!("command -v {c}")).output().ok()?;
        o.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
    })
}

/// Loads the page in headless Chromium: the DOM it renders, and what the
/// browser logged (console messages and errors).
pub fn render_in_chromium(page: &Path) -> Option<(String, String)> {
    render_url_in_chromium(&format!("file://{}", page.display()), &[])
}

/// The DOM headless chromium has after loading `url` (with `extra`
/// switches, such as a virtual-time budget for pages that load more), and
/// its log (console messages on stderr); `None`, said, without chromium.
pub fn render_url_in_chromium(url: &str, extra: &[&str]) -> Option<(String, String)> {
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED the browser check: no chromium on this machine (.ci/run installs Debian's chromium)");
        return None;
    };
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile = fastware_testkit::temp_dir(&format!("chromium-profile-{n}"));
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .args(extra)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(o.status.success(), "chromium failed: {}", stderr(&o));
    Some((String::from_utf8_lossy(&o.stdout).into_owned(), stderr(&o)))
}

/// Serves the files under `root` on 127.0.0.1 (GET only, one request per
/// connection) from a thread for as long as the test runs; returns the port.
pub fn serve(root: &Path) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut line = String::new();
            let mut reader = BufReader::new(&stream);
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").split(['?', '#']).next().unwrap_or("/");
            let file = root.join(path.trim_start_matches('/'));
            let (status, body) = match std::fs::read(&file) {
                Ok(b) if file.starts_with(&root) && !path.contains("..") => ("200 OK", b),
                _ => ("404 Not Found", Vec::new()),
            };
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html",
                Some("js") => "text/javascript",
                Some("json") => "application/json",
                Some("css") => "text/css",
                Some("png") => "image/png",
                Some("woff2") => "font/woff2",
                _ => "application/octet-stream",
            };
            let mut w = &stream;
            let _ = write!(
                w,
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = w.write_all(&body);
        }
    });
    port
}

/// A screenshot of the page by headless Chromium, for a person to look at
/// (`false` when there is no Chromium).
pub fn screenshot(page: &Path, png: &Path) -> bool {
    let Some(browser) = chromium() else { return false };
    let profile = fastware_testkit::temp_dir("chromium-shot");
    let o = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1200,1600")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    o.status.success() && png.is_file()
}

/// Equal JSON, numbers to 1e-12 (times read back from microseconds are
/// held in nanoseconds, which can move a fraction's last digit).
pub fn same(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().expect("number"), y.as_f64().expect("number"));
            assert!((x - y).abs() <= 1e-12 * x.abs().max(y.abs()), "{at}: {x} vs {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}: lengths");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                same(p, q, &format!("{at}/{i}"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            let keys = |m: &serde_json::Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(x), keys(y), "{at}: fields");
            for (k, p) in x {
                same(p, &y[k], &format!("{at}/{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

/// The numbers in a page's `name="…"` attributes, in order.
pub fn attr(html: &str, name: &str) -> Vec<f64> {
    attr_text(html, name).iter().map(|v| v.parse::<f64>().expect("number")).collect()
}

/// Every value of attribute `name` in `html`, in order, as written.
pub fn attr_text(html: &str, name: &str) -> Vec<String> {
    let key = format!(" {name}=\"");
    html.match_indices(&key)
        .map(|(i, _)| {
            let rest = &html[i + key.len()..];
            rest[..rest.find('"').expect("end")].to_string()
        })
        .collect()
}

/// fastware with `args` run on a terminal (a pty from util-linux's
/// `script`) in `dir`: what it drew, carriage returns as line ends;
/// `None` where `script` cannot run.
pub fn on_a_terminal(dir: &Path, args: &str) -> Option<String> {
    let fw = env!("CARGO_BIN_EXE_fastware");
    let o = Command::new("script")
        .arg("-qec")
        .arg(format!("{fw} {args}"))
        .arg("/dev/null")
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .ok()?;
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).replace('\r', "\n"))
}

/// The samples inferno's flamegraph draws for `function`: its frames'
/// tooltips, `<title>NAME (N samples, P%)</title>`, added up.
pub fn drawn(svg: &str, function: &str) -> u64 {
    svg.match_indices(&format!("<title>{function} ("))
        .map(|(i, m)| {
            let rest = &svg[i + m.len()..];
            rest[..rest.find(' ').expect("count")].replace(',', "").parse::<u64>().expect("samples")
        })
        .sum()
}
