//! Shapes drawn through one generic function: each shape type is another
//! instantiation of `render`, `summary` and their helpers (monomorphization),
//! all compiled in the crate that calls them.
use std::collections::BTreeMap;
use std::fmt::Debug;

pub trait Shape: Debug + Clone + Default {
    fn area(&self) -> f64;
    fn label(&self) -> String;
}

#[derive(Debug, Clone, Default)]
pub struct Shape0 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 1], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape0 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 0 as f64 }
    fn label(&self) -> String { format!("{}#0:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape1 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 2], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape1 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 1 as f64 }
    fn label(&self) -> String { format!("{}#1:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape2 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 3], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape2 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 2 as f64 }
    fn label(&self) -> String { format!("{}#2:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape3 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 4], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape3 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 3 as f64 }
    fn label(&self) -> String { format!("{}#3:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape4 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 5], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape4 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 4 as f64 }
    fn label(&self) -> String { format!("{}#4:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape5 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 6], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape5 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 5 as f64 }
    fn label(&self) -> String { format!("{}#5:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape6 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 7], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape6 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 6 as f64 }
    fn label(&self) -> String { format!("{}#6:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape7 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 1], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape7 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 7 as f64 }
    fn label(&self) -> String { format!("{}#7:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape8 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 2], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape8 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 8 as f64 }
    fn label(&self) -> String { format!("{}#8:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape9 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 3], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape9 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 9 as f64 }
    fn label(&self) -> String { format!("{}#9:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape10 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 4], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape10 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 10 as f64 }
    fn label(&self) -> String { format!("{}#10:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape11 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 5], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape11 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 11 as f64 }
    fn label(&self) -> String { format!("{}#11:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape12 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 6], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape12 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 12 as f64 }
    fn label(&self) -> String { format!("{}#12:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape13 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 7], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape13 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 13 as f64 }
    fn label(&self) -> String { format!("{}#13:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape14 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 1], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape14 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 14 as f64 }
    fn label(&self) -> String { format!("{}#14:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape15 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 2], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape15 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 15 as f64 }
    fn label(&self) -> String { format!("{}#15:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape16 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 3], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape16 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 16 as f64 }
    fn label(&self) -> String { format!("{}#16:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape17 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 4], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape17 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 17 as f64 }
    fn label(&self) -> String { format!("{}#17:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape18 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 5], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape18 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 18 as f64 }
    fn label(&self) -> String { format!("{}#18:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape19 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 6], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape19 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 19 as f64 }
    fn label(&self) -> String { format!("{}#19:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape20 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 7], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape20 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 20 as f64 }
    fn label(&self) -> String { format!("{}#20:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape21 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 1], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape21 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 21 as f64 }
    fn label(&self) -> String { format!("{}#21:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape22 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 2], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape22 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 22 as f64 }
    fn label(&self) -> String { format!("{}#22:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape23 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 3], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape23 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 23 as f64 }
    fn label(&self) -> String { format!("{}#23:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape24 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 4], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape24 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 24 as f64 }
    fn label(&self) -> String { format!("{}#24:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape25 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 5], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape25 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 25 as f64 }
    fn label(&self) -> String { format!("{}#25:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape26 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 6], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape26 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 26 as f64 }
    fn label(&self) -> String { format!("{}#26:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape27 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 7], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape27 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 27 as f64 }
    fn label(&self) -> String { format!("{}#27:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape28 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 1], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape28 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 28 as f64 }
    fn label(&self) -> String { format!("{}#28:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape29 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 2], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape29 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 29 as f64 }
    fn label(&self) -> String { format!("{}#29:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape30 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 3], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape30 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 30 as f64 }
    fn label(&self) -> String { format!("{}#30:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape31 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 4], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape31 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 31 as f64 }
    fn label(&self) -> String { format!("{}#31:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape32 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 5], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape32 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 32 as f64 }
    fn label(&self) -> String { format!("{}#32:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape33 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 6], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape33 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 33 as f64 }
    fn label(&self) -> String { format!("{}#33:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape34 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 7], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape34 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 34 as f64 }
    fn label(&self) -> String { format!("{}#34:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape35 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 1], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape35 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 35 as f64 }
    fn label(&self) -> String { format!("{}#35:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape36 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 2], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape36 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 36 as f64 }
    fn label(&self) -> String { format!("{}#36:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape37 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 3], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape37 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 37 as f64 }
    fn label(&self) -> String { format!("{}#37:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape38 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 4], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape38 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 38 as f64 }
    fn label(&self) -> String { format!("{}#38:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape39 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 5], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape39 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 39 as f64 }
    fn label(&self) -> String { format!("{}#39:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape40 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 6], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape40 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 40 as f64 }
    fn label(&self) -> String { format!("{}#40:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape41 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 7], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape41 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 41 as f64 }
    fn label(&self) -> String { format!("{}#41:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape42 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 1], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape42 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 42 as f64 }
    fn label(&self) -> String { format!("{}#42:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape43 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 2], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape43 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 43 as f64 }
    fn label(&self) -> String { format!("{}#43:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape44 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 3], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape44 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 44 as f64 }
    fn label(&self) -> String { format!("{}#44:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape45 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 4], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape45 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 45 as f64 }
    fn label(&self) -> String { format!("{}#45:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape46 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 5], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape46 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 46 as f64 }
    fn label(&self) -> String { format!("{}#46:{}", self.name, self.tags.join("/")) }
}
#[derive(Debug, Clone, Default)]
pub struct Shape47 { pub name: String, pub points: Vec<(f64, f64)>, pub tags: Vec<String>, pub weight: [u32; 6], pub meta: BTreeMap<String, Vec<String>>, pub cache: std::collections::HashMap<u64, Vec<String>>, pub history: Vec<Vec<String>>, pub parent: Option<Box<(String, Vec<String>)>> }
impl Shape for Shape47 {
    fn area(&self) -> f64 { self.points.iter().map(|(x, y)| x * y).sum::<f64>() + 47 as f64 }
    fn label(&self) -> String { format!("{}#47:{}", self.name, self.tags.join("/")) }
}

/// Generic over the shape: instantiated once per type by the caller, with
/// every collection of `T` it builds (and their drop code).
pub fn render<T: Shape>(shapes: &[T]) -> String {
    let mut by_label: BTreeMap<String, Vec<T>> = BTreeMap::new();
    let mut by_name: std::collections::HashMap<String, Vec<(usize, T)>> = std::collections::HashMap::new();
    let mut pairs: Vec<(String, T, Vec<T>)> = Vec::new();
    for (i, s) in shapes.iter().enumerate() {
        by_label.entry(s.label()).or_default().push(s.clone());
        by_name.entry(format!("{s:?}")).or_default().push((i, s.clone()));
        pairs.push((s.label(), s.clone(), vec![s.clone(), T::default()]));
    }
    let mut out = String::new();
    for (label, group) in &by_label {
        let total: f64 = group.iter().map(Shape::area).sum();
        let widest = group.iter().map(|s| format!("{s:?}").len()).max().unwrap_or(0);
        out.push_str(&format!("{label}: {total:.2} ({} shapes, widest {widest})\n", group.len()));
    }
    let named: usize = by_name.values().map(Vec::len).sum();
    let extra: usize = pairs.into_iter().map(|(l, _, more)| l.len() + more.len()).sum();
    out.push_str(&format!("{named} {extra}\n"));
    out
}

/// A deeply nested iterator type: every adapter wraps the one before.
pub fn summary<T: Shape>(shapes: &[T]) -> impl Iterator<Item = (usize, String)> + '_ {
    shapes
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(i, s)| (i, s.label()))
        .chain(shapes.iter().map(|s| (0, s.label())).take(3))
        .filter_map(|(i, l)| (!l.is_empty()).then_some((i, l)))
        .map(|(i, l)| (i * 2, l.to_uppercase()))
        .skip_while(|(i, _)| *i > 1000)
        .take_while(|(i, _)| *i < 100_000)
        .inspect(|_| {})
        .zip(0..)
        .map(|((i, l), n)| (i + n, l))
        .flat_map(|(i, l)| std::iter::once((i, l.clone())).chain(std::iter::once((i + 1, l))))
        .peekable()
}

#[macro_export]
macro_rules! for_every_shape {
    ($f:ident) => {{
        let mut out = String::new();
        out.push_str(&$f(&[$crate::Shape0::default()]));
        out.push_str(&$f(&[$crate::Shape1::default()]));
        out.push_str(&$f(&[$crate::Shape2::default()]));
        out.push_str(&$f(&[$crate::Shape3::default()]));
        out.push_str(&$f(&[$crate::Shape4::default()]));
        out.push_str(&$f(&[$crate::Shape5::default()]));
        out.push_str(&$f(&[$crate::Shape6::default()]));
        out.push_str(&$f(&[$crate::Shape7::default()]));
        out.push_str(&$f(&[$crate::Shape8::default()]));
        out.push_str(&$f(&[$crate::Shape9::default()]));
        out.push_str(&$f(&[$crate::Shape10::default()]));
        out.push_str(&$f(&[$crate::Shape11::default()]));
        out.push_str(&$f(&[$crate::Shape12::default()]));
        out.push_str(&$f(&[$crate::Shape13::default()]));
        out.push_str(&$f(&[$crate::Shape14::default()]));
        out.push_str(&$f(&[$crate::Shape15::default()]));
        out.push_str(&$f(&[$crate::Shape16::default()]));
        out.push_str(&$f(&[$crate::Shape17::default()]));
        out.push_str(&$f(&[$crate::Shape18::default()]));
        out.push_str(&$f(&[$crate::Shape19::default()]));
        out.push_str(&$f(&[$crate::Shape20::default()]));
        out.push_str(&$f(&[$crate::Shape21::default()]));
        out.push_str(&$f(&[$crate::Shape22::default()]));
        out.push_str(&$f(&[$crate::Shape23::default()]));
        out.push_str(&$f(&[$crate::Shape24::default()]));
        out.push_str(&$f(&[$crate::Shape25::default()]));
        out.push_str(&$f(&[$crate::Shape26::default()]));
        out.push_str(&$f(&[$crate::Shape27::default()]));
        out.push_str(&$f(&[$crate::Shape28::default()]));
        out.push_str(&$f(&[$crate::Shape29::default()]));
        out.push_str(&$f(&[$crate::Shape30::default()]));
        out.push_str(&$f(&[$crate::Shape31::default()]));
        out.push_str(&$f(&[$crate::Shape32::default()]));
        out.push_str(&$f(&[$crate::Shape33::default()]));
        out.push_str(&$f(&[$crate::Shape34::default()]));
        out.push_str(&$f(&[$crate::Shape35::default()]));
        out.push_str(&$f(&[$crate::Shape36::default()]));
        out.push_str(&$f(&[$crate::Shape37::default()]));
        out.push_str(&$f(&[$crate::Shape38::default()]));
        out.push_str(&$f(&[$crate::Shape39::default()]));
        out.push_str(&$f(&[$crate::Shape40::default()]));
        out.push_str(&$f(&[$crate::Shape41::default()]));
        out.push_str(&$f(&[$crate::Shape42::default()]));
        out.push_str(&$f(&[$crate::Shape43::default()]));
        out.push_str(&$f(&[$crate::Shape44::default()]));
        out.push_str(&$f(&[$crate::Shape45::default()]));
        out.push_str(&$f(&[$crate::Shape46::default()]));
        out.push_str(&$f(&[$crate::Shape47::default()]));
        out
    }};
}
