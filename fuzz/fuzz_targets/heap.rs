//! DHAT files (valgrind's and the dhat crate's) and saved heap profiles.
#![no_main]
use libfuzzer_sys::fuzz_target;

use fastware_heap::report::{By, HeapReport, Sort};

fuzz_target!(|data: &[u8]| {
    let path = fastware_fuzz::as_file("in.json", data);
    if let Ok(p) = fastware_heap::saved::read(&path) {
        let _ = HeapReport::new(&p, By::Site, Sort::ShortLived, None, 10);
    }
});
