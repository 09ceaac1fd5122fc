//! `analyzeme-summarize FILE.mm_profdata`: measureme's analysis of one profile,
//! printed as a table sorted by self time (what `summarize summarize` prints).
use std::io::Write;

fn main() {
    let path = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: analyzeme-summarize FILE.mm_profdata"));
    let data = analyzeme::ProfilingData::new(&path.with_extension("")).expect("readable profile");
    let mut results = data.perform_analysis();
    results.query_data.sort_by(|a, b| b.self_time.cmp(&a.self_time));
    let total = results.total_time.as_secs_f64();
    let mut out = std::io::stdout().lock();
    for q in &results.query_data {
        let _ = writeln!(
            out,
            "{:<40} {:>12.6} {:>7.3}% {:>12.6} {:>8} {:>8}",
            q.label,
            q.self_time.as_secs_f64(),
            q.self_time.as_secs_f64() / total * 100.0,
            q.time.as_secs_f64(),
            q.invocation_count,
            q.number_of_cache_hits
        );
    }
}
