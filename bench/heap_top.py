"""The peer for bench/heap.sh: what a user writes today to get a top table
out of a DHAT file without a browser — json.load, then a walk of the program
points that names each by its first frame past the allocator and the
standard library, sums bytes, blocks, peak and end per name, and prints the
top 20 by bytes.

    python3 bench/heap_top.py dhat.out.12345
"""
import json
import sys

INTERNAL = ("malloc", "calloc", "realloc", "memalign", "vgpreload", "library/", "/rustc/",
            "alloc::", "core::", "std::", "_ZN5alloc", "_ZN4core", "_ZN3std", "_RN")

with open(sys.argv[1]) as f:
    d = json.load(f)
ftbl = d["ftbl"]
sites = {}
for pp in d["pps"]:
    name = "[unknown]"
    for i in pp["fs"]:
        text = ftbl[i].split(": ", 1)[-1]
        if not any(w in text for w in INTERNAL):
            name = text
            break
    s = sites.setdefault(name, [0, 0, 0, 0])
    s[0] += pp["tb"]
    s[1] += pp["tbk"]
    s[2] += pp.get("gb", 0)
    s[3] += pp.get("eb", 0)
print(f"{'bytes':>14} {'blocks':>10} {'peak':>12} {'at end':>10}  site")
for name, (tb, tbk, gb, eb) in sorted(sites.items(), key=lambda kv: -kv[1][0])[:20]:
    print(f"{tb:>14,} {tbk:>10,} {gb:>12,} {eb:>10,}  {name}")
