//! The run history: `runs import`'s JSON lines (first byte 0), and a store
//! file that is not what it claims (first byte 1: the rest is the SQLite
//! file, opened, listed, and each run read back).
#![no_main]
use libfuzzer_sys::fuzz_target;

use fastware_history::{Filter, Store};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode == 0 {
        let _ = fastware_history::run::read_lines(rest, "fuzz");
        return;
    }
    let path = fastware_fuzz::as_file("history.sqlite", rest);
    let _ = std::fs::remove_file(path.with_extension("sqlite-wal"));
    let _ = std::fs::remove_file(path.with_extension("sqlite-shm"));
    let Ok(mut store) = Store::open(path.to_str().unwrap_or("")) else { return };
    if let Ok(runs) = store.list(&Filter::default()) {
        for r in runs.iter().take(20) {
            let _ = store.find(&r.id.to_string(), None).map(|run| run.result_pretty());
        }
    }
});
