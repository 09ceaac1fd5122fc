"""Writes a 1,200-line Rust program (derives, traits, async fns, generics,
collections, formatting) for rustc to compile under callgrind and DHAT in
bench/profile.sh and bench/heap.sh: a big real program's profile."""
import sys

parts = ["use std::collections::{HashMap, BTreeMap, HashSet};", "use std::fmt;", "use std::rc::Rc;", "use std::cell::RefCell;"]
for i in range(60):
    parts.append(f"""
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct S{i} {{ a: u64, b: String, c: Vec<u32>, d: Option<Box<S{i}>> }}
pub trait T{i} {{ fn go(&self, x: u64) -> u64; fn name(&self) -> String {{ format!("t{i}-{{}}", self.go(3)) }} }}
impl T{i} for S{i} {{ fn go(&self, x: u64) -> u64 {{ self.a.wrapping_mul(x) + self.c.iter().map(|&v| v as u64).sum::<u64>() }} }}
impl fmt::Display for S{i} {{ fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{ write!(f, "{{}}:{{}}:{{:?}}", self.a, self.b, self.c) }} }}
pub async fn run{i}(v: Vec<S{i}>) -> HashMap<String, u64> {{
    let mut m = HashMap::new();
    for s in v.iter().filter(|s| s.a % 3 == {i % 3}) {{ *m.entry(s.to_string()).or_insert(0) += s.go({i}); }}
    let b: BTreeMap<_, _> = m.iter().map(|(k, v)| (v, k.clone())).collect();
    let h: HashSet<u64> = b.keys().map(|k| **k).collect();
    m.insert(format!("{{:?}}", h.len()), h.iter().sum());
    m
}}
pub fn use{i}<G: T{i} + Clone>(g: &[G]) -> Rc<RefCell<Vec<String>>> {{
    let r = Rc::new(RefCell::new(Vec::new()));
    for x in g.iter().cloned() {{ r.borrow_mut().push(x.name()); }}
    r
}}
""")
parts.append("fn main() { " + " ".join(f"let _ = use{i}(&[S{i}::default()]); let _f{i} = run{i}(vec![S{i}::default()]);" for i in range(60)) + " }")
open(sys.argv[1], "w").write("\n".join(parts))
