//! Every kind of result the run history keeps, registered once.
//!
//! A kind is a result type that implements [`fastware_report::Kind`] in the
//! crate that owns it (its schema, its command, its text view, and where it
//! has them its comparison, metrics and page section). `runs show`, `runs
//! diff`, `runs trend`, `report` and the history's own checks find a kept
//! run's kind here by its schema and call it through [`Registered`] — so
//! adding a kind is its own crate plus one line in [`KINDS`].

use std::marker::PhantomData;

use fastware_history::{Run, Store};
use fastware_report::{DiffContext, DynRender, Kind, Metric, Text};

use crate::{Ctx, Error};

/// Two runs compared, by their kind's comparison.
pub type Compared = Result<Box<dyn DynRender>, Error>;

/// A registered kind, its type erased.
pub trait Registered: Sync {
    fn schema(&self) -> &'static str;
    /// Whether a kept run of `schema` is of this kind (its current or an
    /// earlier version).
    fn reads(&self, schema: &str) -> bool;
    fn command(&self) -> &'static str;
    /// What its metrics are called (for `runs trend`'s help and errors).
    fn metrics(&self) -> &'static str;
    /// The run's result as its command prints it.
    fn show(&self, run: &Run, top: Option<usize>, out: &mut Text<'_>) -> Result<(), Error>;
    /// A figure of the run, by name.
    fn metric(&self, run: &Run, name: &str) -> Result<Option<Metric>, Error>;
    /// The run's section on the report page: its picture, else its text.
    fn section(&self, run: &Run) -> Result<String, Error>;
    /// Whether the page draws a run compared with the one before it.
    fn compared_on_page(&self) -> bool;
    /// Two runs of this kind compared, with the past runs of `store` for noise.
    fn diff(
        &self,
        ctx: &Ctx,
        base: &Run,
        new: &Run,
        store: Store,
        top: Option<usize>,
    ) -> Result<Box<dyn DynRender>, Error>;
}

/// The registration of one kind.
struct Entry<K>(PhantomData<fn() -> K>);

impl<K> Entry<K> {
    const NEW: Entry<K> = Entry(PhantomData);
}

/// The kinds: one line each. A command's current kind comes before the
/// kinds its runs had in earlier versions (still shown).
static KINDS: &[&dyn Registered] = &[
    &Entry::<fastware_build::BuildReport>::NEW,
    &Entry::<fastware_bench::saved::SavedResults>::NEW,
    &Entry::<fastware_bench::instructions::InstructionRun>::NEW,
    &Entry::<fastware_pgo::report::PgoReport>::NEW,
    &Entry::<fastware_explain::Explanation>::NEW,
    &Entry::<fastware_matrix::report::MatrixReport>::NEW,
    &Entry::<fastware_llvmlines::saved::SavedLines>::NEW,
    &Entry::<fastware_heap::saved::SavedHeap>::NEW,
    &Entry::<fastware_profile::saved::SavedProfile>::NEW,
    &Entry::<fastware_binary::saved::SavedBuild>::NEW,
    &Entry::<fastware_tasks::TasksReport>::NEW,
    // runs of earlier versions, which kept a view of these three
    &Entry::<fastware_llvmlines::report::LlvmLinesReport>::NEW,
    &Entry::<fastware_heap::report::HeapReport>::NEW,
    &Entry::<fastware_profile::report::ProfileReport>::NEW,
];

/// Every registered kind.
pub fn all() -> &'static [&'static dyn Registered] {
    KINDS
}

/// The kind of a kept run, by its schema.
pub fn of(run: &Run) -> Option<&'static dyn Registered> {
    KINDS.iter().copied().find(|k| k.reads(&run.info.kind))
}

/// The kind whose runs `command` makes now (`build`, `bench` …).
pub fn of_command(command: &str) -> Option<&'static dyn Registered> {
    KINDS.iter().copied().find(|k| k.command() == command)
}

/// Every kind whose runs `command` makes or made.
pub fn all_of_command(command: &str) -> impl Iterator<Item = &'static dyn Registered> + '_ {
    KINDS.iter().copied().filter(move |k| k.command() == command)
}

/// A run's result as its kind's type, or an error naming the run.
fn typed<K: Kind>(run: &Run) -> Result<K, Error> {
    run.result_as::<K>()
}

/// How a run is named in a comparison's header.
pub fn label(run: &Run) -> String {
    match &run.info.name {
        Some(n) => format!("run {} `{n}`", run.info.id),
        None => format!("run {}", run.info.id),
    }
}

impl<K: Kind> Registered for Entry<K> {
    fn schema(&self) -> &'static str {
        K::SCHEMA
    }

    fn reads(&self, schema: &str) -> bool {
        K::reads(schema)
    }

    fn command(&self) -> &'static str {
        K::COMMAND
    }

    fn metrics(&self) -> &'static str {
        K::METRICS
    }

    fn show(&self, run: &Run, top: Option<usize>, out: &mut Text<'_>) -> Result<(), Error> {
        Ok(typed::<K>(run)?.show(top, out)?)
    }

    fn metric(&self, run: &Run, name: &str) -> Result<Option<Metric>, Error> {
        Ok(typed::<K>(run)?.metric(name))
    }

    fn section(&self, run: &Run) -> Result<String, Error> {
        let r = typed::<K>(run)?;
        if let Some(html) = r.section() {
            return Ok(html);
        }
        let mut text = Vec::new();
        r.show(Some(0), &mut Text::new(&mut text, None, false))?;
        Ok(fastware_report::html::preformatted(&String::from_utf8_lossy(&text)))
    }

    fn compared_on_page(&self) -> bool {
        K::COMPARED_ON_PAGE
    }

    fn diff(&self, ctx: &Ctx, base: &Run, new: &Run, store: Store, top: Option<usize>) -> Compared {
        let (a, b) = (typed::<K>(base)?, typed::<K>(new)?);
        let ids = [base.info.id, new.info.id];
        let store = std::cell::RefCell::new(Some(store));
        let past = || {
            let store = store.borrow_mut().take()?;
            crate::history::past_in::<K>(ctx, Ok(store), &|r| ids.contains(&r.id))
        };
        let dc = DiffContext { base_label: label(base), new_label: label(new), top, past: &past };
        K::diff(&a, &b, &dc)?.ok_or_else(|| {
            crate::error::mismatch(format!("runs diff does not compare {} runs yet", K::SCHEMA))
                .with_hint("runs show prints any run; `fastware runs diff` compares the kinds that have a comparison")
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn schemas_are_registered_once() {
        let kinds = super::all();
        for (i, k) in kinds.iter().enumerate() {
            assert!(k.schema().starts_with("fastware/"), "{}", k.schema());
            for other in &kinds[i + 1..] {
                assert_ne!(k.schema(), other.schema());
            }
        }
        let current = <fastware_profile::saved::SavedProfile as fastware_report::Kind>::SCHEMA;
        assert_eq!(super::of_command("profile").map(|k| k.schema()), Some(current));
    }

    /// Runs an earlier fastware kept (`matrix/1`, `pgo/1`: times in seconds)
    /// are found as their kind and shown, from a real store.
    #[test]
    fn earlier_versions_are_read_as_their_kind() {
        use fastware_history::context::Context;
        use fastware_history::{NewRun, Store};
        let dir = fastware_testkit::temp_dir("app-kinds-earlier");
        let mut store = Store::open(&dir.join("h.sqlite").display().to_string()).expect("store");
        for (kind, command) in [("matrix", "matrix"), ("pgo", "pgo")] {
            let file = fastware_testkit::fixture("results").join(format!("earlier/{kind}-1.json"));
            let result: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(file).expect("fixture")).expect("json");
            let context = Context::capture(&dir, vec!["fastware".into()]);
            let id = store.record(&NewRun::of(command, None, context, &result).expect("run")).expect("record");
            let run = store.get(id).expect("get");
            assert_eq!(run.info.kind, format!("fastware/{kind}/1"));
            let k = super::of(&run).expect("registered");
            assert_eq!(k.schema(), format!("fastware/{kind}/2"));
            let mut out = Vec::new();
            k.show(&run, None, &mut fastware_report::Text::new(&mut out, None, false)).expect("shown");
            let printed =
                std::fs::read_to_string(fastware_testkit::fixture("results").join(format!("earlier/{kind}-1.txt")))
                    .expect("text");
            assert_eq!(String::from_utf8(out).expect("utf-8").trim_end(), printed.trim_end());
        }
    }
}
