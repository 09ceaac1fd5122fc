//! Bad self-profile inputs, each made from the committed real profile (cut,
//! emptied, its version changed) or another real file, give their kind of
//! [`SelfProfError`] at the right file and byte; the messages are one
//! snapshot.

use fastware_selfprof::{open, SelfProfError};

#[test]
fn bad_profiles_are_told_apart_by_kind() {
    let real = fastware_testkit::fixture("profiles").join("traity-0001385.mm_profdata");
    let bytes = std::fs::read(&real).expect("profile");
    let tmp = fastware_testkit::temp_dir("selfprof-errors");
    let mut said = Vec::new();
    let mut check = |name: &str, data: &[u8], want: &dyn Fn(&SelfProfError) -> bool, offset: Option<u64>| {
        let p = tmp.join(format!("{name}.mm_profdata"));
        std::fs::write(&p, data).expect("write");
        let e = open(&p).err().unwrap_or_else(|| panic!("{name}: read"));
        let kind = e.typed::<SelfProfError>().unwrap_or_else(|| panic!("{name}: not typed: {e}"));
        assert!(want(kind), "{name}: {kind:?}");
        assert_eq!((e.path.as_deref(), e.offset), (p.to_str(), offset), "{name}");
        said.push(format!("{name}: {}{}", e.message, e.hint.map_or(String::new(), |h| format!("\n  hint: {h}"))));
    };
    check("empty", b"", &|k| *k == SelfProfError::Empty, None);
    // a real file of another kind: a committed callgrind profile
    let other = std::fs::read(fastware_testkit::fixture("profiles").join("hotspots-1.callgrind.out")).expect("other");
    check("callgrind", &other, &|k| *k == SelfProfError::NotSelfProfile, Some(0));
    check("header cut", &bytes[..6], &|k| *k == SelfProfError::TruncatedHeader, Some(6));
    let mut v8 = bytes.clone();
    v8[4..8].copy_from_slice(&8u32.to_le_bytes());
    check("version 8", &v8, &|k| *k == SelfProfError::Version { version: 8, reads: 9 }, Some(4));
    // cut inside a page: refused at that page's start, found here by walking
    // the page headers ([tag u8][len u32 LE], after the 8-byte file header)
    let half = bytes.len() / 2;
    let mut at = 8usize;
    while at + 5 + u32::from_le_bytes(bytes[at + 1..at + 5].try_into().expect("len")) as usize <= half {
        at += 5 + u32::from_le_bytes(bytes[at + 1..at + 5].try_into().expect("len")) as usize;
    }
    check(
        "cut in half",
        &bytes[..half],
        &|k| *k == SelfProfError::TruncatedPage { size: half as u64 },
        Some(at as u64),
    );
    insta::assert_snapshot!(said.join("\n"));
}
