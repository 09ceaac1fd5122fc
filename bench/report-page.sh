#!/usr/bin/env bash
# The report page's budget: a page of 20 mixed runs stays under 5 MB and
# renders in headless chromium in under 2 s. Makes 20 real runs of the
# test fixtures in a store of its own (profiles with perf and callgrind,
# heap profiles, tasks, timed and counted benchmarks, matrices, builds,
# llvm-lines, pgo — each kind that needs a tool it lacks is left out and
# said), writes `fastware report --last 20`, and times chromium loading it
# against chromium loading an empty page (its own start).
#
#   bench/report-page.sh            (about 10 minutes on 2 cores)
source "$(dirname "$0")/common.sh"
pages="$work/report-page"
rm -rf "$pages" && mkdir -p "$pages"
store="$pages/runs.sqlite"
fwr() { "$fw" --store "$store" "$@" >/dev/null 2>>"$pages/log.txt"; }
copy() { cp -r "$root/tests/fixtures/$1" "$pages/$1" && rm -rf "$pages/$1/target"; echo "$pages/$1"; }
have() { command -v "$1" >/dev/null; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== making the runs (log: $pages/log.txt)"

hot=$(copy hotspots)
if have perf; then
    for k in 1 2 3 4; do (cd "$hot" && fwr profile -- $((10 * k))); done
else echo "left out: perf profiles (no perf)"; fi
if have valgrind; then
    (cd "$hot" && fwr profile --callgrind -- 1)
    allocs=$(copy allocs)
    for k in 1 2; do (cd "$allocs" && fwr heap); done
else echo "left out: callgrind and heap profiles (no valgrind)"; fi
for k in 1 2 3; do (cd "$hot" && fwr tasks "$root/tests/fixtures/tasks/asyncy.console.jsonl" --save "tasks-$k"); done
benchy=$(copy benchy)
for k in 1 2 3; do
    (cd "$benchy" && fwr bench cargo -- --bench crit -- --warm-up-time 0.2 --measurement-time 0.5 --noplot)
done
if have valgrind; then
    counted=$(copy counted)
    for k in 1 2; do (cd "$counted" && fwr bench cargo --instructions); done
fi
inliner=$(copy inliner)
for k in 1 2; do (cd "$inliner" && fwr matrix --set profile.release.opt-level=1,3); done
example="$pages/slow-build"
cp -r "$root/examples/slow-build" "$example" && rm -rf "$example/target"
(cd "$example" && fwr build)
(cd "$example" && fwr llvm-lines)
if have llvm-profdata-19 || have llvm-profdata; then
    dispatch=$(copy dispatch)
    (cd "$dispatch" && fwr pgo --run "target/release/dispatch 200000" --runs 3)
else echo "left out: pgo (no llvm-profdata)"; fi

runs=$("$fw" --store "$store" runs list --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))')
page="$pages/page.html"
"$fw" --store "$store" report --last 20 -o "$page" >/dev/null 2>&1
kinds=$("$fw" --store "$store" runs list --format json | python3 -c '
import json,sys,collections
c=collections.Counter(r["kind"].split("/")[1] for r in json.load(sys.stdin)["runs"][-20:])
print(", ".join(f"{k} {n}" for k,n in sorted(c.items())))')
size=$(stat -c %s "$page")
echo "== page: $runs runs kept, the last 20 on the page ($kinds)"
printf "page size: %.2f MB (budget 5 MB: %.2f of it)\n" "$(echo "$size / 1000000" | bc -l)" "$(echo "$size / 5000000" | bc -l)"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then echo "SKIPPED the render time: no chromium"; exit 0; fi
echo "<!DOCTYPE html><title>empty</title>" >"$pages/empty.html"
render() { # best of 5 wall seconds of chromium dumping the DOM of $1
    local best=999
    for _ in 1 2 3 4 5; do
        rm -rf "$pages/chromium-profile"
        local s e
        s=$(date +%s.%N)
        "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
            --disable-component-update --disable-sync --user-data-dir="$pages/chromium-profile" \
            --dump-dom "file://$1" >"$pages/dom.html" 2>/dev/null
        e=$(date +%s.%N)
        best=$(echo "if ($e - $s < $best) $e - $s else $best" | bc -l)
    done
    echo "$best"
}
full=$(render "$page")
grep -q "</html>" "$pages/dom.html" || echo "warning: chromium's dump of the page has no </html>"
empty=$(render "$pages/empty.html")
printf "chromium --dump-dom, best of 5: the page %.2f s, an empty page %.2f s (its start); the page's own %.2f s (budget 2 s)\n" \
    "$full" "$empty" "$(echo "$full - $empty" | bc -l)"
