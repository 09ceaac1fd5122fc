//! Finding functions by name: a substring of the demangled name (or a
//! regex), exact names first, and near names when nothing matches.

use regex::Regex;

use crate::binary::{Binary, Sym};

/// How a pattern is matched against demangled names (hash stripped).
#[derive(Debug, Clone)]
pub enum Pattern {
    Substring(String),
    Regex(Regex),
}

impl Pattern {
    pub fn new(text: &str, regex: bool) -> Result<Pattern, fastware_report::Error> {
        if regex {
            fastware_report::parse::regex(text).map(Pattern::Regex)
        } else {
            Ok(Pattern::Substring(text.to_string()))
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Pattern::Substring(s) => s,
            Pattern::Regex(r) => r.as_str(),
        }
    }

    pub fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::Substring(s) => name.contains(s.as_str()),
            Pattern::Regex(r) => r.is_match(name),
        }
    }

    /// The whole name, or its last segments (`cast` for `inliner::cast`).
    pub fn is_exact(&self, name: &str) -> bool {
        match self {
            Pattern::Substring(s) => {
                name == s || name.strip_suffix(s.as_str()).is_some_and(|head| head.ends_with("::"))
            }
            Pattern::Regex(_) => false,
        }
    }
}

/// A function of the file with its display name.
#[derive(Debug, Clone)]
pub struct Found<'a> {
    pub sym: &'a Sym,
    pub name: String,
}

impl Binary {
    /// The functions whose demangled name matches, sorted by name and address.
    pub fn find_functions(&self, pattern: &Pattern) -> Vec<Found<'_>> {
        let mut out: Vec<Found> = self
            .functions
            .iter()
            .map(|&i| &self.symbols[i])
            .filter_map(|s| {
                let name = fastware_symbols::demangle(&s.raw);
                (pattern.matches(&name) || pattern.matches(&s.raw)).then_some(Found { sym: s, name })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.sym.address.cmp(&b.sym.address)));
        out
    }

    /// No function matches `pattern`: the error, with near names.
    pub fn no_match(&self, pattern: &str) -> fastware_report::Error {
        let near = self.near_names(pattern);
        crate::BinaryError::NoMatch { pattern: pattern.to_string(), file: self.path.display().to_string(), near }.into()
    }

    /// Of the functions `pattern` found (`items`): the one `index` names,
    /// the only one, or the one whose name is the pattern (or ends in
    /// `::PATTERN`); `None` when the caller should list them to choose from.
    /// No match at all is an error naming near names.
    pub fn choose<'a, T>(
        &self,
        items: &'a [T],
        index: Option<usize>,
        name: impl Fn(&T) -> &str,
        pattern: &Pattern,
    ) -> Result<Option<&'a T>, fastware_report::Error> {
        if items.is_empty() {
            return Err(self.no_match(pattern.text()));
        }
        if let Some(i) = index {
            return items
                .get(i)
                .map(Some)
                .ok_or_else(|| crate::BinaryError::IndexOutOfRange { index: i, matches: items.len() }.into());
        }
        if let [one] = items {
            return Ok(Some(one));
        }
        let exact: Vec<&T> = items.iter().filter(|f| pattern.is_exact(name(f))).collect();
        Ok(match exact.as_slice() {
            [one] => Some(one),
            _ => None,
        })
    }

    /// Up to five function names close to the pattern, for "did you mean".
    pub fn near_names(&self, pattern: &str) -> Vec<String> {
        let want = last_segment(pattern).to_lowercase();
        let mut scored: Vec<(f64, String)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for &i in &self.functions {
            let name = fastware_symbols::demangle(&self.symbols[i].raw);
            if !seen.insert(name.clone()) {
                continue;
            }
            let last = last_segment(&name).to_lowercase();
            let mut score = strsim::jaro_winkler(&want, &last);
            if name.to_lowercase().contains(&pattern.to_lowercase()) {
                score = score.max(0.95);
            }
            if score >= 0.8 {
                scored.push((score, name));
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.len().cmp(&b.1.len())));
        scored.into_iter().take(5).map(|(_, n)| n).collect()
    }
}

/// The last path segment of a name, generic arguments removed.
pub fn last_segment(name: &str) -> &str {
    let name = strip_trailing_generics(name);
    let mut depth = 0i32;
    let bytes = name.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => depth += 1,
            b'>' => depth -= 1,
            b':' if depth == 0 && bytes.get(i + 1) == Some(&b':') => {
                start = i + 2;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    &name[start..]
}

/// `foo::<T>` → `foo`, `sum<u32>` → `sum`.
fn strip_trailing_generics(name: &str) -> &str {
    if !name.ends_with('>') {
        return name;
    }
    let mut depth = 0i32;
    for (i, c) in name.char_indices().rev() {
        match c {
            '>' => depth += 1,
            '<' => {
                depth -= 1;
                if depth == 0 {
                    let head = &name[..i];
                    // `<A as B>` alone is a path, not generic arguments
                    if head.is_empty() {
                        return name;
                    }
                    return head.strip_suffix("::").unwrap_or(head);
                }
            }
            _ => {}
        }
    }
    name
}

/// A name with every generic argument list removed, to compare names from
/// symbols with names from DWARF: `core::iter::sum<u32>` → `core::iter::sum`.
pub fn without_generics(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0;
    let mut prev: Option<char> = None;
    // `<` opens generic arguments after an identifier or `::`; elsewhere a qualified path
    let mut kinds: Vec<bool> = Vec::new();
    for c in name.chars() {
        match c {
            '<' => {
                let generic = prev.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == ':' || p == '>');
                kinds.push(generic);
                if generic {
                    depth += 1;
                } else if depth == 0 {
                    out.push(c);
                }
            }
            '>' => {
                let generic = kinds.pop().unwrap_or(false);
                if generic {
                    depth -= 1;
                } else if depth == 0 {
                    out.push(c);
                }
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
        prev = Some(c);
    }
    out.replace("::::", "::").trim_end_matches("::").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_and_generics() {
        assert_eq!(last_segment("inliner::cast"), "cast");
        assert_eq!(last_segment("inliner::sum_all::<u8>"), "sum_all");
        assert_eq!(last_segment("sum<core::iter::Map<u32>>"), "sum");
        assert_eq!(last_segment("<inliner::V3 as core::ops::Add>::add"), "add");
        assert_eq!(without_generics("inliner::sum_all::<u8>"), "inliner::sum_all");
        assert_eq!(without_generics("core::iter::sum<core::iter::Map<u32>, u8>"), "core::iter::sum");
        assert_eq!(
            without_generics("<alloc::vec::Vec<u8> as core::ops::Drop>::drop"),
            "<alloc::vec::Vec as core::ops::Drop>::drop"
        );
        let p = Pattern::new("cast", false).unwrap();
        assert!(p.is_exact("inliner::cast"));
        assert!(!p.is_exact("inliner::broadcast"));
        assert!(p.matches("inliner::broadcast"));
    }
}
