//! The callgrind.out read alone, timed: `bench/profile.sh` prints its rate
//! beside the whole `fastware profile` (which also loads the binaries).
//!
//!     cargo run --release -p fastware-profile --example read_callgrind -- callgrind.out

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: read_callgrind FILE");
        std::process::exit(2);
    };
    let started = std::time::Instant::now();
    match fastware_profile::callgrind::read(std::path::Path::new(&path), None) {
        Ok(p) => {
            let secs = started.elapsed().as_secs_f64();
            let bytes = std::fs::metadata(&path).map_or(0, |m| m.len()) as f64;
            println!("{} functions read in {secs:.3} s: {:.1} MB/s", p.functions.len(), bytes / secs / 1e6);
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
