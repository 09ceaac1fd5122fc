//! ELF files and rlibs, their symbols and DWARF (asm, inline, size, diff).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = fastware_binary::Binary::parse(std::path::Path::new("in"), data) {
        let _ = b.debug();
    }
});
