//! criterion's baseline files: the first byte chooses which of
//! `benchmark.json`, `estimates.json`, `sample.json` the rest replaces; the
//! other two are a real baseline's (the benchy fixture's).
#![no_main]
use libfuzzer_sys::fuzz_target;

const FILES: [(&str, &[u8]); 3] = [
    ("benchmark.json", include_bytes!("../../tests/fixtures/bench/criterion/checksum_4k/base/benchmark.json")),
    ("estimates.json", include_bytes!("../../tests/fixtures/bench/criterion/checksum_4k/base/estimates.json")),
    ("sample.json", include_bytes!("../../tests/fixtures/bench/criterion/checksum_4k/base/sample.json")),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let dir = fastware_fuzz::as_file("criterion/b/base/benchmark.json", b"").parent().expect("dir").to_path_buf();
    for (i, (name, real)) in FILES.iter().enumerate() {
        let body = if i == usize::from(pick) % FILES.len() { rest } else { real };
        std::fs::write(dir.join(name), body).expect("scratch file");
    }
    let root = dir.parent().and_then(|p| p.parent()).expect("criterion root");
    let _ = fastware_bench::input::read(root, Some("base"), None);
});
