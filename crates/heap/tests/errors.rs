//! Bad heap-profile inputs, made from the committed real DHAT file (its
//! version, mode or a frame index changed, emptied, a byte that is not
//! UTF-8) or another real file, give their kind of [`HeapError`]; the
//! messages are one snapshot.

use fastware_heap::saved::read;
use fastware_heap::HeapError;

#[test]
fn bad_heap_profiles_are_told_apart_by_kind() {
    let fixtures = fastware_testkit::fixture("heap");
    let real = std::fs::read_to_string(fixtures.join("allocs.dhat.json")).expect("dhat");
    let tmp = fastware_testkit::temp_dir("heap-errors");
    let mut said = Vec::new();
    let mut check = |name: &str, data: &[u8], want: HeapError| {
        let p = tmp.join(format!("{}.json", name.replace(' ', "-")));
        std::fs::write(&p, data).expect("write");
        let e = read(&p).err().unwrap_or_else(|| panic!("{name}: read"));
        assert_eq!(e.typed::<HeapError>(), Some(&want), "{name}: {e}");
        assert_eq!(e.path.as_deref(), p.to_str(), "{name}");
        said.push(format!("{name}: {}{}", e.message, e.hint.map_or(String::new(), |h| format!("\n  hint: {h}"))));
    };
    check("empty", b"  \n", HeapError::Empty);
    let other = std::fs::read(fastware_testkit::fixture("profiles").join("hotspots-1.callgrind.out")).expect("other");
    check("callgrind", &other, HeapError::NotHeapProfile);
    let mut latin1 = real.clone().into_bytes();
    latin1[40] = 0xE9;
    check("not utf-8", &latin1, HeapError::NotText);
    check(
        "version 3",
        real.replacen("\"dhatFileVersion\":2", "\"dhatFileVersion\":3", 1).as_bytes(),
        HeapError::Version { version: 3 },
    );
    check(
        "mode",
        real.replacen("\"mode\":\"heap\"", "\"mode\":\"weird\"", 1).as_bytes(),
        HeapError::Mode { mode: "weird".into() },
    );
    // the first program point's first frame index made one past the table
    let mut v: serde_json::Value = serde_json::from_str(&real).expect("json");
    let frames = v["ftbl"].as_array().expect("ftbl").len() as u64;
    v["pps"][0]["fs"][0] = frames.into();
    check("frame out of range", v.to_string().as_bytes(), HeapError::FrameOutOfRange { frame: frames, frames });
    // the same in a saved profile (the model as `--save` keeps it)
    let profile = read(&fixtures.join("allocs.dhat.json")).expect("reads");
    let mut saved = serde_json::to_value(fastware_heap::saved::SavedHeap::from(profile)).expect("json");
    let frames = saved["frames"].as_array().expect("frames").len() as u64;
    saved["points"][0]["frames"][0] = frames.into();
    let p = tmp.join("saved.json");
    std::fs::write(&p, saved.to_string()).expect("write");
    let e = read(&p).expect_err("damaged");
    assert_eq!(e.typed::<HeapError>(), Some(&HeapError::FrameOutOfRange { frame: frames, frames }), "{e}");
    assert_eq!(e.path.as_deref(), p.to_str());
    let e = read(&fixtures).expect_err("a directory");
    assert_eq!(e.typed::<HeapError>(), Some(&HeapError::Directory));
    insta::assert_snapshot!(said.join("\n"));
}
