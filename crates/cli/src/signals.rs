//! SIGINT, SIGTERM and SIGHUP: temporary output files are removed, then the
//! program ends with 128 + the signal's number — unless a command that runs
//! cargo has asked to stop its child and report what finished instead
//! ([`on_signal`]); a second signal then ends it at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

static HOOK: Mutex<Option<fn()>> = Mutex::new(None);
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
                let hook = *HOOK.lock().unwrap_or_else(|e| e.into_inner());
                match hook {
                    Some(stop) if SEEN.fetch_add(1, Ordering::SeqCst) == 0 => stop(),
                    _ => std::process::exit(128 + sig),
                }
            }
        });
    }
}

/// On the first signal, call `stop` (which stops the command's child
/// process) instead of ending the program.
pub fn on_signal(stop: fn()) {
    *HOOK.lock().unwrap_or_else(|e| e.into_inner()) = Some(stop);
}
