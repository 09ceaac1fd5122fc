//! Decoding events of a profile, in pieces that threads read in parallel.

use std::borrow::Cow;
use std::ops::Range;
use std::time::SystemTime;

use decodeme::event_payload::{EventPayload, Timestamp};

use crate::decoder::Damage;
use fastware_report::Error;
use measureme::rustc::{
    ARTIFACT_SIZE_EVENT_KIND, GENERIC_ACTIVITY_EVENT_KIND, INCREMENTAL_LOAD_RESULT_EVENT_KIND,
    INCREMENTAL_RESULT_HASHING_EVENT_KIND, QUERY_BLOCKED_EVENT_KIND, QUERY_CACHE_HIT_COUNT_EVENT_KIND,
    QUERY_CACHE_HIT_EVENT_KIND, QUERY_EVENT_KIND,
};
use rayon::prelude::*;

use crate::file::{guarded, Profile};

/// Events per piece (8 MB of raw events).
pub const PIECE_EVENTS: usize = 1 << 18;

/// rustc's event kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Query,
    GenericActivity,
    QueryBlocked,
    IncrementalLoadResult,
    IncrementalResultHashing,
    QueryCacheHit,
    QueryCacheHitCount,
    ArtifactSize,
    Other,
}

impl Kind {
    fn of(kind: &str) -> Kind {
        match kind {
            QUERY_EVENT_KIND => Kind::Query,
            GENERIC_ACTIVITY_EVENT_KIND => Kind::GenericActivity,
            QUERY_BLOCKED_EVENT_KIND => Kind::QueryBlocked,
            INCREMENTAL_LOAD_RESULT_EVENT_KIND => Kind::IncrementalLoadResult,
            INCREMENTAL_RESULT_HASHING_EVENT_KIND => Kind::IncrementalResultHashing,
            QUERY_CACHE_HIT_EVENT_KIND => Kind::QueryCacheHit,
            QUERY_CACHE_HIT_COUNT_EVENT_KIND => Kind::QueryCacheHitCount,
            ARTIFACT_SIZE_EVENT_KIND => Kind::ArtifactSize,
            _ => Kind::Other,
        }
    }

    /// The name rustc gives the kind.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Query => QUERY_EVENT_KIND,
            Kind::GenericActivity => GENERIC_ACTIVITY_EVENT_KIND,
            Kind::QueryBlocked => QUERY_BLOCKED_EVENT_KIND,
            Kind::IncrementalLoadResult => INCREMENTAL_LOAD_RESULT_EVENT_KIND,
            Kind::IncrementalResultHashing => INCREMENTAL_RESULT_HASHING_EVENT_KIND,
            Kind::QueryCacheHit => QUERY_CACHE_HIT_EVENT_KIND,
            Kind::QueryCacheHitCount => QUERY_CACHE_HIT_COUNT_EVENT_KIND,
            Kind::ArtifactSize => ARTIFACT_SIZE_EVENT_KIND,
            Kind::Other => "Other",
        }
    }
}

/// What an event holds: a time interval, an instant, or an integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// Nanoseconds since the session started.
    Interval {
        start: i64,
        end: i64,
    },
    Instant(i64),
    Integer(u64),
}

/// One decoded event.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub kind: Kind,
    pub label: Cow<'a, str>,
    /// The query's arguments (recorded with `-Zself-profile-events=…,args`).
    pub args: Vec<Cow<'a, str>>,
    pub thread: u32,
    pub payload: Payload,
}

fn since(t: SystemTime, start: SystemTime) -> i64 {
    t.duration_since(start).map_or(0, |d| d.as_nanos() as i64)
}

impl Profile {
    /// Decodes event `index` (must be below [`Profile::num_events`]);
    /// damage found on the way is an error, never a panic or a print.
    pub(crate) fn decode(&self, index: usize) -> Result<Decoded<'_>, Damage> {
        let e = self.decoder.decode(index)?;
        let payload = match e.payload {
            EventPayload::Timestamp(Timestamp::Interval { start, end }) => {
                Payload::Interval { start: since(start, self.start), end: since(end, self.start) }
            }
            EventPayload::Timestamp(Timestamp::Instant(t)) => Payload::Instant(since(t, self.start)),
            EventPayload::Integer(v) => Payload::Integer(v),
        };
        Ok(Decoded { kind: Kind::of(&e.event_kind), label: e.label, args: e.args, thread: e.thread_id, payload })
    }

    /// Runs `f` over the profile's events in pieces, in parallel, and returns
    /// the results in order. Damage `f` meets, or a panic of measureme's
    /// code on damage the checks did not see, becomes an error naming the file.
    pub(crate) fn par_pieces<T: Send>(
        &self,
        piece_events: usize,
        f: impl Fn(Range<usize>) -> Result<T, Damage> + Sync,
    ) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        self.pieces_in_order(piece_events, f, |t| {
            out.push(t);
            Ok(())
        })?;
        Ok(out)
    }

    /// Like [`Profile::par_pieces`], but hands each result to `consume` in
    /// order as soon as a window of pieces is done, so that only a few
    /// pieces' results are held at once.
    pub(crate) fn pieces_in_order<T: Send>(
        &self,
        piece_events: usize,
        f: impl Fn(Range<usize>) -> Result<T, Damage> + Sync,
        mut consume: impl FnMut(T) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let n = self.num_events();
        let size = piece_events.max(1);
        let pieces = n.div_ceil(size).max(1);
        let window = 2 * rayon::current_num_threads();
        for first in (0..pieces).step_by(window) {
            let done: Vec<T> = (first..(first + window).min(pieces))
                .into_par_iter()
                .map(|i| {
                    let range = i * size..((i + 1) * size).min(n);
                    guarded(|| f(range))
                        .map_err(|p| {
                            Error::from(crate::file::corrupt(format!("the decoder failed on event data ({p})")))
                                .at(&self.display())
                        })?
                        .map_err(|d| self.damaged(d))
                })
                .collect::<Result<_, _>>()?;
            for t in done {
                consume(t)?;
            }
        }
        Ok(())
    }
}
