//! rustc's self-profile labels grouped into the phases of compiling a crate.

/// A phase of compiling a crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Parsing, macro expansion, name resolution.
    Expansion,
    /// Type checking (trait solving counted apart).
    TypeCheck,
    /// Proving trait obligations.
    TraitSolving,
    /// MIR building, borrow checking, MIR optimisation.
    Mir,
    /// Monomorphization and MIR → LLVM IR.
    Codegen,
    /// LLVM's optimisation passes.
    LlvmOptimize,
    /// LLVM's machine code generation.
    LlvmCodegen,
    /// Link-time optimisation (fat, thin, thin-local).
    Lto,
    /// Linking, and writing metadata and archives.
    Link,
    /// The self-profiler's own work (writing its strings): a cost of measuring, not of the crate.
    Profiler,
    Other,
}

impl Phase {
    pub const ALL: [Phase; 11] = [
        Phase::Expansion,
        Phase::TypeCheck,
        Phase::TraitSolving,
        Phase::Mir,
        Phase::Codegen,
        Phase::LlvmOptimize,
        Phase::LlvmCodegen,
        Phase::Lto,
        Phase::Link,
        Phase::Profiler,
        Phase::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Expansion => "parse & expand",
            Phase::TypeCheck => "type check",
            Phase::TraitSolving => "trait solving",
            Phase::Mir => "MIR & borrowck",
            Phase::Codegen => "codegen (to LLVM IR)",
            Phase::LlvmOptimize => "LLVM optimize",
            Phase::LlvmCodegen => "LLVM codegen",
            Phase::Lto => "LTO",
            Phase::Link => "link",
            Phase::Profiler => "self-profiler",
            Phase::Other => "other",
        }
    }

    /// The JSON key.
    pub fn key(self) -> &'static str {
        match self {
            Phase::Expansion => "expansion",
            Phase::TypeCheck => "type_check",
            Phase::TraitSolving => "trait_solving",
            Phase::Mir => "mir",
            Phase::Codegen => "codegen",
            Phase::LlvmOptimize => "llvm_optimize",
            Phase::LlvmCodegen => "llvm_codegen",
            Phase::Lto => "lto",
            Phase::Link => "link",
            Phase::Profiler => "profiler",
            Phase::Other => "other",
        }
    }

    /// The frontend: everything before code generation.
    pub fn is_frontend(self) -> bool {
        matches!(self, Phase::Expansion | Phase::TypeCheck | Phase::TraitSolving | Phase::Mir)
    }
}

/// The phase of a self-profile label (rustc 1.9x names).
pub fn phase_of(l: &str) -> Phase {
    let any = |prefixes: &[&str]| prefixes.iter().any(|p| l.starts_with(p));
    if l.starts_with("self_profile") {
        Phase::Profiler
    } else if l.contains("lto") || l.contains("LTO") || any(&["LLVM_thin", "LLVM_fat"]) {
        Phase::Lto
    } else if any(&["LLVM_module_optimize", "LLVM_passes"]) {
        Phase::LlvmOptimize
    } else if l.starts_with("LLVM_") {
        Phase::LlvmCodegen
    } else if l == "link" || l == "run_linker" || l.starts_with("link_") {
        Phase::Link
    } else if l == "finish_ongoing_codegen" {
        // waiting for LLVM's threads, not work of its own
        Phase::Other
    } else if l.contains("obligation")
        || any(&["evaluate_goal", "codegen_select_candidate", "specialization_graph_of", "type_op_", "normalize_"])
        || any(&["implied_outlives", "dropck_outlives"])
    {
        Phase::TraitSolving
    } else if any(&["typeck", "type_check_crate", "type_of", "check_well_formed", "coherent_trait", "variances_of"])
        || any(&["check_mod_", "fn_sig", "predicates_of", "explicit_predicates", "inferred_outlives", "adt_"])
    {
        Phase::TypeCheck
    } else if l.contains("borrowck") || any(&["mir_", "optimized_mir", "thir_", "MIR_"]) {
        Phase::Mir
    } else if any(&[
        "parse_crate",
        "expand_crate",
        "macro_expand",
        "configure_and_expand",
        "resolve_crate",
        "early_lint",
    ]) || any(&["resolver_", "setup_global_ctxt"])
    {
        Phase::Expansion
    } else if any(&["codegen", "monomorphization", "collect_and_partition", "items_of_instance", "symbol_name"])
        || any(&["fn_abi_of", "layout_of", "debuginfo"])
    {
        Phase::Codegen
    } else {
        Phase::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_rustc_195() {
        assert_eq!(phase_of("LLVM_lto_optimize"), Phase::Lto);
        assert_eq!(phase_of("LLVM_thin_lto_import"), Phase::Lto);
        assert_eq!(phase_of("codegen_module_perform_lto"), Phase::Lto);
        assert_eq!(phase_of("LLVM_module_optimize"), Phase::LlvmOptimize);
        assert_eq!(phase_of("LLVM_passes"), Phase::LlvmOptimize);
        assert_eq!(phase_of("LLVM_module_codegen_emit_obj"), Phase::LlvmCodegen);
        assert_eq!(phase_of("evaluate_obligation"), Phase::TraitSolving);
        assert_eq!(phase_of("typeck"), Phase::TypeCheck);
        assert_eq!(phase_of("mir_borrowck"), Phase::Mir);
        assert_eq!(phase_of("expand_crate"), Phase::Expansion);
        assert_eq!(phase_of("codegen_crate"), Phase::Codegen);
        assert_eq!(phase_of("link_binary"), Phase::Link);
        assert_eq!(phase_of("run_linker"), Phase::Link);
        assert_eq!(phase_of("self_profile_alloc_query_strings"), Phase::Profiler);
        assert_eq!(phase_of("finish_ongoing_codegen"), Phase::Other);
    }
}
