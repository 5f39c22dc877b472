"""Type hints of the extension module (python/src/lib.rs, stages.rs).

Numeric arguments are buffers (numpy arrays of the named dtype); numeric
results are ``bytes`` that :mod:`storyhash.stages` views as numpy arrays.
"""

from typing import Any, Sequence

_Buffer = Any  # a C-contiguous numpy array (or other buffer) of the named dtype

def defaults() -> dict[str, Any]:
    """The option names and their default values, from ``Config::default()``."""

def run(
    options: dict[str, Any],
    paths: Sequence[str] | None = None,
    data: bytes | None = None,
    name: str = "<memory>",
) -> tuple[list[str], dict[str, list[Any]], list[tuple[str, str]]]:
    """The pipeline on paths or on JSON Lines bytes: ``(header, columns, skipped)``."""

def check_options(options: dict[str, Any]) -> None:
    """Raises the error the options would raise in a run; ``None`` when valid."""

def header() -> list[str]:
    """The columns of the CSV ``storyhash cluster`` writes, in order."""

def error_kinds() -> list[str]:
    """The exception class names of :mod:`storyhash.errors`, one per error kind."""

def line_observations(texts: Sequence[str], sources: Sequence[str | None]) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """Boilerplate observations ``(doc u32, line u64, bytes u32, source u32, text_bytes u32)``."""

def learn_boilerplate(
    doc: _Buffer, line: _Buffer, bytes: _Buffer, sources: _Buffer, doc_bytes: _Buffer, min_docs: int
) -> bytes:
    """Boilerplate line keys (u64, sorted) learnt from gathered observations."""

def boiler_rare(counts: _Buffer, line: _Buffer, bytes: _Buffer) -> bytes:
    """Rare-line contexts per document (n×4 u32)."""

def boiler_wide(counts: _Buffer, source: _Buffer, contexts: _Buffer, min_docs: int) -> bytes:
    """Whether each line is wide (u8)."""

def boiler_views(
    counts: _Buffer,
    line: _Buffer,
    bytes: _Buffer,
    seen: _Buffer,
    first_bytes: _Buffer,
    wide: _Buffer,
    doc_bytes: _Buffer,
    min_docs: int,
) -> tuple[bytes, bytes, bytes, bytes]:
    """Judged occurrences ``(doc u32, line u64, contexts u32 m×4, share f64)``."""

def boiler_tests(
    counts: _Buffer, doc: _Buffer, source: _Buffer, contexts: _Buffer, share: _Buffer, min_docs: int
) -> bytes:
    """Whether each tested line passes (u8)."""

def sign(
    texts: Sequence[str], titles: Sequence[str | None], options: dict[str, Any], boiler: _Buffer | None = None
) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """``(signatures u32, sizes u32, term_counts u32, terms u32, weights f32)``."""

def banding(options: dict[str, Any]) -> tuple[int, int]:
    """The LSH ``(bands, rows)``."""

def band_keys(sigs: _Buffer, num_perm: int, bands: int, rows: int) -> bytes:
    """Band keys u32, n×bands."""

def bucket_pairs(members: _Buffer, lengths: _Buffer, max_bucket: int) -> tuple[bytes, bytes]:
    """Candidate pairs ``(a u32, b u32)`` of buckets."""

def verify_pairs(
    sig_a: _Buffer, sig_b: _Buffer, size_a: _Buffer, size_b: _Buffer, options: dict[str, Any]
) -> tuple[bytes, bytes, bytes]:
    """``(keep u8, jaccard f32, containment f32)``."""

def groups(
    ids: Sequence[str],
    sources: Sequence[str | None],
    dates: Sequence[str | None],
    sizes: _Buffer,
    sigs: _Buffer,
    a: _Buffer,
    b: _Buffer,
    jaccard: _Buffer,
    containment: _Buffer,
    options: dict[str, Any],
) -> tuple[bytes, bytes, bytes, bytes]:
    """``(canonical u32, best_other i64, best_jaccard f32, best_containment f32, first u32, size u32)`` per article."""

def df_slots(term_ids: _Buffer) -> bytes:
    """Document-frequency counter (i64) of each term."""

def story_vectors(
    counts: _Buffer, term_ids: _Buffer, weights: _Buffer, dfs: _Buffer, collection: int, groups: int, options: dict[str, Any]
) -> tuple[bytes, bytes, bytes, bytes]:
    """TF-IDF unit vectors ``(counts u32, terms u32, weights f32, specific u8)``."""

def index_terms(counts: _Buffer, term_ids: _Buffer, weights: _Buffer, options: dict[str, Any]) -> tuple[bytes, bytes]:
    """The strongest terms of each vector ``(counts u32, terms u32)``."""

def posting_pairs(members: _Buffer, lengths: _Buffer, days: _Buffer, options: dict[str, Any]) -> tuple[bytes, bytes]:
    """Pairs ``(a u32, b u32)`` contributed by posting lists."""

def story_candidates(
    counts: _Buffer, term_ids: _Buffer, weights: _Buffer, days: Sequence[float | None], options: dict[str, Any]
) -> tuple[bytes, bytes]:
    """The stage's candidate pairs ``(a u32, b u32)``, sorted."""

def story_levels(
    counts: _Buffer,
    term_ids: _Buffer,
    weights: _Buffer,
    specific: _Buffer,
    dates: Sequence[str | None],
    sizes: _Buffer,
    a: _Buffer,
    b: _Buffer,
    options: dict[str, Any],
) -> tuple[bytes, bytes, bytes, bytes]:
    """Events and stories of representatives on whole components of the candidate graph: label positions and sizes."""

def day_keys(seconds: Sequence[int | None]) -> bytes:
    """Day sort keys u32."""

def date_seconds(dates: Sequence[str | None]) -> tuple[list[int | None], bytes, bytes]:
    """``(seconds, day i64, within i64)``."""

def tuning() -> dict[str, int]:
    """Flagless settings a distributed job applies: ``max_bucket``, ``min_shared``."""
