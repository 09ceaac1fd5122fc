//! Every real symbol in `tests/data` (harvested from real binaries and traces
//! by `tests/fixtures/make-fixtures.sh`) parses, and printing the parsed tree
//! gives exactly what rustc-demangle prints for it. rustc-demangle is the
//! independent reference: fastware's v0 parser and printer share no code with it.

fn corpus(name: &str) -> Vec<String> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("corpus file");
    text.lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

fn check(name: &str, min: usize) {
    let syms = corpus(name);
    assert!(syms.len() >= min, "{name}: only {} symbols", syms.len());
    let mut failures = Vec::new();
    for raw in &syms {
        let reference = format!("{:#}", rustc_demangle::demangle(raw));
        match fastware_symbols::parse(raw) {
            None => failures.push(format!("unparsed: {raw}")),
            Some(sym) => {
                let ours = sym.instance() + &sym.suffix;
                if ours != reference {
                    failures.push(format!("{raw}\n  ours: {ours}\n  ref:  {reference}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        syms.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

#[test]
fn v0_corpus_matches_rustc_demangle() {
    check("v0.txt", 500);
}

#[test]
fn legacy_corpus_matches_rustc_demangle() {
    check("legacy.txt", 300);
}
