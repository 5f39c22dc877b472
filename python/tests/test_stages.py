"""storyhash.stages on numpy arrays: the building blocks give what the pipeline gives."""

from __future__ import annotations

import json

import numpy as np
import pytest

import storyhash
from storyhash import stages

from conftest import FIXTURES


def news():
    return [json.loads(l) for l in (FIXTURES / "news.jsonl").read_text().splitlines() if l.strip()]


def test_stages_rebuild_the_near_duplicate_groups():
    recs = news()
    opts = storyhash.options(no_boilerplate=True, no_stories=True)
    s = stages.sign([r["text"] for r in recs], [r.get("title") for r in recs], opts)
    assert s.signatures.shape == (len(recs), opts["num_perm"])
    assert s.signatures.dtype == np.uint32 and (s.sizes > 0).all()
    bands, rows = stages.banding(opts)
    keys = stages.band_keys(s.signatures, bands, rows)
    assert keys.shape == (len(recs), bands)
    # Buckets: articles sharing a band key, in article order.
    buckets: dict[tuple[int, int], list[int]] = {}
    for i in range(len(recs)):
        for b in range(bands):
            buckets.setdefault((b, int(keys[i, b])), []).append(i)
    runs = [m for m in buckets.values() if len(m) > 1]
    members = np.concatenate([np.array(m) for m in runs]) if runs else np.zeros(0)
    a, b = stages.bucket_pairs(members, np.array([len(m) for m in runs]), 64)
    pairs = sorted(set(zip(a.tolist(), b.tolist())))
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    keep, j, c = stages.verify_pairs(s.signatures[a], s.signatures[b], s.sizes[a], s.sizes[b], opts)
    canon, other, bj, bc, first, size = stages.groups(
        [r["id"] for r in recs], [r.get("source") for r in recs], [r.get("date") for r in recs],
        s.sizes, s.signatures, a[keep], b[keep], j[keep], c[keep], opts,
    )
    ids = [r["id"] for r in recs]
    want = storyhash.cluster(recs, **{k: opts[k] for k in ("no_boilerplate", "no_stories")})
    assert [ids[x] for x in canon] == want["dup_group"].tolist()
    assert size.tolist() == want["group_size"].tolist()
    assert [ids[x] if x >= 0 else None for x in other] == [m if isinstance(m, str) else None for m in want["matched"]]


def test_identical_texts_verify_at_one():
    opts = storyhash.options()
    text = "The council voted on Tuesday to close the old bridge to lorries after engineers found cracks in two of its piers."
    s = stages.sign([text, text], [None, None], opts)
    keep, j, c = stages.verify_pairs(s.signatures[:1], s.signatures[1:], s.sizes[:1], s.sizes[1:], opts)
    assert keep.tolist() == [True] and j[0] == 1.0 and c[0] == 1.0
    assert len(s.term_counts) == 2 and s.term_counts[0] == s.term_counts[1] > 0


def test_arrays_that_do_not_fit_are_value_errors():
    with pytest.raises(ValueError, match="differ in length"):
        stages.verify_pairs(np.zeros((2, 128)), np.zeros((1, 128)), np.ones(2), np.ones(1), storyhash.options())
    with pytest.raises(ValueError, match="out of range"):
        stages.groups(["a"], [None], [None], np.ones(1), np.zeros((1, 128)), np.array([0]), np.array([3]), np.ones(1), np.ones(1), storyhash.options())
