#!/usr/bin/env python3
"""Sums a Chrome trace (from `unetscope bench train --profile FILE`, or torch.profiler's
export_chrome_trace) by operator name: total self-less wall time of top-level events per name.

Run: /usr/bin/python3 bench/profile_summary.py FILE [TOP]
"""
import json
import sys
from collections import defaultdict


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    events = [e for e in events if e.get("ph") == "X" and "dur" in e]
    tot, cnt = defaultdict(float), defaultdict(int)
    for e in events:
        tot[e["name"]] += e["dur"] / 1e6
        cnt[e["name"]] += 1
    print(f"{'seconds':>9} {'calls':>6}  operator (inclusive time; nested operators are counted again)")
    for name, s in sorted(tot.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{s:9.3f} {cnt[name]:6d}  {name}")


if __name__ == "__main__":
    main()
