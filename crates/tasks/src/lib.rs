//! `fastware tasks`: where an async program's time goes, per task, from a
//! console-subscriber recording read offline — busy, scheduled and idle
//! time, polls and wakes — with findings (blocking polls, lost wakers,
//! self-wakes, scheduling delay, many short tasks).

pub mod error;
pub mod findings;
pub mod join;
pub mod recording;
pub mod report;
pub mod stats;

pub use error::TaskError;
pub use findings::Thresholds;
pub use recording::{parse, Recording, Task};
pub use report::{By, TasksReport};

use fastware_report::Error;

/// Reads the recording at `path` (`shown` names it in errors).
pub fn read(path: &std::path::Path) -> Result<Recording, Error> {
    let shown = path.display().to_string();
    let text = fastware_report::input::read_to_string(path)?;
    parse(&text).map_err(|e| Error::from(e).at(&shown))
}
