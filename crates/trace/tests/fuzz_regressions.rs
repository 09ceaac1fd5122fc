//! Inputs the fuzzer found that crashed the trace reader (see
//! `tests/fixtures/fuzz/README.md`): each now gives a result or an error,
//! never a panic (tests build with overflow checks, as the fuzzer does).

#[test]
fn a_beginning_of_time_past_i64_nanoseconds() {
    let path = fastware_testkit::fixture("fuzz").join("trace-67b319a0");
    let options = fastware_trace::parallel::Options { threads: 1, ..Default::default() };
    let q = fastware_trace::TraceQuery { paths: vec![path], options, ..Default::default() };
    let r = std::panic::catch_unwind(|| fastware_trace::summarize(&q).map(|s| s.span_ns));
    assert!(r.is_ok(), "summarize panicked");
}
