//! Grouping keys and crate attribution on real symbols: from the tracee
//! fixture's binary and traces (`tests/data`), and the ones quoted in seed 002
//! (from a real 1.4 GB LLVM trace of a real web server).

use fastware_symbols::{parse, Mangling, Symbol};

fn sym(mangled: &str) -> Symbol {
    parse(mangled).unwrap_or_else(|| panic!("does not parse: {mangled}"))
}

#[test]
fn seed_002_v0_to_value_instances_keep_generics_and_group_by_generic_set() {
    let a = sym("_RINvNtCs9KWWFfvvCPd_10serde_json5value8to_valueINtNCNvCs5etrU9lJXb7_15web_http_server5index012IndexContextNtNtNtNtBQ_4blog6handle7context9RootIndexNtNtNtNtBQ_6photos6handle7context9RootIndexEEBQ_");
    let b = sym("_RINvNtCs9KWWFfvvCPd_10serde_json5value8to_valueNtNtNtNtCs5etrU9lJXb7_15web_http_server4blog6handle7context4PostEBR_");
    assert_eq!(a.mangling, Mangling::V0);
    assert_eq!(
        a.instance(),
        "serde_json::value::to_value::<web_http_server::index::{closure#0}::IndexContext<web_http_server::blog::handle::context::RootIndex, web_http_server::photos::handle::context::RootIndex>>"
    );
    assert_eq!(b.instance(), "serde_json::value::to_value::<web_http_server::blog::handle::context::Post>");
    assert_eq!(a.generic_set(), "serde_json::value::to_value::<_>");
    assert_eq!(b.generic_set(), a.generic_set());
    assert_eq!(a.function(), "serde_json::value::to_value::<_>");
    // defined in serde_json, instantiated by (and for types of) the web server
    assert_eq!(a.defining_crate(), Some("serde_json"));
    assert_eq!(a.instantiating_crate(), Some("web_http_server"));
    assert_eq!(b.instantiating_crate(), Some("web_http_server"));
    assert_eq!(a.type_crates(), vec!["web_http_server"]);
}

#[test]
fn seed_002_v0_rust_alloc_shim() {
    let s = sym("_RNvCscSpY9Juk0HT_7___rustc12___rust_alloc");
    assert_eq!(s.instance(), "__rustc::__rust_alloc");
    assert_eq!(s.defining_crate(), Some("__rustc"));
    assert_eq!(s.instantiating_crate(), None);
}

#[test]
fn seed_002_legacy_closure_folds_into_its_function() {
    let s = sym("_ZN15web_http_server6photos11PhotosState3new28_$u7b$$u7b$closure$u7d$$u7d$17ha4de409b0951d78bE");
    assert_eq!(s.mangling, Mangling::Legacy);
    assert_eq!(s.instance(), "web_http_server::photos::PhotosState::new::{{closure}}");
    assert_eq!(s.hash.as_deref(), Some("ha4de409b0951d78b"));
    assert!(s.is_closure());
    assert_eq!(s.function(), "web_http_server::photos::PhotosState::new");
    assert_eq!(s.defining_crate(), Some("web_http_server"));
}

#[test]
fn seed_002_legacy_drop_glue_belongs_to_the_dropped_types_crate() {
    let s = sym("_ZN4core3ptr49drop_in_place$LT$http..extensions..Extensions$GT$17h89b138bb6c1aa101E");
    assert!(s.is_drop_glue());
    assert_eq!(s.instance(), "core::ptr::drop_in_place<http::extensions::Extensions>");
    assert_eq!(s.defining_crate(), Some("core"));
    assert_eq!(s.type_crates(), vec!["http"]);
    assert_eq!(s.function(), "core::ptr::drop_in_place<http::extensions::Extensions>");
    assert_eq!(s.generic_set(), "core::ptr::drop_in_place<_>");

    let nested = sym("_ZN4core3ptr252drop_in_place$LT$$LT$alloc..vec..drain..Drain$LT$T$C$A$GT$$u20$as$u20$core..ops..drop..Drop$GT$..drop..DropGuard$LT$lol_html..selectors_vm..stack..StackItem$LT$lol_html..rewriter..rewrite_controller..ElementDescriptor$GT$$C$alloc..alloc..Global$GT$$GT$17h62ca0c07fce3ede0E");
    assert!(nested.is_drop_glue());
    assert_eq!(nested.primary_type_crates(), vec!["lol_html"]);
    assert!(nested.type_crates().contains(&"alloc"));
}

#[test]
fn seed_002_legacy_trait_impl_is_defined_by_its_self_type_crate() {
    let s = sym("_ZN129_$LT$axum..boxed..MakeErasedHandler$LT$H$C$S$GT$$u20$as$u20$axum..boxed..ErasedIntoRoute$LT$S$C$core..convert..Infallible$GT$$GT$9clone_box17he7f38a2ccd053fbbE");
    assert_eq!(
        s.instance(),
        "<axum::boxed::MakeErasedHandler<H,S> as axum::boxed::ErasedIntoRoute<S,core::convert::Infallible>>::clone_box"
    );
    assert_eq!(s.defining_crate(), Some("axum"));
    assert_eq!(
        s.generic_set(),
        "<axum::boxed::MakeErasedHandler<_,_> as axum::boxed::ErasedIntoRoute<_,_>>::clone_box"
    );
}

#[test]
fn seed_002_legacy_generic_impl_method() {
    let s = sym("_ZN14pulldown_cmark5parse15Parser$LT$F$GT$19handle_inline_pass117hc91a3dc90e0e9e0cE");
    assert_eq!(s.instance(), "pulldown_cmark::parse::Parser<F>::handle_inline_pass1");
    assert_eq!(s.generic_set(), "pulldown_cmark::parse::Parser<_>::handle_inline_pass1");
}

#[test]
fn async_fn_body_and_its_closures_fold_into_the_async_fn() {
    // `scaled` closure inside the async body of tracee_app::pipeline
    let s = sym("_RNCNCNvCsaGsnUGLjrU7_10tracee_app8pipeline00B5_");
    assert_eq!(s.instance(), "tracee_app::pipeline::{closure#0}::{closure#0}");
    assert_eq!(s.function(), "tracee_app::pipeline");
    assert!(s.is_closure());
    // legacy: same program, legacy mangling
    let l = sym("_ZN10tracee_app8pipeline28_$u7b$$u7b$closure$u7d$$u7d$17he3f7715399da291aE");
    assert_eq!(l.function(), "tracee_app::pipeline");
}

#[test]
fn drop_glue_of_an_async_fn_future_keys_on_the_fn() {
    let s = sym("_RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeNCNvCsaGsnUGLjrU7_10tracee_app8pipeline0EBK_");
    assert_eq!(s.instance(), "core::ptr::drop_in_place::<tracee_app::pipeline::{closure#0}>");
    assert_eq!(s.function(), "core::ptr::drop_in_place::<tracee_app::pipeline>");
    assert_eq!(s.generic_set(), "core::ptr::drop_in_place::<_>");
    assert_eq!(s.type_crates(), vec!["tracee_app"]);
    assert_eq!(s.instantiating_crate(), Some("tracee_app"));
}

#[test]
fn drop_glue_of_another_crates_type_counts_for_that_crate() {
    let s = sym(
        "_RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeNtCskKkbRnztdkn_12tracee_types6RecordECsaGsnUGLjrU7_10tracee_app",
    );
    assert_eq!(s.instance(), "core::ptr::drop_in_place::<tracee_types::Record>");
    assert_eq!(s.defining_crate(), Some("core"));
    assert_eq!(s.type_crates(), vec!["tracee_types"]);
    assert_eq!(s.instantiating_crate(), Some("tracee_app"));

    let vec = sym("_RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeINtNtCslNYArtu3iFV_5alloc3vec3VecNtCskKkbRnztdkn_12tracee_types6RecordEECsaGsnUGLjrU7_10tracee_app");
    assert_eq!(vec.type_crates(), vec!["alloc", "tracee_types"]);
    assert_eq!(vec.primary_type_crates(), vec!["tracee_types"]);
    assert_eq!(vec.function(), "core::ptr::drop_in_place::<alloc::vec::Vec<_>>");
}

#[test]
fn generic_function_of_another_crate_instantiated_here() {
    let s = sym("_RINvCskKkbRnztdkn_12tracee_types9summarizeReECsaGsnUGLjrU7_10tracee_app");
    assert_eq!(s.instance(), "tracee_types::summarize::<&str>");
    assert_eq!(s.generic_set(), "tracee_types::summarize::<_>");
    assert_eq!(s.defining_crate(), Some("tracee_types"));
    assert_eq!(s.instantiating_crate(), Some("tracee_app"));
    assert!(s.type_crates().is_empty());
}

#[test]
fn inherent_impl_method_of_generic_type() {
    let s = sym("_RINvMsj_NtCslNYArtu3iFV_5alloc3vecINtB6_3VecNtNtB8_6string6StringE14extend_trustedINtNtNtNtCsgEmfK2I1SDS_4core4iter8adapters3map3MapINtNtNtB1r_5slice4iter4IterNtCskKkbRnztdkn_12tracee_types6RecordENCNvMs_B2z_INtB2z_3BagB2x_E8describe0EECsaGsnUGLjrU7_10tracee_app");
    assert_eq!(s.generic_set(), "<alloc::vec::Vec<_>>::extend_trusted::<_>");
    assert_eq!(s.defining_crate(), Some("alloc"));
    assert_eq!(s.type_crates(), vec!["alloc", "core", "tracee_types"]);
    assert_eq!(s.primary_type_crates(), vec!["tracee_types"]);
}

#[test]
fn non_rust_names_are_not_symbols() {
    for name in ["llvm.memcpy.p0.p0.i64", "rust_eh_personality", "main", "_Z3foov", "", "_R", "_RNv"] {
        assert!(parse(name).is_none(), "{name}");
    }
    assert_eq!(fastware_symbols::demangle("llvm.assume"), "llvm.assume");
}

#[test]
fn llvm_suffix_is_stripped() {
    let s = sym("_ZN4core3ptr68drop_in_place$LT$alloc..raw_vec..RawVec$LT$tree_sitter..Node$GT$$GT$17h79c5587a7f50bc54E.llvm.2637932016532741116");
    assert_eq!(s.instance(), "core::ptr::drop_in_place<alloc::raw_vec::RawVec<tree_sitter::Node>>");
    assert_eq!(s.primary_type_crates(), vec!["tree_sitter"]);
}

#[test]
fn cache_demangles_each_name_once() {
    let mut cache = fastware_symbols::SymbolCache::new();
    let a = cache.get("_RNvCscSpY9Juk0HT_7___rustc12___rust_alloc");
    let b = cache.get("_RNvCscSpY9Juk0HT_7___rustc12___rust_alloc");
    assert!(std::sync::Arc::ptr_eq(&a, &b));
    assert_eq!(cache.len(), 1);
}

#[test]
fn malformed_input_never_panics() {
    let corpus = std::fs::read_to_string(format!("{}/tests/data/v0.txt", env!("CARGO_MANIFEST_DIR"))).expect("corpus");
    for line in corpus.lines().take(200) {
        for cut in 0..line.len() {
            let _ = parse(&line[..cut]);
        }
        let mut mutated = line.as_bytes().to_vec();
        for i in (2..mutated.len()).step_by(3) {
            mutated[i] = b'B';
            let _ = parse(std::str::from_utf8(&mutated).expect("ascii"));
        }
    }
}

#[test]
fn demangled_text_groups_like_the_mangled_name() {
    use fastware_symbols::Name;
    let n = Name::from_demangled("<alloc::vec::Vec<u8> as core::clone::Clone>::clone");
    assert_eq!(n.function(), "<alloc::vec::Vec<_> as core::clone::Clone>::clone");
    assert_eq!(n.defining_crate(), Some("alloc"));
    let c = Name::from_demangled("hotspots::render::{{closure}}");
    assert_eq!(c.function(), "hotspots::render");
}

/// A legacy symbol with a function pointer type returning a value in its
/// generic arguments (from ripgrep 14.1.1's release binary): rustc writes
/// `->` as `.>` there; it must parse, not stay mangled (issue 18, item 7).
#[test]
fn legacy_fn_pointer_with_return_type_parses() {
    let raw = "_ZN4core3ptr150drop_in_place$LT$regex_automata..util..pool..PoolGuard$LT$alloc..vec..Vec$LT$usize$GT$$C$fn$LP$$RP$$u20$.$GT$$u20$alloc..vec..Vec$LT$usize$GT$$GT$$GT$17h1ad6ad4b20557b54E";
    let s = sym(raw);
    let shown = fastware_symbols::demangle(raw);
    assert!(!shown.contains('$') && shown.starts_with("core::ptr::drop_in_place<"), "{shown}");
    assert!(shown.contains("fn() -> alloc::vec::Vec<usize>"), "{shown}");
    assert!(s.is_drop_glue());
}
