//! SIGINT, SIGTERM and SIGHUP: temporary output files are removed and every
//! child process fastware started is interrupted; then the program ends
//! with 128 + the signal's number — unless the command listens
//! ([`fastware_runner::Cancel::listen`]): it then reports what finished
//! instead, and a second signal ends it at once.

use std::sync::atomic::{AtomicUsize, Ordering};

use fastware_runner::Cancel;

static SEEN: AtomicUsize = AtomicUsize::new(0);

/// Starts the thread that handles the signals.
pub fn install() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else { return };
        std::thread::spawn(move || {
            for sig in signals.forever() {
                fastware_report::output::remove_temporaries();
                Cancel.cancel();
                if !Cancel.is_listened() || SEEN.fetch_add(1, Ordering::SeqCst) > 0 {
                    std::process::exit(128 + sig);
                }
            }
        });
    }
}
