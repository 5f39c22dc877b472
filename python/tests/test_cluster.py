"""storyhash.cluster against the CLI binary: same CSV on every fixture, same errors, same options."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import storyhash
from storyhash import errors

from conftest import FIXTURES

# Every input the fixtures hold, in each of the forms the CLI reads.
CSV_FLAGS = ["--text-field", "body", "--title-field", "headline", "--source-field", "outlet", "--date-field", "published"]
CSV_OPTS = {"text_field": "body", "title_field": "headline", "source_field": "outlet", "date_field": "published"}
INPUTS = [
    ("news.jsonl", [], {}),
    ("news.csv", CSV_FLAGS, CSV_OPTS),
    ("txt", [], {}),
    ("stories/stories.jsonl", [], {}),
    ("web/pages", [], {}),
    ("web/crawl.warc.gz", [], {}),
    ("txt", ["--source-from", "none"], {"source_from": "none"}),
    ("web/crawl.warc", ["--warc-id", "record"], {"warc_id": "record"}),
]


def cli_csv(cli, tmp_path: Path, *args: str) -> str:
    out = tmp_path / "cli.csv"
    cli("cluster", *args, "-q", "-o", str(out))
    return out.read_text(encoding="utf-8")


def jsonl_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name,flags,opts", INPUTS, ids=[" ".join([i[0], *i[1]]) for i in INPUTS])
def test_paths_give_the_cli_csv(cli, tmp_path, name, flags, opts):
    path = FIXTURES / name
    expected = cli_csv(cli, tmp_path, str(path), *flags)
    df = storyhash.cluster(str(path), **opts)
    assert storyhash.to_csv(df) == expected
    # The values, not only their text: the CLI's file read back is the same frame.
    pd.testing.assert_frame_equal(df, storyhash.read_csv(tmp_path / "cli.csv"))


@pytest.mark.parametrize("name", ["news.jsonl", "stories/stories.jsonl"])
def test_records_and_dataframes_give_the_cli_csv(cli, tmp_path, name):
    path = FIXTURES / name
    expected = cli_csv(cli, tmp_path, str(path))
    records = jsonl_records(path)
    assert storyhash.to_csv(storyhash.cluster(records)) == expected
    assert storyhash.to_csv(storyhash.cluster(pd.DataFrame(records))) == expected


def test_columns_follow_the_cli_header(cli, tmp_path):
    header = cli_csv(cli, tmp_path, str(FIXTURES / "news.jsonl")).splitlines()[0].split(",")
    df = storyhash.cluster(str(FIXTURES / "news.jsonl"))
    assert list(df.columns) == header
    assert df["group_size"].dtype == "int64"
    assert df["canonical"].dtype == bool
    assert df["similarity"].dtype == "float64"
    # An article alone in its group has no match: NaN, written as an empty cell.
    alone = df[df["group_size"] == 1]
    assert alone["similarity"].isna().all()


def test_file_is_written_like_the_cli(cli, tmp_path):
    expected = cli_csv(cli, tmp_path, str(FIXTURES / "news.jsonl"))
    out = tmp_path / "py.csv"
    storyhash.to_csv(storyhash.cluster(str(FIXTURES / "news.jsonl")), out)
    assert out.read_bytes() == expected.encode("utf-8")


@pytest.mark.parametrize(
    "flags,opts",
    [
        (["--no-stories"], {"no_stories": True}),
        (["--story-cut", "0.1"], {"story_cut": 0.1}),
        (["--event-cut", "0.3", "--story-cut", "0.2"], {"event_cut": 0.3, "story_cut": 0.2}),
        (["-t", "0.6", "--no-containment"], {"threshold": 0.6, "no_containment": True}),
        (["--canonical", "longest"], {"canonical": "longest"}),
        (["--no-boilerplate", "-k", "3"], {"no_boilerplate": True, "shingle_size": 3}),
        (["--shingle-unit", "chars", "-k", "9", "--num-perm", "64"], {"shingle_unit": "chars", "shingle_size": 9, "num_perm": 64}),
        (["--bands", "16", "--rows", "4"], {"bands": 16, "rows": 4}),
        (["--exact"], {"exact": True}),
    ],
)
def test_options_mean_what_the_flags_mean(cli, tmp_path, flags, opts):
    path = str(FIXTURES / "news.jsonl")
    expected = cli_csv(cli, tmp_path, path, *flags)
    assert storyhash.to_csv(storyhash.cluster(path, **opts)) == expected


def test_field_names_are_remapped(cli, tmp_path):
    records = [
        {"doc": r["id"], "body": r["text"], "outlet": r.get("source"), "when": r.get("date")}
        for r in jsonl_records(FIXTURES / "news.jsonl")
    ]
    src = tmp_path / "renamed.jsonl"
    src.write_text("".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n" for r in records))
    flags = ["--id-field", "doc", "--text-field", "body", "--source-field", "outlet", "--date-field", "when"]
    expected = cli_csv(cli, tmp_path, str(src), *flags)
    got = storyhash.cluster(records, id_field="doc", text_field="body", source_field="outlet", date_field="when")
    assert storyhash.to_csv(got) == expected


def test_defaults_are_the_cli_defaults(cli, tmp_path):
    d = storyhash.defaults()
    path = str(FIXTURES / "news.jsonl")
    # Passing every default explicitly changes nothing.
    assert storyhash.to_csv(storyhash.cluster(path, **d)) == cli_csv(cli, tmp_path, path)
    help_text = cli("cluster", "--help").stdout
    assert f"[default: {d['threshold']}]" in help_text
    assert f"[default: {d['story_cut']}]" in help_text
    assert f"[default: {d['num_perm']}]" in help_text


def test_thread_count_does_not_change_the_answer():
    path = str(FIXTURES / "stories" / "stories.jsonl")
    one = storyhash.to_csv(storyhash.cluster(path, threads=1))
    assert storyhash.to_csv(storyhash.cluster(path, threads=2)) == one


BAD = sorted(p.name for p in (FIXTURES / "bad").iterdir())


@pytest.mark.parametrize("name", BAD)
def test_bad_inputs_raise_the_cli_message(cli, name):
    path = str(FIXTURES / "bad" / name)
    done = cli("cluster", path, "-q", "-o", "/dev/null", check=False)
    if done.returncode == 0:
        storyhash.cluster(path)  # accepted by both
        return
    message = done.stderr.strip().removeprefix("storyhash: ")
    with pytest.raises(errors.StoryhashError) as caught:
        storyhash.cluster(path)
    assert str(caught.value) == message
    assert isinstance(caught.value, errors.BadInputError)
    assert isinstance(caught.value, ValueError)


def test_bad_records_can_be_skipped(cli, tmp_path):
    path = str(FIXTURES / "bad" / "missing_text.jsonl")
    expected = cli_csv(cli, tmp_path, path, "--skip-bad-records")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = storyhash.cluster(path, skip_bad_records=True)
    assert storyhash.to_csv(df) == expected
    assert len(df.attrs["skipped"]) == 1
    assert df.attrs["skipped"][0][0].endswith("missing_text.jsonl:2")
    assert any("skipped 1 bad record" in str(w.message) for w in caught)


def test_in_memory_records_are_named_by_position():
    records = [{"id": "a", "text": "one two three"}, {"id": "b", "title": "no text"}]
    with pytest.raises(errors.BadInputError) as caught:
        storyhash.cluster(records)
    assert str(caught.value) == (
        "<articles>:2: missing field `text` (rename it with --text-field) "
        "(use --skip-bad-records to skip such records)"
    )
    df = pd.DataFrame({"id": ["a", "a"], "text": ["x y z", "x y z"]})
    with pytest.raises(errors.BadInputError, match=r"<articles>:2: duplicate id `a`"):
        storyhash.cluster(df)


def test_missing_values_in_a_frame_are_missing_fields():
    df = pd.DataFrame({"id": [1, 2], "text": ["first text here", None], "date": [None, "2025-01-02"]})
    with pytest.raises(errors.BadInputError, match="<articles>:2: missing field `text`"):
        storyhash.cluster(df)
    ok = storyhash.cluster(df.iloc[:1])
    assert ok["id"].tolist() == ["1"] and ok["date"].isna().all()


def test_dates_from_pandas_timestamps_are_iso():
    df = pd.DataFrame(
        {"id": ["a", "b"], "text": ["alpha beta gamma", "delta epsilon zeta"], "date": pd.to_datetime(["2025-03-14T00:00:00", "2025-03-15T10:00:00"])}
    )
    out = storyhash.cluster(df)
    assert out["date"].tolist() == ["2025-03-14T00:00:00", "2025-03-15T10:00:00"]


def test_settings_errors_carry_the_cli_message(cli):
    done = cli("cluster", str(FIXTURES / "news.jsonl"), "-t", "1.5", check=False)
    message = done.stderr.strip().removeprefix("storyhash: ")
    with pytest.raises(errors.BadSettingError) as caught:
        storyhash.cluster(str(FIXTURES / "news.jsonl"), threshold=1.5)
    assert str(caught.value) == message == "--threshold must be in (0, 1], found 1.5"
    with pytest.raises(errors.BadSettingError, match="--story-cut must be in"):
        storyhash.cluster([], story_cut=0)
    with pytest.raises(errors.BadSettingError, match="shingle_unit must be words or chars"):
        storyhash.cluster([], shingle_unit="lines")


def test_unknown_options_and_inputs_are_type_errors():
    with pytest.raises(TypeError, match="unexpected option `treshold`"):
        storyhash.cluster([], treshold=0.5)
    with pytest.raises(TypeError, match="option `threshold` must be a number"):
        storyhash.cluster([], threshold="high")
    with pytest.raises(TypeError, match="articles must be"):
        storyhash.cluster(42)
    with pytest.raises(TypeError, match=r"articles\[1\] is a int"):
        storyhash.cluster([{"id": "a", "text": "x"}, 3])


def test_unreadable_paths_raise_oserror(tmp_path):
    with pytest.raises(errors.UnreadableInputError) as caught:
        storyhash.cluster(str(tmp_path / "nowhere.jsonl"))
    assert isinstance(caught.value, OSError)
    assert "nowhere.jsonl" in str(caught.value)


def test_empty_input_gives_an_empty_frame_with_the_header():
    df = storyhash.cluster([])
    assert len(df) == 0
    assert list(df.columns)[:2] == ["id", "dup_group"]


def test_the_gil_is_released_while_it_works():
    # A Python thread makes progress while a run is inside the library: with
    # the GIL held for the whole call it could not tick at all between the
    # call's start and end.
    import threading

    base = jsonl_records(FIXTURES / "stories" / "stories.jsonl")
    records = [dict(r, id=f"{r['id']}-{i}") for i in range(40) for r in base]
    # Serialised first, so that the main thread's only work is the call.
    data = storyhash.records_to_jsonl(records, ["id", "text", "title", "source", "date"])
    opts = storyhash.options(threads=1)
    ticks = 0
    inside = threading.Event()
    finished = threading.Event()

    def tick():
        nonlocal ticks
        inside.wait()
        while not finished.is_set():
            ticks += 1
            finished.wait(0.0005)

    t = threading.Thread(target=tick)
    t.start()
    try:
        inside.set()
        storyhash._storyhash.run(opts, data=data)
    finally:
        finished.set()
        t.join()
    assert ticks >= 2
