"""The pipeline's stages one at a time, on numpy arrays.

These are the building blocks a distributed job needs to compute with the
very code of the command-line tool: each function calls one stage of the
Rust library (with the GIL released) and returns numpy arrays viewed
without a copy on the bytes the library produced. ``options`` everywhere is
the dict of :func:`storyhash.options` (the CLI's flags with underscores).

Articles are numbered by the caller; where a stage breaks ties by article
number (the canonical copy, the best match, story labels), the numbers must
follow input order, as the CLI's do.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np

from . import _storyhash

__all__ = [
    "Signed",
    "Vectors",
    "line_observations",
    "learn_boilerplate",
    "boiler_rare",
    "boiler_wide",
    "boiler_views",
    "boiler_tests",
    "sign",
    "banding",
    "band_keys",
    "bucket_pairs",
    "verify_pairs",
    "groups",
    "df_slots",
    "story_vectors",
    "index_terms",
    "posting_pairs",
    "story_candidates",
    "story_levels",
    "day_keys",
    "date_seconds",
    "split_ragged",
]


def _u32(x: Any) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.uint32)


class Signed(NamedTuple):
    """What the signature pass keeps of each text."""

    #: MinHash signatures, shape (n, num_perm), uint32.
    signatures: np.ndarray
    #: Distinct shingles per text, uint32 (0: the text has no shingle and takes no part in LSH).
    sizes: np.ndarray
    #: Story terms per text (uint32), then the terms (uint32) and weights (float32) one text after another.
    term_counts: np.ndarray
    terms: np.ndarray
    term_weights: np.ndarray


class Vectors(NamedTuple):
    """Ragged TF-IDF vectors: counts per vector, then terms and unit weights, and which entries are on specific terms."""

    counts: np.ndarray
    terms: np.ndarray
    weights: np.ndarray
    #: One flag per entry (bool): its term is specific (``story::specific_parts``).
    specific: np.ndarray | None = None


def line_observations(
    texts: Sequence[str], sources: Sequence[str | None]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Boilerplate learning's observations of ``texts``.

    Returns ``(doc, line, bytes, source, text_bytes)``: one row per distinct
    line of each text (its position in ``texts``, its uint64 key, its
    length, its outlet's hash), and each text's length.
    """
    doc, line, nbytes, source, lens = _storyhash.line_observations(list(texts), list(sources))
    return (
        np.frombuffer(doc, np.uint32),
        np.frombuffer(line, np.uint64),
        np.frombuffer(nbytes, np.uint32),
        np.frombuffer(source, np.uint32),
        np.frombuffer(lens, np.uint32),
    )


def learn_boilerplate(
    doc: np.ndarray, line: np.ndarray, nbytes: np.ndarray, sources: np.ndarray, doc_bytes: np.ndarray, min_docs: int
) -> np.ndarray:
    """The boilerplate line keys (uint64, sorted) the stage learns from gathered observations."""
    out = _storyhash.learn_boilerplate(
        _u32(doc), np.ascontiguousarray(line, dtype=np.uint64), _u32(nbytes), _u32(sources), _u32(doc_bytes), int(min_docs)
    )
    return np.frombuffer(out, np.uint64)


def boiler_rare(counts: np.ndarray, line: np.ndarray, nbytes: np.ndarray) -> np.ndarray:
    """Boilerplate learning per document: the contexts (n×4 uint32) each document gives for the wide test, from its rare lines (``counts`` per document)."""
    out = _storyhash.boiler_rare(_u32(counts), np.ascontiguousarray(line, dtype=np.uint64), _u32(nbytes))
    return np.frombuffer(out, np.uint32).reshape(-1, 4)


def boiler_wide(counts: np.ndarray, sources: np.ndarray, contexts: np.ndarray, min_docs: int) -> np.ndarray:
    """Boilerplate learning per line: whether each line (``counts`` occurrences each, with their documents' sources and rare contexts m×4) is wide."""
    out = _storyhash.boiler_wide(_u32(counts), _u32(sources), _u32(contexts).reshape(-1), int(min_docs))
    return np.frombuffer(out, np.uint8).astype(bool)


def boiler_views(
    counts: np.ndarray,
    line: np.ndarray,
    nbytes: np.ndarray,
    seen: np.ndarray,
    first_bytes: np.ndarray,
    wide: np.ndarray,
    doc_bytes: np.ndarray,
    min_docs: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Boilerplate learning per document once the wide lines are known.

    ``counts`` lines per document, each with its key, bytes, times seen in
    the collection (0 when fewer than ``min_docs``), bytes in the first
    document that has it and whether it is wide; ``doc_bytes`` per document.
    Returns for every occurrence the tests judge ``(document position,
    line, contexts m×4, share)``.
    """
    doc, keys, ctx, share = _storyhash.boiler_views(
        _u32(counts),
        np.ascontiguousarray(line, dtype=np.uint64),
        _u32(nbytes),
        _u32(seen),
        _u32(first_bytes),
        np.ascontiguousarray(wide, dtype=np.uint8),
        _u32(doc_bytes),
        int(min_docs),
    )
    return (
        np.frombuffer(doc, np.uint32),
        np.frombuffer(keys, np.uint64),
        np.frombuffer(ctx, np.uint32).reshape(-1, 4),
        np.frombuffer(share, np.float64),
    )


def boiler_tests(
    counts: np.ndarray, docs: np.ndarray, sources: np.ndarray, contexts: np.ndarray, shares: np.ndarray, min_docs: int
) -> np.ndarray:
    """Boilerplate learning per line: whether each tested line (``counts`` occurrences each: document number, source, contexts m×4, share) passes the stage's tests."""
    out = _storyhash.boiler_tests(
        _u32(counts),
        np.ascontiguousarray(docs, dtype=np.uint64),
        _u32(sources),
        _u32(contexts).reshape(-1),
        np.ascontiguousarray(shares, dtype=np.float64),
        int(min_docs),
    )
    return np.frombuffer(out, np.uint8).astype(bool)


def sign(
    texts: Sequence[str],
    titles: Sequence[str | None],
    options: Mapping[str, Any],
    boilerplate: np.ndarray | None = None,
) -> Signed:
    """Shingles and signs ``texts`` without the ``boilerplate`` lines (uint64 keys), and picks their story terms."""
    k = int(options["num_perm"])
    bp = None if boilerplate is None else np.ascontiguousarray(boilerplate, dtype=np.uint64)
    sigs, sizes, counts, terms, weights = _storyhash.sign(list(texts), list(titles), dict(options), bp)
    return Signed(
        np.frombuffer(sigs, np.uint32).reshape(-1, k),
        np.frombuffer(sizes, np.uint32),
        np.frombuffer(counts, np.uint32),
        np.frombuffer(terms, np.uint32),
        np.frombuffer(weights, np.float32),
    )


def banding(options: Mapping[str, Any]) -> tuple[int, int]:
    """The LSH ``(bands, rows)`` of a run with ``options``."""
    return tuple(_storyhash.banding(dict(options)))  # type: ignore[return-value]


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """The uint32 band keys, shape (n, bands), of signatures (n, num_perm)."""
    sigs = _u32(signatures)
    k = sigs.shape[1] if sigs.ndim == 2 else len(sigs)
    out = _storyhash.band_keys(sigs.reshape(-1), int(k), int(bands), int(rows))
    return np.frombuffer(out, np.uint32).reshape(-1, bands)


def bucket_pairs(members: np.ndarray, lengths: np.ndarray, max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(a, b)``, ``a < b``, of LSH buckets given one after another (each in article order)."""
    a, b = _storyhash.bucket_pairs(_u32(members), _u32(lengths), int(max_bucket))
    return np.frombuffer(a, np.uint32), np.frombuffer(b, np.uint32)


def verify_pairs(
    sig_a: np.ndarray, sig_b: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, options: Mapping[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Verifies pairs from their signatures (m×num_perm each) and shingle counts.

    Returns ``(keep bool, jaccard float32, containment float32)``.
    """
    keep, j, c = _storyhash.verify_pairs(
        _u32(sig_a).reshape(-1), _u32(sig_b).reshape(-1), _u32(size_a), _u32(size_b), dict(options)
    )
    return np.frombuffer(keep, np.uint8).astype(bool), np.frombuffer(j, np.float32), np.frombuffer(c, np.float32)


def groups(
    ids: Sequence[str],
    sources: Sequence[str | None],
    dates: Sequence[str | None],
    sizes: np.ndarray,
    signatures: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    jaccard: np.ndarray,
    containment: np.ndarray,
    options: Mapping[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cluster stage on whole connected components of the match graph (articles in input order, matches by position).

    ``signatures`` (n×num_perm) feed the stage's chaining guard. Returns per
    article the position of its group's canonical article (uint32), of its
    best match (int64, -1 for none), that match's Jaccard and containment
    (float32), the position of its group's first member and the group's
    size (uint32).
    """
    canon, other, bj, bc, first, size = _storyhash.groups(
        list(ids),
        list(sources),
        list(dates),
        _u32(sizes),
        _u32(signatures).reshape(-1),
        _u32(a),
        _u32(b),
        np.ascontiguousarray(jaccard, dtype=np.float32),
        np.ascontiguousarray(containment, dtype=np.float32),
        dict(options),
    )
    return (
        np.frombuffer(canon, np.uint32),
        np.frombuffer(other, np.int64),
        np.frombuffer(bj, np.float32),
        np.frombuffer(bc, np.float32),
        np.frombuffer(first, np.uint32),
        np.frombuffer(size, np.uint32),
    )


def df_slots(terms: np.ndarray) -> np.ndarray:
    """The document-frequency counter (int64) each story term is counted in."""
    return np.frombuffer(_storyhash.df_slots(_u32(terms)), np.int64)


def story_vectors(
    counts: np.ndarray,
    terms: np.ndarray,
    weights: np.ndarray,
    dfs: np.ndarray,
    collection: int,
    groups: int,
    options: Mapping[str, Any],
) -> Vectors:
    """TF-IDF unit vectors from story terms, each term's document frequency, and the collection's size in articles and in near-duplicate groups (which terms are specific)."""
    c, t, w, sp = _storyhash.story_vectors(
        _u32(counts),
        _u32(terms),
        np.ascontiguousarray(weights, dtype=np.float32),
        _u32(dfs),
        int(collection),
        int(groups),
        dict(options),
    )
    return Vectors(
        np.frombuffer(c, np.uint32),
        np.frombuffer(t, np.uint32),
        np.frombuffer(w, np.float32),
        np.frombuffer(sp, np.uint8).astype(bool),
    )


def index_terms(counts: np.ndarray, terms: np.ndarray, weights: np.ndarray, options: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The strongest ``index_terms`` terms of each vector: ``(counts, terms)``."""
    c, t = _storyhash.index_terms(_u32(counts), _u32(terms), np.ascontiguousarray(weights, dtype=np.float32), dict(options))
    return np.frombuffer(c, np.uint32), np.frombuffer(t, np.uint32)


def posting_pairs(members: np.ndarray, lengths: np.ndarray, days: np.ndarray, options: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The pairs that posting lists (given one after another) contribute to the story candidates."""
    a, b = _storyhash.posting_pairs(_u32(members), _u32(lengths), _u32(days), dict(options))
    return np.frombuffer(a, np.uint32), np.frombuffer(b, np.uint32)


def story_candidates(
    counts: np.ndarray, terms: np.ndarray, weights: np.ndarray, days: Sequence[float | None], options: Mapping[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """The story stage's candidate pairs ``(a, b)`` of vectors with publication days (days since 1970), computed on one machine by the stage itself: the reference for the distributed candidates."""
    a, b = _storyhash.story_candidates(
        _u32(counts), _u32(terms), np.ascontiguousarray(weights, dtype=np.float32), list(days), dict(options)
    )
    return np.frombuffer(a, np.uint32), np.frombuffer(b, np.uint32)


def story_levels(
    counts: np.ndarray,
    terms: np.ndarray,
    weights: np.ndarray,
    specific: np.ndarray,
    dates: Sequence[str | None],
    sizes: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    options: Mapping[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Events and stories of representatives (one per near-duplicate group, in group order).

    From their unit vectors and specific flags (as :func:`story_vectors` returns them), dates,
    group sizes and candidate pairs ``(a, b)`` by position, the story stage's
    own linkage and labels; run it on whole connected components of the
    candidate graph. Returns per representative the position of its event's
    label, its event's size in articles, its story's label and size (uint32).
    """
    ev, es, st, ss = _storyhash.story_levels(
        _u32(counts),
        _u32(terms),
        np.ascontiguousarray(weights, dtype=np.float32),
        np.ascontiguousarray(specific, dtype=np.uint8),
        list(dates),
        _u32(sizes),
        _u32(a),
        _u32(b),
        dict(options),
    )
    return (
        np.frombuffer(ev, np.uint32),
        np.frombuffer(es, np.uint32),
        np.frombuffer(st, np.uint32),
        np.frombuffer(ss, np.uint32),
    )


def day_keys(seconds: Sequence[int | None]) -> np.ndarray:
    """The candidate index's sort key (uint32) of each publication time (seconds since 1970, None if unknown)."""
    return np.frombuffer(_storyhash.day_keys(list(seconds)), np.uint32)


def date_seconds(dates: Sequence[str | None]) -> tuple[list[int | None], np.ndarray, np.ndarray]:
    """Seconds since 1970 of ISO 8601 dates, and their earliest-first keys ``(day, within)`` (int64; max for none)."""
    secs, day, within = _storyhash.date_seconds(list(dates))
    return list(secs), np.frombuffer(day, np.int64), np.frombuffer(within, np.int64)


def split_ragged(counts: np.ndarray, values: np.ndarray) -> list[np.ndarray]:
    """Ragged rows (``counts`` per row, ``values`` one row after another) as a list of arrays."""
    ends = np.cumsum(np.asarray(counts, dtype=np.int64))
    return np.split(np.asarray(values), ends[:-1]) if len(ends) else []
