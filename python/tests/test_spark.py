"""The Spark job in local mode (local[2]) with the real engine, against the CLI binary.

Needs pyspark and a Java runtime; without them the tests skip on a
developer's machine and fail under CI=true (``.ci/run`` installs both).
"""

from __future__ import annotations

import os
import sys

import json
import random
import shutil

import pytest

from conftest import FIXTURES, missing

try:
    import pyspark  # noqa: F401
except ImportError:  # pragma: no cover - depends on the machine
    pyspark = None


@pytest.fixture(scope="module")
def spark():
    if pyspark is None:
        missing("pyspark")
    if shutil.which("java") is None:
        missing("a Java runtime")
    # The executors' Python workers must be this interpreter (the one with
    # storyhash installed), not whichever `python3` is first on the PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2]")
        .appName("storyhash-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def run_spark(spark, path, tmp_path, **opts) -> str:
    import storyhash.spark as job

    opts.setdefault("no_stories", True)
    out = tmp_path / "spark.csv"
    job.write(job.cluster(job.read(spark, [str(path)], opts), **opts), str(out))
    return out.read_text(encoding="utf-8")


def run_cli(cli, path, tmp_path, *flags) -> str:
    out = tmp_path / "cli.csv"
    cli("cluster", str(path), "--no-stories", *flags, "-q", "-o", str(out))
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["news.jsonl", "stories/stories.jsonl"])
def test_spark_gives_the_cli_csv(spark, cli, tmp_path, name):
    path = FIXTURES / name
    assert run_spark(spark, path, tmp_path) == run_cli(cli, path, tmp_path)


def test_spark_options_mean_what_the_flags_mean(spark, cli, tmp_path):
    path = FIXTURES / "stories" / "stories.jsonl"
    got = run_spark(spark, path, tmp_path, threshold=0.6, no_boilerplate=True)
    assert got == run_cli(cli, path, tmp_path, "-t", "0.6", "--no-boilerplate")


def test_spark_reads_csv_and_in_memory_frames(spark, cli, tmp_path):
    import storyhash
    import storyhash.spark as job

    opts = {"text_field": "body", "title_field": "headline", "source_field": "outlet", "date_field": "published"}
    flags = ["--text-field", "body", "--title-field", "headline", "--source-field", "outlet", "--date-field", "published"]
    expected = run_cli(cli, FIXTURES / "news.csv", tmp_path, *flags)
    assert run_spark(spark, FIXTURES / "news.csv", tmp_path, **opts) == expected
    records = [json.loads(l) for l in (FIXTURES / "news.jsonl").read_text().splitlines() if l.strip()]
    frame = spark.createDataFrame(
        [{k: r.get(k) for k in ("id", "text", "title", "source", "date")} for r in records],
        "id string, text string, title string, source string, date string",
    )
    got = job.cluster(frame, no_stories=True).orderBy("idx").toPandas().drop(columns="idx")
    want = storyhash.cluster(records, no_stories=True)
    assert got["dup_group"].tolist() == want["dup_group"].tolist()
    assert got["story"].tolist() == want["story"].tolist()
    assert got["canonical"].tolist() == want["canonical"].tolist()


def test_components_are_those_of_union_find(spark):
    from storyhash.spark import components

    rng = random.Random(7)
    n = 300
    # A long path (many rounds for label propagation), stars, random edges, isolated nodes.
    edges = [(i, i + 1) for i in range(0, 60)]
    edges += [(100, j) for j in range(101, 130)]
    edges += [(rng.randrange(150, 280), rng.randrange(150, 280)) for _ in range(120)]
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    # Shuffle the edge list and its directions: the answer must not depend on them.
    shuffled = [(b, a) if rng.random() < 0.5 else (a, b) for a, b in edges]
    rng.shuffle(shuffled)
    df = spark.createDataFrame(shuffled, "a long, b long")
    got = {r["node"]: r["comp"] for r in components(df).collect()}
    on_edges = {x for e in edges for x in e if e[0] != e[1]}
    assert set(got) == on_edges
    for x in on_edges:
        assert got[x] == find(x), x


def test_spark_errors_are_the_package_errors(spark):
    import storyhash.spark as job
    from storyhash import errors

    frame = spark.createDataFrame([("a", "x y z")], "id string, body string")
    with pytest.raises(errors.BadSettingError, match="not distributed yet"):
        job.cluster(frame, text_field="body")
    with pytest.raises(errors.BadInputError, match="no column `text`"):
        job.cluster(frame, no_stories=True)
    with pytest.raises(errors.BadSettingError, match="exact"):
        job.cluster(frame, text_field="body", exact=True, no_stories=True)
    with pytest.raises(errors.BadSettingError, match="--threshold must be in"):
        job.cluster(frame, text_field="body", threshold=2.0, no_stories=True)
    empty = spark.createDataFrame([("a", " ")], "id string, text string")
    with pytest.raises(errors.BadInputError, match="empty text"):
        job.cluster(empty, no_stories=True)
