#!/usr/bin/env python3
"""Focused event collections: each incident of gva_incidents run alone.

A researcher's collection is often one happening's reports and nothing
else; they should come out as one event. For every incident of the built
gva_incidents development set with at least MIN reports, this runs
`storyhash cluster` on those reports alone and prints the mean share of
them in the largest event, the lowest share, and how many incidents keep
90% or more in one event; then the same for the reports of each incident
published within 14 days of its first (the lexical part, dates aside).

    python3 benches/events_alone.py [BIN] [--min 4] [-- CLUSTER OPTIONS]

The set is not part of the project (see ../shared/devsets/README.md);
without it the script stops with status 2.
"""

import collections
import csv
import datetime
import json
import os
import subprocess
import sys
import tempfile


def main() -> int:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    least = 4
    if "--min" in argv:
        i = argv.index("--min")
        least = int(argv[i + 1])
        del argv[i : i + 2]
    binary = argv[0] if argv else "target/release/storyhash"
    data = os.environ.get("DEVSETS", os.path.expanduser("~/devsets"))
    path = os.path.join(data, "gva_incidents", "gva_incidents.dev.jsonl")
    if not os.path.exists(path):
        print(f"events_alone.py: {path} is not built (see ../shared/devsets/README.md)", file=sys.stderr)
        return 2
    by = collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            by[d.pop("story")].append(d)
    work = tempfile.mkdtemp()

    def largest_share(docs) -> float:
        inp, out = os.path.join(work, "in.jsonl"), os.path.join(work, "out.csv")
        with open(inp, "w", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps(d) + "\n")
        subprocess.run([binary, "cluster", inp, "-o", out, "-q", *extra], check=True)
        with open(out, encoding="utf-8") as f:
            events = collections.Counter(r["event"] for r in csv.DictReader(f))
        return events.most_common(1)[0][1] / len(docs)

    def day(d):
        return datetime.date.fromisoformat(d["date"][:10]).toordinal() if d.get("date") else None

    def show(name, shares):
        if not shares:
            print(f"{name}: none")
            return
        good = sum(s >= 0.9 for s in shares)
        print(f"{name} ({len(shares)}): mean share in the largest event {sum(shares) / len(shares):.3f}, "
              f"lowest {min(shares):.2f}, {good} with 90% or more")

    groups = [docs for _, docs in sorted(by.items())]
    show(f"incidents of {least}+ reports alone", [largest_share(g) for g in groups if len(g) >= least])
    near = []
    for g in groups:
        days = [day(d) for d in g if day(d) is not None]
        if days:
            first = min(days)
            kept = [d for d in g if day(d) is not None and day(d) - first <= 14]
            if len(kept) >= 3:
                near.append(largest_share(kept))
    show("incidents, reports within 14 days of the first (3+), alone", near)
    return 0


if __name__ == "__main__":
    sys.exit(main())
