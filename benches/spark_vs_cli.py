"""CLI against the Spark job in local mode on one corpus: time ratio, agreement, shuffle bytes per article per step.

    python benches/spark_vs_cli.py ~/bench-data/c100k.jsonl [--master local[2]] [--cli target/release/storyhash]

Runs ``storyhash cluster`` and then ``storyhash.spark.cluster`` (in this
process, so that the Spark UI's REST API on localhost can be read before the
session stops), compares the two CSVs article by article (dup_group,
event, story: identical labels and pairwise agreement), and prints the
shuffle bytes each step of the job wrote, per article, the largest connected
component of the story candidate graph (what one executor holds in the
linkage), and a projection of shuffle volume and core-hours at 10^8
articles. Runs long: use ``nice``.
"""

from __future__ import annotations

import os

import argparse
import csv
import json
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path


COLUMNS = ("dup_group", "event", "story")


def read_labels(path: Path) -> dict[str, tuple[str, ...]]:
    with open(path, newline="", encoding="utf-8") as f:
        return {r["id"]: tuple(r[c] for c in COLUMNS) for r in csv.DictReader(f)}


def pairwise_agreement(a: list[str], b: list[str]) -> float:
    """Share of article pairs on which two labellings agree (together in both, or apart in both): the Rand index, from contingency counts."""
    n = len(a)
    if n < 2:
        return 1.0
    pairs = lambda counts: sum(c * (c - 1) // 2 for c in counts)
    same_a = pairs(Counter(a).values())
    same_b = pairs(Counter(b).values())
    same_both = pairs(Counter(zip(a, b)).values())
    total = n * (n - 1) // 2
    return (total - same_a - same_b + 2 * same_both) / total


def rest(url: str):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("corpus")
    p.add_argument("--master", default="local[2]")
    p.add_argument("--cli", default="target/release/storyhash")
    p.add_argument("--out", default="target/bench-spark")
    p.add_argument(
        "--max-component",
        type=int,
        action="append",
        default=[],
        help="also run with the story components cut to this many representatives (not exact) and report agreement",
    )
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    subprocess.run([args.cli, "cluster", args.corpus, "-q", "-o", str(out / "cli.csv")], check=True)
    cli_s = time.perf_counter() - t0

    # The executors' Python workers must be this interpreter (the one with
    # storyhash installed), not whichever `python3` is first on the PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    import storyhash.spark as job

    spark = (
        SparkSession.builder.master(args.master)
        .appName("storyhash-bench")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", "6g")
        .config("spark.ui.port", "4057")
        .getOrCreate()
    )
    t0 = time.perf_counter()
    df = job.read(spark, [args.corpus])
    # `stats` costs a few small jobs on the story candidate graph (under
    # their own description, left out of the shuffle figures below).
    stats: dict = {}
    job.write(job.cluster(df, stats=stats), str(out / "spark.csv"))
    spark_s = time.perf_counter() - t0

    ui = spark.sparkContext.uiWebUrl.rstrip("/")
    app = spark.sparkContext.applicationId
    jobs = rest(f"{ui}/api/v1/applications/{app}/jobs")
    stages = {s["stageId"]: s for s in rest(f"{ui}/api/v1/applications/{app}/stages?status=complete")}
    by_step: dict[str, int] = defaultdict(int)
    seen = set()
    for j in jobs:
        name = (j.get("description") or "storyhash: output").removeprefix("storyhash: ")
        for sid in j.get("stageIds", []):
            if sid in stages and sid not in seen:
                seen.add(sid)
                by_step[name] += stages[sid].get("shuffleWriteBytes", 0)
    capped = []
    for cap in args.max_component:
        st: dict = {}
        t0 = time.perf_counter()
        job.write(job.cluster(df, stats=st, max_component=cap), str(out / f"spark-cap{cap}.csv"))
        capped.append((cap, time.perf_counter() - t0, st))
    spark.stop()

    cli = read_labels(out / "cli.csv")
    spk = read_labels(out / "spark.csv")
    ids = list(cli)
    assert set(ids) == set(spk), "the two outputs hold different articles"
    n = len(ids)
    identical = (out / "cli.csv").read_bytes() == (out / "spark.csv").read_bytes()

    print(f"corpus {args.corpus}: {n} articles")
    print(f"CLI {cli_s:.1f} s, Spark {args.master} {spark_s:.1f} s, ratio {spark_s / cli_s:.0f}x")
    print(f"CSV byte-identical: {identical}")
    for k, column in enumerate(COLUMNS):
        same = sum(cli[i][k] == spk[i][k] for i in ids)
        agree = pairwise_agreement([cli[i][k] for i in ids], [spk[i][k] for i in ids])
        print(f"{column} identical for {same}/{n} articles, pairwise agreement {agree:.6f}")
    def component(st, prefix):
        big = st[f"{prefix}largest_component_articles"]
        return (
            f"{st[f'{prefix}components']} components; largest {st[f'{prefix}largest_component_reps']} "
            f"representatives, {big} articles ({100 * big / n:.2f}% of the collection)"
        )

    print(f"story candidate graph: {stats['candidate_pairs']} pairs, {component(stats, 'story_')}")
    for cap, secs, st in capped:
        got = read_labels(out / f"spark-cap{cap}.csv")
        print(f"with max_component={cap} ({secs:.1f} s): {component(st, 'split_')}")
        for k, column in enumerate(COLUMNS):
            same = sum(cli[i][k] == got[i][k] for i in ids)
            agree = pairwise_agreement([cli[i][k] for i in ids], [got[i][k] for i in ids])
            print(f"  {column} identical for {same}/{n} articles, pairwise agreement {agree:.6f}")
    by_step.pop("stats", None)
    total = sum(by_step.values())
    print("shuffle bytes written per article, by step:")
    for name, b in sorted(by_step.items(), key=lambda kv: -kv[1]):
        print(f"  {name:12s} {b / n:10.0f} B/article")
    print(f"  {'total':12s} {total / n:10.0f} B/article")
    big = 10**8
    core_s = spark_s * int(args.master.strip("local[]") or 1) / n
    print(
        f"projection at 10^8 articles: {total / n * big / 1e12:.2f} TB shuffled; "
        f"{core_s * big / 3600:.0f} core-hours at this machine's per-core rate "
        f"(e.g. {core_s * big / 3600 / 256:.1f} h on 256 cores)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
