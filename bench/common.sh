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

# ripgrep 14.1.1 (from the cargo registry, else crates.io) built once with
# debug = "line-tables-only" in $work/rg-lt; prints the binary's path.
rg_src="$work/build-ripgrep"
# ripgrep 14.1.1's source in $rg_src (a workspace of its own).
ripgrep_source() {
    if [ ! -f "$rg_src/Cargo.toml" ]; then
        local src
        src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ripgrep-14.1.1 2>/dev/null | head -1 || true)
        mkdir -p "$rg_src"
        if [ -n "$src" ]; then cp -r "$src"/. "$rg_src"/; else
            curl -sSfL https://static.crates.io/crates/ripgrep/14.1.1/download | tar -xzf - -C "$rg_src" --strip-components=1
        fi
        printf '\n[workspace]\n' >>"$rg_src/Cargo.toml"
    fi
}
ripgrep_line_tables() {
    ripgrep_source
    local rg="$work/rg-lt/release/rg"
    if [ ! -x "$rg" ]; then
        echo "== building ripgrep 14.1.1 with debug = \"line-tables-only\" (about a minute)" >&2
        (cd "$rg_src" && CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build -q --release --target-dir "$work/rg-lt") >&2
    fi
    echo "$rg"
}

# Runs a command once (GNU time): prints "NAME  WALL s  PEAK MB", or FAILED.
measure_once() { # name, command...
    local name=$1; shift
    /usr/bin/time -o "$work/time.txt" -f "%e %M" "$@" >/dev/null 2>"$work/stderr.txt" || {
        echo "FAILED: $name"; tail -3 "$work/stderr.txt"; return 1; }
    local wall rss
    read -r wall rss <"$work/time.txt"
    printf "%-64s %8.2f s %6.0f MB\n" "$name" "$wall" "$((rss / 1024))"
}

# The source of regex-syntax 0.8.5 (the cargo registry's, else crates.io's):
# a real crate without dependencies for rustc to compile under valgrind.
regex_syntax_src() {
    local src
    src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/regex-syntax-0.8.5 2>/dev/null | head -1 || true)
    if [ -z "$src" ]; then
        src="$work/regex-syntax"
        mkdir -p "$src"
        curl -sSfL https://static.crates.io/crates/regex-syntax/0.8.5/download | tar -xzf - -C "$src" --strip-components=1
    fi
    echo "$src"
}

# The real rustc (not rustup's proxy), for valgrind.
real_rustc() {
    echo "$(rustc --print sysroot)/bin/rustc"
}
