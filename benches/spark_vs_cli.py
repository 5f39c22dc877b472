"""CLI against the Spark job in local mode on one corpus: time ratio, agreement, shuffle bytes per article per step.

    python benches/spark_vs_cli.py ~/bench-data/c100k.jsonl [--master local[2]] [--cli target/release/storyhash]

Runs ``storyhash cluster`` and then ``storyhash.spark.cluster`` (in this
process, so that the Spark UI's REST API on localhost can be read before the
session stops), compares the two CSVs article by article (dup_group,
story: identical rows and pairwise agreement), and prints the shuffle bytes
each step of the job wrote, per article, with a projection of shuffle
volume and core-hours at 10^8 articles. Runs long: use ``nice``.
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


def read_labels(path: Path) -> dict[str, tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return {r["id"]: (r["dup_group"], r["story"]) for r in csv.DictReader(f)}


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
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    # The story levels are not distributed yet: both sides run without them.
    subprocess.run([args.cli, "cluster", args.corpus, "--no-stories", "-q", "-o", str(out / "cli.csv")], check=True)
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
    job.write(job.cluster(df, no_stories=True), str(out / "spark.csv"))
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
    spark.stop()

    cli = read_labels(out / "cli.csv")
    spk = read_labels(out / "spark.csv")
    ids = list(cli)
    assert set(ids) == set(spk), "the two outputs hold different articles"
    n = len(ids)
    same_group = sum(cli[i][0] == spk[i][0] for i in ids)
    same_story = sum(cli[i][1] == spk[i][1] for i in ids)
    agree_group = pairwise_agreement([cli[i][0] for i in ids], [spk[i][0] for i in ids])
    agree_story = pairwise_agreement([cli[i][1] for i in ids], [spk[i][1] for i in ids])
    identical = (out / "cli.csv").read_bytes() == (out / "spark.csv").read_bytes()

    print(f"corpus {args.corpus}: {n} articles")
    print(f"CLI {cli_s:.1f} s, Spark {args.master} {spark_s:.1f} s, ratio {spark_s / cli_s:.0f}x")
    print(f"CSV byte-identical: {identical}")
    print(f"dup_group identical for {same_group}/{n} articles, pairwise agreement {agree_group:.6f}")
    print(f"story identical for {same_story}/{n} articles, pairwise agreement {agree_story:.6f}")
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
