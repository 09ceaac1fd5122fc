//! The trace reader (JSON Trace Event files, gzip and zstd fronts) and the
//! LLVM aggregation behind `fastware trace`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = fastware_fuzz::as_file("in.llvm_timings.json", data);
    let options = fastware_trace::parallel::Options { threads: 1, ..Default::default() };
    let q = fastware_trace::TraceQuery { paths: vec![path], options, ..Default::default() };
    let _ = fastware_trace::summarize(&q);
});
