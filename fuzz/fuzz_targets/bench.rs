//! Benchmark results: libtest text and JSON lines, hyperfine JSON, saved results.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = fastware_fuzz::as_file("in.txt", data);
    let _ = fastware_bench::input::read(&path, None, None);
});
