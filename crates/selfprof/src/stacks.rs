//! Collapsed stacks of a profile (`crate;parent;child self_ns` lines), for
//! `fastware self-profile folded` and for flamegraphs drawn with inferno.

use std::collections::HashMap;
use std::path::PathBuf;

use fastware_report::{Error, OutputFile};
use rayon::prelude::*;

use crate::decoder::Damage;
use crate::events::Payload;
use crate::file::{self, guarded, Profile};

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Collapsed stacks of every profile: (stack, self time in ns), heaviest first.
/// Each stack starts with the profile's crate name.
pub fn folded(paths: &[PathBuf]) -> Result<Vec<(String, u64)>, Error> {
    let files = crate::input::resolve(paths)?;
    let per_file = files
        .par_iter()
        .map(|f| {
            let p = file::open(f)?;
            guarded(|| profile_stacks(&p))
                .map_err(|e| Error::from(crate::file::corrupt(e)).at(&p.display()))?
                .map_err(|d| p.damaged(d))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut all: Map<String, u64> = Map::default();
    for stacks in per_file {
        for (s, w) in stacks {
            *all.entry(s).or_default() += w;
        }
    }
    let mut out: Vec<(String, u64)> = all.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// One profile's stacks. Events are visited last to first, so that a parent
/// (written after its children) is met before them: the stack of open
/// events is then the chain of ancestors.
fn profile_stacks(p: &Profile) -> Result<Vec<(String, u64)>, Damage> {
    let mut labels: Map<String, u32> = Map::default();
    let mut label_names: Vec<String> = Vec::new();
    // node 0 is the root; node = (parent, label)
    let mut nodes: Vec<(u32, u32)> = vec![(0, u32::MAX)];
    let mut children: Map<(u32, u32), u32> = Map::default();
    let mut weight: Vec<i64> = vec![0];
    let mut open: Map<u32, Vec<(i64, i64, u32)>> = Map::default();
    for i in (0..p.num_events()).rev() {
        let e = p.decode(i)?;
        let Payload::Interval { start, end } = e.payload else { continue };
        let label = match labels.get(e.label.as_ref()) {
            Some(&l) => l,
            None => {
                let l = label_names.len() as u32;
                label_names.push(e.label.to_string());
                labels.insert(e.label.into_owned(), l);
                l
            }
        };
        let stack = open.entry(e.thread).or_default();
        while let Some(&(s, en, _)) = stack.last() {
            if s <= start && end <= en {
                break;
            }
            stack.pop();
        }
        let parent = stack.last().map_or(0, |t| t.2);
        let node = *children.entry((parent, label)).or_insert_with(|| {
            nodes.push((parent, label));
            weight.push(0);
            (nodes.len() - 1) as u32
        });
        let dur = end - start;
        weight[node as usize] += dur;
        if parent != 0 {
            weight[parent as usize] -= dur;
        }
        stack.push((start, end, node));
    }
    let mut out = Vec::new();
    for (n, &w) in weight.iter().enumerate().skip(1) {
        if w <= 0 {
            continue;
        }
        let mut path = Vec::new();
        let mut at = n as u32;
        while at != 0 {
            let (parent, label) = nodes[at as usize];
            path.push(label_names[label as usize].as_str());
            at = parent;
        }
        path.push(&p.crate_name);
        path.reverse();
        // `;` separates frames in the collapsed format
        let line = path.iter().map(|f| f.replace(';', ":")).collect::<Vec<_>>().join(";");
        out.push((line, w as u64));
    }
    Ok(out)
}

/// Draws a flamegraph of the profiles' stacks into `out` (SVG). Returns the
/// size written.
pub fn flamegraph(paths: &[PathBuf], out: &std::path::Path, title: &str, force: bool) -> Result<u64, Error> {
    let stacks = folded(paths)?;
    if stacks.is_empty() {
        return Err(Error::input(&paths[0].display().to_string(), None, "no timed events to draw"));
    }
    let inputs = crate::input::resolve(paths)?;
    let mut file = OutputFile::create(out, &inputs, force)?;
    let lines: Vec<String> = stacks.iter().map(|(s, w)| format!("{s} {w}")).collect();
    let mut opts = inferno::flamegraph::Options::default();
    // XML 1.0 has no control characters, escaped or not
    opts.title = title.replace(|c: char| c.is_control(), " ");
    opts.count_name = "ns".to_string();
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut opts, lines.iter().map(String::as_str), &mut svg)
        .map_err(|e| Error::input(&out.display().to_string(), None, format!("cannot draw the flamegraph: {e}")))?;
    fastware_report::output::write_marked_svg(&mut file, &svg)
        .map_err(|e| fastware_report::output::write_error(&out.display().to_string(), &e))?;
    file.commit()
}
