//! Inputs the fuzzer found that crashed `Binary::parse` (see
//! `tests/fixtures/fuzz/README.md`): each now gives an error or a result,
//! never a panic (tests build with overflow checks, as the fuzzer does).

#[test]
fn overflowing_section_sizes_in_an_rlib() {
    let path = fastware_testkit::fixture("fuzz").join("binary-7372f346");
    let data = std::fs::read(&path).expect("fixture");
    let r = std::panic::catch_unwind(|| fastware_binary::Binary::parse(&path, &data).map(|b| b.debug().is_ok()));
    assert!(r.is_ok(), "Binary::parse panicked");
}

#[test]
fn a_symbol_address_past_two_to_the_64() {
    let path = fastware_testkit::fixture("fuzz").join("binary-a80c6d4d");
    let data = std::fs::read(&path).expect("fixture");
    let r = std::panic::catch_unwind(|| fastware_binary::Binary::parse(&path, &data).map(|b| b.debug().is_ok()));
    assert!(r.is_ok(), "Binary::parse panicked");
}
