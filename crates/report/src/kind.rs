//! Kinds of result: what a measuring command keeps in the run history.
//!
//! A kind is a typed result (`Serialize + Deserialize`) with a `schema`
//! naming it and its version. The crate that owns the result implements
//! [`Kind`] — its schema, the command that makes it, its text view — and,
//! where it has them, its comparison of two runs, its metrics for `runs
//! trend` and its section on the report page. The application registers
//! each kind in one line (`fastware_app::kinds`); `runs`, `report` and the
//! history dispatch through that list, so a kind is never chosen by a string
//! outside the crate that owns it.

use std::io;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Error, Format, Render, Table, Text};

/// A kind of result kept in the run history.
pub trait Kind: Serialize + DeserializeOwned + 'static {
    /// `fastware/<kind>/<version>`: the `schema` field of its JSON.
    const SCHEMA: &'static str;
    /// The command whose runs these are (`build`, `bench`, `profile` …).
    const COMMAND: &'static str;
    /// What the metrics of [`Kind::metric`] are called, for help and errors
    /// (`wall, span, unit:NAME`); empty when the kind has none.
    const METRICS: &'static str = "";
    /// Schemas of earlier versions of this kind that it still reads (kept
    /// runs of an older fastware), upgraded by [`Kind::from_kept`].
    const EARLIER: &'static [&'static str] = &[];
    /// Whether the report page draws a run compared with the run of the
    /// same kind and project before it (its [`Kind::diff`] has a picture:
    /// [`Render::html`]).
    const COMPARED_ON_PAGE: bool = false;

    /// Reads a kept result whose schema is [`Kind::SCHEMA`] or one of
    /// [`Kind::EARLIER`] (a kind whose format changed overrides this to
    /// upgrade the earlier value).
    fn from_kept(_schema: &str, value: serde_json::Value) -> Result<Self, serde_json::Error>
    where
        Self: Sized,
    {
        serde_json::from_value(value)
    }

    /// Whether a kept run of `schema` reads as this kind.
    fn reads(schema: &str) -> bool
    where
        Self: Sized,
    {
        schema == Self::SCHEMA || Self::EARLIER.contains(&schema)
    }

    /// The result as its command prints it, with `top` rows per table
    /// (`None`: the command's default).
    fn show(&self, top: Option<usize>, out: &mut Text<'_>) -> io::Result<()>;

    /// A figure for `runs trend KIND.NAME`, when the kind has it.
    fn metric(&self, _name: &str) -> Option<Metric> {
        None
    }

    /// Its section on the report page (HTML), when it draws one; else the
    /// page shows [`Kind::show`]'s text.
    fn section(&self) -> Option<String> {
        None
    }

    /// Two runs compared (`runs diff`); `None` when the kind has no comparison.
    fn diff(_base: &Self, _new: &Self, _ctx: &DiffContext<'_, Self>) -> Result<Option<Box<dyn DynRender>>, Error>
    where
        Self: Sized,
    {
        Ok(None)
    }
}

/// A figure of one run, as `runs trend` plots it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// A duration in nanoseconds (fractions allowed).
    Nanos(f64),
    /// A count (bytes, instructions, lines).
    Count(f64),
}

impl Metric {
    pub fn value(self) -> f64 {
        match self {
            Metric::Nanos(v) | Metric::Count(v) => v,
        }
    }
}

/// What a comparison of two runs may use besides the runs: their labels,
/// the rows to show, and the results of earlier runs of the same kind kept
/// on this machine (for noise thresholds).
pub struct DiffContext<'a, K> {
    pub base_label: String,
    pub new_label: String,
    pub top: Option<usize>,
    /// Earlier runs' results of the same kind on this machine, oldest
    /// first, not counting the two compared (read only when called; `None`
    /// without a history).
    pub past: &'a dyn Fn() -> Option<Vec<K>>,
}

impl<K> std::fmt::Debug for DiffContext<'_, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiffContext").field("base", &self.base_label).field("new", &self.new_label).finish()
    }
}

/// [`Render`] as a trait object (a comparison's result, whose type the
/// caller does not name).
pub trait DynRender {
    fn text(&self, out: &mut Text<'_>) -> io::Result<()>;
    fn json(&self) -> Result<serde_json::Value, Error>;
    fn csv(&self) -> Result<Table, Error>;
    fn markdown(&self) -> Result<String, Error>;
    fn html(&self) -> Option<String>;
}

impl<T: Render> DynRender for T {
    fn text(&self, out: &mut Text<'_>) -> io::Result<()> {
        Render::text(self, out)
    }
    fn json(&self) -> Result<serde_json::Value, Error> {
        crate::output::to_json_value(self)
    }
    fn csv(&self) -> Result<Table, Error> {
        Render::csv(self)
    }
    fn markdown(&self) -> Result<String, Error> {
        Render::markdown(self)
    }
    fn html(&self) -> Option<String> {
        Render::html(self)
    }
}

/// A comparison's result, as [`Kind::diff`] returns it.
pub fn compared(result: impl Render + 'static) -> Result<Option<Box<dyn DynRender>>, Error> {
    Ok(Some(Box::new(result)))
}

/// Writes a [`DynRender`] in `format`, as [`crate::emit`] does a [`Render`].
pub fn emit_dyn(result: &dyn DynRender, format: Format, out: &mut dyn io::Write) -> Result<(), Error> {
    match format {
        Format::Json => crate::json::write(out, &result.json()?)?,
        Format::Csv => result.csv()?.write_csv(out)?,
        Format::Table => result.text(&mut Text::stdout(out))?,
        Format::Markdown => out.write_all(result.markdown()?.as_bytes())?,
    }
    Ok(())
}
