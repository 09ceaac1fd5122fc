//! Deeply nested symbols (issue 27, item 4): a name of 20,000+ path segments
//! or generic levels must neither overflow a thread's stack nor be lost.
//! Everything runs on a thread with a 256 KiB stack, an eighth of the 2 MiB
//! a rayon worker gets, so a recursion that grows with the input shows here.

use fastware_symbols::{demangle, parse, parse_demangled, Name};

const SMALL_STACK: usize = 2 * 1024 * 1024;

/// Every key and attribution of `mangled`, and clones and drops of its tree.
fn use_every_key(mangled: &str) -> String {
    let name = Name::new(mangled);
    let mut seen = vec![name.instance(), name.generic_set(), name.function(), demangle(mangled)];
    seen.extend(name.defining_crate().map(str::to_string));
    seen.extend(name.instantiating_crate().map(str::to_string));
    seen.extend(name.primary_type_crates().iter().map(|s| s.to_string()));
    if let Some(sym) = parse(mangled) {
        let copy = sym.clone();
        assert_eq!(copy, sym);
        seen.extend(sym.type_crates().iter().map(|s| s.to_string()));
        seen.push(format!("{}", sym.is_drop_glue()));
        seen.push(format!("{:?}", sym.drop_glue_type().is_some()));
    }
    let text = name.instance();
    if let Some(again) = parse_demangled(&text) {
        seen.push(again.function());
    }
    seen.concat()
}

fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(SMALL_STACK).spawn(f).expect("spawn").join().expect("no panic");
}

fn legacy_segments(n: usize) -> String {
    format!("_ZN{}E", "1a".repeat(n))
}

#[test]
fn a_legacy_symbol_of_25000_segments() {
    on_small_stack(|| {
        let shown = use_every_key(&legacy_segments(25_000));
        // not parsed into a tree, but still demangled (rustc-demangle's text)
        assert!(shown.starts_with("a::a::a::"), "{}", &shown[..40]);
        assert_eq!(demangle(&legacy_segments(25_000)).matches("::").count(), 24_999);
    });
}

#[test]
fn a_legacy_symbol_of_ordinary_depth_keeps_its_structure() {
    on_small_stack(|| {
        let sym = parse(&legacy_segments(150)).expect("150 segments parse");
        assert_eq!(sym.defining_crate(), Some("a"));
        use_every_key(&legacy_segments(150));
    });
}

#[test]
fn legacy_text_nested_through_generics() {
    on_small_stack(|| {
        // `a<a<a<…>>>` as DWARF or valgrind write demangled names
        for n in [50, 5_000, 30_000] {
            let text = format!("{}{}", "a<".repeat(n), ">".repeat(n));
            let text = text.replacen("<>", "", 1);
            if let Some(sym) = parse_demangled(&text) {
                sym.function();
                sym.type_crates();
            }
            use_every_key(&text);
        }
    });
}

#[test]
fn a_v0_symbol_nested_20000_deep() {
    on_small_stack(|| {
        // _R N v N v … C 1a 1a 1a …: a path nested 20,000 times
        for n in [100, 20_000] {
            let mangled = format!("_R{}C1a{}", "Nv".repeat(n), "1a".repeat(n));
            use_every_key(&mangled);
            // generic arguments nested as deep: a<a<a<…>>>
            let generic = format!("_R{}C1a{}", "INv".repeat(n), "E".repeat(n));
            use_every_key(&generic);
        }
    });
}
