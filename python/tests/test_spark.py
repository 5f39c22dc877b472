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

    out = tmp_path / "spark.csv"
    job.write(job.cluster(job.read(spark, [str(path)], opts), **opts), str(out))
    return out.read_text(encoding="utf-8")


def run_cli(cli, path, tmp_path, *flags) -> str:
    out = tmp_path / "cli.csv"
    cli("cluster", str(path), *flags, "-q", "-o", str(out))
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name", ["news.jsonl", "stories/stories.jsonl", "levels/levels.jsonl"]
)
def test_spark_gives_the_cli_csv(spark, cli, tmp_path, name):
    # Events and stories included: the CSV byte for byte.
    path = FIXTURES / name
    got = run_spark(spark, path, tmp_path)
    want = run_cli(cli, path, tmp_path)
    assert got == want
    # The fixture must exercise the story stage: some event or story joins
    # several near-duplicate groups.
    import csv, io

    rows = list(csv.DictReader(io.StringIO(want)))
    assert any(r["story"] != r["dup_group"] for r in rows), name


def test_spark_without_stories_gives_the_cli_csv(spark, cli, tmp_path):
    path = FIXTURES / "stories" / "stories.jsonl"
    assert run_spark(spark, path, tmp_path, no_stories=True) == run_cli(cli, path, tmp_path, "--no-stories")


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
    got = job.cluster(frame).orderBy("idx").toPandas().drop(columns="idx")
    want = storyhash.cluster(records)
    for column in ("dup_group", "event", "story", "event_size", "story_size"):
        assert got[column].tolist() == want[column].tolist(), column
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
    with pytest.raises(errors.BadInputError, match="no column `text`"):
        job.cluster(frame)
    with pytest.raises(errors.BadSettingError, match="exact"):
        job.cluster(frame, text_field="body", exact=True)
    with pytest.raises(errors.BadSettingError, match="--threshold must be in"):
        job.cluster(frame, text_field="body", threshold=2.0)
    empty = spark.createDataFrame([("a", " ")], "id string, text string")
    with pytest.raises(errors.BadInputError, match="empty text"):
        job.cluster(empty)


def templated_pages(path) -> None:
    """Writes pages of four sites as a full-page extraction gives them: a
    menu and a long footer on every page of a site (wide lines), teaser
    headlines from a pool, an article of the page's own, some articles
    reprinted across sites. Generated from a fixed seed."""
    rng = random.Random(11)
    vocab = [f"w{i}" for i in range(3000)]
    words = lambda n: " ".join(rng.choice(vocab) for _ in range(n))
    stories = [[words(45) + "." for _ in range(5)] for _ in range(30)]
    headlines = [words(7).capitalize() for _ in range(60)]
    with open(path, "w", encoding="utf-8") as f:
        for site in range(4):
            menu = [words(3).title() for _ in range(6)]
            footer = words(70) + "."  # longer than a short line: keyed by its bytes
            for page in range(70):
                body = stories[rng.randrange(len(stories))] if rng.random() < 0.3 else [words(45) + "." for _ in range(4)]
                teasers = rng.sample(headlines[site * 15 : site * 15 + 15], 3)
                text = "\n".join(menu + ["Most read"] + teasers + body + [footer])
                day = 1 + page % 28
                rec = {
                    "id": f"s{site}p{page:02d}",
                    "title": words(6),
                    "text": text,
                    "source": f"site {site}" if page % 9 else None,
                    "date": f"2025-02-{day:02d}",
                }
                f.write(json.dumps({k: v for k, v in rec.items() if v is not None}) + "\n")


def test_spark_learns_the_stage_s_boilerplate(spark, cli, tmp_path):
    # Wide lines (menus, footers), teasers judged on the text the wide lines
    # leave, reprints kept: the distributed counts give the stage's set.
    import numpy as np

    import storyhash
    import storyhash.spark as job
    from storyhash import stages

    path = tmp_path / "pages.jsonl"
    templated_pages(path)
    records = [json.loads(l) for l in path.read_text().splitlines()]
    texts = [r["text"] for r in records]
    doc, line, nbytes, src, lens = stages.line_observations(texts, [r.get("source") for r in records])
    want = stages.learn_boilerplate(doc, line, nbytes, src, lens, storyhash.defaults()["boilerplate_min_docs"])
    opts = storyhash.options()
    arts, _ = job._articles(job.read(spark, [str(path)], opts), opts)
    got = job._boilerplate(arts, opts)
    assert got.tolist() == want.tolist()
    long_footers = {stages.line_observations([r["text"].splitlines()[-1]], [None])[1][0] for r in records}
    assert long_footers <= set(want.tolist())  # the footers are wide lines
    assert len(want) > len(long_footers) + 4 * 7  # menus, "Most read" and teasers too
    assert run_spark(spark, path, tmp_path) == run_cli(cli, path, tmp_path)


def test_spark_bounds_story_components_when_asked(spark, cli, tmp_path):
    # max_component cuts the candidate graph's components at their weakest
    # edges: groups stay the CLI's, components shrink, events nest in stories.
    import csv, io

    import storyhash.spark as job

    path = FIXTURES / "stories" / "stories.jsonl"
    # One run: the stats hold the components before the cut and after it.
    # The fixture's one component has 110 representatives; a cap of 40
    # takes two rounds of the rising floor (a cap of 4 took fifteen, and a
    # minute and a half of CI).
    st = {}
    out = tmp_path / "capped.csv"
    job.write(job.cluster(job.read(spark, [str(path)]), stats=st, max_component=40), str(out))
    assert st["split_largest_component_reps"] <= 40 < st["story_largest_component_reps"], st
    want = list(csv.DictReader(io.StringIO(run_cli(cli, path, tmp_path))))
    got = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["dup_group"] for r in got] == [r["dup_group"] for r in want]
    story_of_event = {}
    for r in got:
        assert story_of_event.setdefault(r["event"], r["story"]) == r["story"]
