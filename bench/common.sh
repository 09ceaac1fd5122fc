# Sourced by every bench/*.sh: strict mode, the repository root, the scratch
# directory ($FASTWARE_BENCH_DIR, default target/bench) and a release build
# of fastware as $fw. Run from the repository root afterwards.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${FASTWARE_BENCH_DIR:-$root/target/bench}
mkdir -p "$work"
cd "$root"
cargo build --release -q -p fastware
fw="$root/target/release/fastware"
