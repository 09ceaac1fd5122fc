#!/usr/bin/env python3
"""Builds one large LLVM time trace out of real rustc traces.

The events of the given *.llvm_timings.json files (real -Zllvm-time-trace
output), repeated until the output holds at least --size bytes. Every repeat
gets its own thread ids (tid + k * 1,000,000), so each thread's events stay
exactly as rustc wrote them: same nesting, same order, same durations.
The output is one line, like rustc's.
"""
import argparse
import re

TID = re.compile(r'"tid":(\d+)')


def event_array(path):
    text = open(path, encoding="utf-8").read()
    start = text.index("[") + 1
    end = text.rindex("]")
    begin = re.search(r'"beginningOfTime":(\d+)', text[end:])
    return text[start:end].strip(), int(begin.group(1)) if begin else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=float, required=True, help="minimum output size in GB (1e9 bytes)")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("traces", nargs="+")
    args = ap.parse_args()
    bodies, begin = [], 0
    for t in args.traces:
        body, b = event_array(t)
        if body:
            bodies.append(body)
            begin = begin or b
    target = int(args.size * 1e9)
    written, k = 0, 0
    with open(args.output, "w", encoding="utf-8") as out:
        out.write('{"traceEvents":[')
        first = True
        while written < target:
            for body in bodies:
                chunk = body if k == 0 else TID.sub(lambda m: '"tid":%d' % (int(m.group(1)) + k * 1_000_000), body)
                if not first:
                    out.write(",")
                out.write(chunk)
                first = False
                written += len(chunk) + 1
            k += 1
        out.write('],"beginningOfTime":%d}' % begin)
    print(f"{args.output}: {written / 1e9:.2f} GB, {k} repeats of {len(bodies)} real traces")


if __name__ == "__main__":
    main()
