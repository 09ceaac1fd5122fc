#!/usr/bin/env python3
"""The plain-Python way: json.load the trace, sum OptFunction time per symbol."""
import collections
import json
import sys

events = json.load(open(sys.argv[1], encoding="utf-8"))
if isinstance(events, dict):
    events = events["traceEvents"]
per_fn = collections.Counter()
for e in events:
    if e.get("name") == "OptFunction":
        per_fn[e["args"]["detail"]] += e["dur"]
for name, dur in per_fn.most_common(10):
    print(dur, name)
