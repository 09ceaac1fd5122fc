//! CPU profiles: perf.data, callgrind.out and saved profiles, told by content.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = fastware_fuzz::as_file("in.profile", data);
    if let Ok(p) = fastware_profile::saved::read(&path, None) {
        let _ = fastware_profile::report::ProfileReport::new(&p, fastware_profile::views::By::Function, 10);
    }
});
