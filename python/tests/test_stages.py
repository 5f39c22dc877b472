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


def test_posting_pairs_counted_are_the_stage_s_candidates():
    # The distributed candidates (strongest terms per vector, posting lists
    # paired list by list, pairs counted to min_shared) against
    # story::link::candidates on one machine. A small vocabulary makes many
    # lists longer than max_posting; coarse weights tie; some days unknown.
    rng = np.random.default_rng(5)
    opts = storyhash.options()
    min_shared = storyhash._storyhash.tuning()["min_shared"]
    n = 600
    counts, terms, weights, days = [], [], [], []
    for _ in range(n):
        t = np.unique(rng.integers(0, 120, size=rng.integers(5, 60)) * 7919)
        counts.append(len(t))
        terms.append(t)
        weights.append(rng.integers(1, 7, size=len(t)) / 8.0)
        days.append(None if rng.random() < 0.2 else float(rng.integers(0, 90)) + 20000.0)
    counts = np.array(counts, dtype=np.uint32)
    terms = np.concatenate(terms).astype(np.uint32)
    weights = np.concatenate(weights).astype(np.float32)
    wa, wb = stages.story_candidates(counts, terms, weights, days, opts)
    want = list(zip(wa.tolist(), wb.tolist()))
    assert len(want) > n

    ic, it = stages.index_terms(counts, terms, weights, opts)
    keys = stages.day_keys([None if d is None else int(d * 86400) for d in days])
    lists: dict[int, list[int]] = {}
    for rep, term in zip(np.repeat(np.arange(n), ic).tolist(), it.tolist()):
        lists.setdefault(term, []).append(rep)
    runs = [m for m in lists.values() if len(m) >= 2]
    assert max(len(m) for m in runs) > storyhash._storyhash.tuning()["max_posting"]
    members = np.concatenate([np.array(m) for m in runs]).astype(np.uint32)
    a, b = stages.posting_pairs(members, np.array([len(m) for m in runs]), keys[members], opts)
    seen: dict[tuple[int, int], int] = {}
    for p in zip(a.tolist(), b.tolist()):
        seen[p] = seen.get(p, 0) + 1
    got = sorted(p for p, c in seen.items() if c >= min_shared)
    assert got == want
