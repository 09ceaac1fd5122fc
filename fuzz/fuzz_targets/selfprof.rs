//! rustc self-profiles: header, pages, string table and event decoder.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = fastware_fuzz::as_file("in.mm_profdata", data);
    if let Ok(p) = fastware_selfprof::open(&path) {
        let _ = fastware_selfprof::summarize_profile(&p);
    }
});
