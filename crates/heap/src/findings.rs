//! `heap`'s findings, in the shape of `profile`'s and `build`'s: short-lived
//! allocations, a `Vec`/`String` growing by repeated reallocation at one
//! site, peak memory held by one site, and memory never freed. Every
//! threshold is in [`thresholds`] and in the README.

use std::collections::BTreeMap;

use fastware_report::finding::{Evidence, Finding};
use fastware_report::units::{bytes, count};

use crate::model::HeapProfile;
use crate::report::{key, Advice, By, Row};

/// The thresholds of every rule, in one place.
pub mod thresholds {
    /// `short-lived`: a site with at least this many short-lived blocks.
    pub const SHORT_LIVED_BLOCKS: u64 = 10;
    /// `realloc-growth`: reallocations at one site.
    pub const REALLOCS: u64 = 10;
    /// `peak-site`: the share of the peak one site holds.
    pub const PEAK_SHARE: f64 = 0.5;
    /// `leak`: bytes of the user's sites still allocated at exit.
    pub const LEAKED_BYTES: u64 = 1;
}

/// Whether a frame's function grows a buffer by reallocating it.
fn grows(function: &str) -> bool {
    function == "realloc"
        || function.ends_with("::finish_grow")
        || function.ends_with("::grow_one")
        || function.ends_with("::grow_amortized")
        || function.ends_with("::reserve::do_reserve_and_handle")
        || function.ends_with("::do_reserve_and_handle")
        || function.contains("__rust_realloc")
        || function.contains("__rdl_realloc")
}

/// Reallocations made to grow a buffer, per site: the blocks of the
/// program points whose stack passes through a growing frame before the
/// user's frame.
pub fn reallocations(p: &HeapProfile) -> BTreeMap<String, u64> {
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for (point, fs) in p.points.iter().zip(p.stacks.iter()) {
        let Some(u) = point.user else { continue };
        if fs.first(u as usize).iter().any(|f| grows(&p.frames[f as usize].function)) {
            *out.entry(key(p, point, fs, By::Site).0).or_default() += point.blocks;
        }
    }
    out
}

/// The findings of `p`; `sites` are its rows by site, `advice` the
/// short-lived sites already chosen.
pub fn find(p: &HeapProfile, sites: &[Row], advice: &[Advice]) -> Vec<Finding> {
    use thresholds as t;
    let mut out = Vec::new();
    if let Some(a) = advice.first().filter(|a| a.blocks >= t::SHORT_LIVED_BLOCKS) {
        out.push(Finding {
            rule: "short-lived".into(),
            title: a.text.clone(),
            evidence: vec![
                Evidence::new("short-lived blocks at the site", a.blocks as f64, "blocks", Some("/advice/0/blocks".into())),
                Evidence::new(
                    "their average lifetime",
                    a.avg_lifetime.unwrap_or(0.0),
                    &p.meta.time_unit,
                    Some("/advice/0/avg_lifetime".into()),
                ),
            ],
            change: "allocate once outside the loop and reuse (`Vec::with_capacity` before it, `clear()` each pass), or keep it on the stack (arrays, `SmallVec`)".into(),
            why: "each block costs an allocation and a free, and new memory is cold in the cache".into(),
            test: "test it: `fastware heap --save before`, change, `fastware heap --save after`, `fastware heap diff before after`".into(),
        });
    }
    let grown = reallocations(p);
    if let Some((site, n)) = grown.iter().max_by_key(|(s, n)| (**n, std::cmp::Reverse((*s).clone()))) {
        if *n >= t::REALLOCS {
            out.push(Finding {
                rule: "realloc-growth".into(),
                title: format!("{site}: a buffer grown by {} reallocations (a Vec or String pushed to without its size known)", count(*n)),
                evidence: vec![Evidence::new("reallocations at the site", *n as f64, "blocks", None)],
                change: "`Vec::with_capacity(n)` / `String::with_capacity(n)` (or `reserve(n)`) when the size is known or can be estimated; `collect()` from an iterator with an exact size".into(),
                why: "a growing Vec doubles its buffer: each step allocates, copies everything, and frees the old one".into(),
                test: "test it: `fastware heap --save before`, change, `fastware heap --save after`, `fastware heap diff before after`".into(),
            });
        }
    }
    let peak: u64 = sites.iter().filter_map(|r| r.figures.peak_bytes).sum();
    if let Some(r) = sites.iter().filter(|r| r.figures.peak_bytes.is_some()).max_by_key(|r| r.figures.peak_bytes) {
        let held = r.figures.peak_bytes.unwrap_or(0);
        let share = held as f64 / peak.max(1) as f64;
        if peak > 0 && share >= t::PEAK_SHARE {
            out.push(Finding {
                rule: "peak-site".into(),
                title: format!("{}: {} of the peak's {} ({:.0}%)", r.key, bytes(held), bytes(peak), share * 100.0),
                evidence: vec![
                    Evidence::new("bytes at the peak held by the site", held as f64, "bytes", None),
                    Evidence::new("its share of the peak", share, "share", None),
                ],
                change: "hold less at once: stream or process in chunks, free (or `shrink_to_fit`) what is done with, a smaller representation (indices instead of copies, `Box<[T]>`, packed structs)".into(),
                why: "the peak is what the machine must have; one site holding most of it is the one place to cut".into(),
                test: "test it: `fastware heap --sort peak` before and after".into(),
            });
        }
    }
    // memory never freed, at the user's sites (std keeps a few buffers for the process's life)
    let mut leaked: Vec<&Row> = sites
        .iter()
        .filter(|r| !r.key.starts_with('[') && r.figures.end_bytes.unwrap_or(0) >= t::LEAKED_BYTES)
        .collect();
    leaked.sort_by_key(|r| std::cmp::Reverse(r.figures.end_bytes));
    if !leaked.is_empty() {
        let total: u64 = leaked.iter().map(|r| r.figures.end_bytes.unwrap_or(0)).sum();
        let first = leaked[0];
        out.push(Finding {
            rule: "leak".into(),
            title: format!(
                "{} never freed at exit, at {} site{}: most at {}",
                bytes(total),
                leaked.len(),
                if leaked.len() == 1 { "" } else { "s" },
                first.key
            ),
            evidence: vec![Evidence::new(
                "bytes never freed at the site",
                first.figures.end_bytes.unwrap_or(0) as f64,
                "bytes",
                None,
            )],
            change: "free it (an owner that is dropped, not `Box::leak`/`mem::forget`), or accept it when it lives for the whole run on purpose".into(),
            why: "memory never freed grows with every call in a long-running program".into(),
            test: "test it: `fastware heap` again: the site's `at exit` is 0".into(),
        });
    }
    out
}
