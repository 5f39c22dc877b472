#!/usr/bin/env python3
"""A focused story among unrelated news: the seed reports in a random mix.

The five seed reports (../shared/seeds, one story: the Russian withdrawal
from Kherson and Crimea) are put among N articles drawn at random from the
built development sets, and `storyhash cluster` runs on the mix. A story
column that holds should put the five in one story with nothing else in
it. For each of MIXES draws (fixed seeds, so the same mixes every time)
this prints how many seed reports share the largest seed story and which
other articles joined it (intruders), then the totals.

    python3 benches/seeds_among.py [BIN] [--n 550] [--mixes 5] [--pool all|duc2007] [-- CLUSTER OPTIONS]

The sets are not part of the project (see ../shared/devsets/README.md);
without them the script stops with status 2.
"""

import argparse
import collections
import csv
import glob
import json
import os
import random
import subprocess
import sys
import tempfile

SETS = {
    "gva_incidents": "gva_incidents/gva_incidents.dev.jsonl",
    "allsides2021": "allsides2021/allsides2021.jsonl",
    "duc2007": "duc2007/duc2007.jsonl",
}
FIELDS = ("id", "title", "text", "source", "date")


def main() -> int:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("binary", nargs="?", default="target/release/storyhash")
    p.add_argument("--n", type=int, default=550, help="unrelated articles per mix")
    p.add_argument("--mixes", type=int, default=5)
    p.add_argument("--pool", choices=["all", "duc2007"], default="all")
    a = p.parse_args(argv)

    here = os.path.dirname(os.path.abspath(__file__))
    seeds = sorted(glob.glob(os.path.join(here, "..", "..", "shared", "seeds", "0*.txt")))
    devsets = os.environ.get("DEVSETS", os.path.expanduser("~/devsets"))
    names = list(SETS) if a.pool == "all" else ["duc2007"]
    paths = [os.path.join(devsets, SETS[n]) for n in names]
    missing = [x for x in paths if not os.path.exists(x)]
    if missing or not seeds:
        print(f"seeds_among.py: missing {missing or 'the seed reports'}; build the sets first", file=sys.stderr)
        return 2
    pool = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            pool += [json.loads(line) for line in f]
    if a.n > len(pool):
        print(f"seeds_among.py: --n {a.n} is more than the {len(pool)} articles of the pool", file=sys.stderr)
        return 2

    together = intruders = 0
    with tempfile.TemporaryDirectory() as work:
        for mix in range(a.mixes):
            drawn = random.Random(mix).sample(pool, a.n)
            inp, out = os.path.join(work, f"mix{mix}.jsonl"), os.path.join(work, f"mix{mix}.csv")
            with open(inp, "w", encoding="utf-8") as f:
                for art in drawn:
                    f.write(json.dumps({k: art[k] for k in FIELDS if art.get(k)}) + "\n")
                for i, path in enumerate(seeds):
                    with open(path, encoding="utf-8") as s:
                        f.write(json.dumps({"id": f"seed-{i}", "text": s.read()}) + "\n")
            r = subprocess.run([a.binary, "cluster", inp, "-o", out, "-q", *extra], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"seeds_among.py: storyhash failed: {r.stderr.strip()[-300:]}", file=sys.stderr)
                return 1
            with open(out, encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            stories = collections.Counter(r["story"] for r in rows if r["id"].startswith("seed-"))
            story, k = stories.most_common(1)[0]
            titles = {art["id"]: art.get("title") or art["text"][:60] for art in drawn}
            joined = [r["id"] for r in rows if r["story"] == story and not r["id"].startswith("seed-")]
            together += k
            intruders += len(joined)
            print(f"mix {mix}: {k}/{len(seeds)} seed reports in one story, {len(joined)} other articles in it")
            for i in joined:
                print(f"    {i}: {titles[i][:90]}")
    print(
        f"seeds among {a.n} articles of {a.pool}, {a.mixes} mixes: "
        f"{together}/{a.mixes * len(seeds)} seed reports together, {intruders} intruders"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
