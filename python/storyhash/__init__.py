"""storyhash for Python: near-duplicate news articles, events and stories.

``storyhash.cluster(articles, **options)`` runs the same pipeline as
``storyhash cluster`` (the Rust library, called in-process with the GIL
released) on a pandas DataFrame, a list of dicts, or paths, and returns a
DataFrame with the CLI's columns and values::

    >>> import pandas as pd, storyhash
    >>> df = pd.read_json("fixtures/news.jsonl", lines=True, dtype=False)
    >>> storyhash.cluster(df).head(2)

Options are the flags of ``storyhash cluster`` with underscores
(``--story-cut 0.2`` is ``story_cut=0.2``, ``--no-stories`` is
``no_stories=True``); :func:`defaults` lists them with their defaults, which
come from the library's ``Config::default()``. Failures raise the classes of
:mod:`storyhash.errors` with the CLI's messages.

The stages one at a time, on numpy arrays, are in :mod:`storyhash.stages`;
the same pipeline on Apache Spark is :mod:`storyhash.spark`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import warnings
from typing import Any, Iterable, Mapping, Sequence, Union

from . import _storyhash
from .errors import (
    BadInputError,
    BadSettingError,
    RefusedOutputError,
    StoryhashError,
    UnreadableInputError,
    UnwritableOutputError,
)

__all__ = [
    "cluster",
    "defaults",
    "options",
    "to_csv",
    "read_csv",
    "records_to_jsonl",
    "StoryhashError",
    "UnreadableInputError",
    "BadInputError",
    "BadSettingError",
    "RefusedOutputError",
    "UnwritableOutputError",
]

__version__ = "0.1.0"

PathLike = Union[str, "os.PathLike[str]"]

#: Name under which in-memory articles appear in messages (``<articles>:3``
#: is the third record).
MEMORY_NAME = "<articles>"

# Columns of the output by kind; any other column is carried as text.
_COUNT_COLUMNS = ("group_size", "event_size", "story_size")
_SCORE_COLUMNS = ("similarity", "containment")
_FLAG_COLUMNS = ("canonical",)


def defaults() -> dict[str, Any]:
    """The options of :func:`cluster` and their default values.

    Names are the ``storyhash cluster`` flags with underscores; values are
    read from the Rust library's ``Config::default()``, so they are the
    command line's defaults.
    """
    return dict(_storyhash.defaults())


def options(**given: Any) -> dict[str, Any]:
    """The complete option dict: :func:`defaults` updated with ``given``.

    Raises ``TypeError`` for a name that is not an option, and
    :class:`BadSettingError` for a value out of range (the CLI's message).
    """
    opts = defaults()
    for name, value in given.items():
        if name not in opts:
            raise TypeError(
                f"unexpected option `{name}`; the options are the flags of "
                f"`storyhash cluster` with underscores: {', '.join(sorted(opts))}"
            )
        opts[name] = value
    if isinstance(opts.get("prefer_source"), str):
        opts["prefer_source"] = [s for s in opts["prefer_source"].split(",") if s]
    _storyhash.check_options(opts)
    return opts


def _plain(value: Any) -> Any:
    """A JSON-serialisable form of one field value, or ``None`` for a missing one."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat") and not isinstance(value, str):
        # datetime, date and pandas Timestamp; NaT has no isoformat.
        try:
            if value != value:  # NaT
                return None
        except TypeError:
            pass
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        # numpy scalars
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def _fields(opts: Mapping[str, Any]) -> list[str]:
    return [opts[k] for k in ("id_field", "text_field", "title_field", "source_field", "date_field")]


def records_to_jsonl(records: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> bytes:
    """JSON Lines bytes of ``records``, one line each, with only ``fields``.

    Missing values (``None``, NaN, NaT) are left out, so the reader reports
    them as the CLI reports a missing field; dates become ISO 8601 text.
    """
    out = io.StringIO()
    for rec in records:
        line = {}
        for f in fields:
            if f in rec:
                v = _plain(rec[f])
                if v is not None:
                    line[f] = v
        out.write(json.dumps(line, ensure_ascii=False, allow_nan=False))
        out.write("\n")
    return out.getvalue().encode("utf-8")


def _frame_records(df: Any, fields: Sequence[str]) -> Iterable[dict[str, Any]]:
    present = [f for f in fields if f in df.columns]
    columns = [df[f].tolist() for f in present]
    for values in zip(*columns):
        yield dict(zip(present, values))
    if not present:
        for _ in range(len(df)):
            yield {}


def _is_paths(articles: Any) -> bool:
    if isinstance(articles, (str, os.PathLike)):
        return True
    if isinstance(articles, (list, tuple)) and articles:
        return all(isinstance(a, (str, os.PathLike)) for a in articles)
    return False


def _frame(header: list[str], columns: dict[str, list[Any]]) -> Any:
    import pandas as pd

    data = {}
    for col in header:
        values = columns[col]
        if col in _COUNT_COLUMNS:
            data[col] = pd.array(values, dtype="int64")
        elif col in _FLAG_COLUMNS:
            data[col] = pd.array(values, dtype="bool")
        elif col in _SCORE_COLUMNS:
            data[col] = pd.array([math.nan if v is None else v for v in values], dtype="float64")
        else:
            data[col] = pd.array(values, dtype="object")
    return pd.DataFrame(data, columns=header)


def cluster(articles: Any, **opts: Any) -> Any:
    """Groups near-duplicate articles, events and stories, as ``storyhash cluster`` does.

    ``articles`` is a pandas DataFrame or a list of dicts with the CLI's
    fields (``id`` and ``text`` required; ``title``, ``source``, ``date``
    optional; other names through ``id_field`` etc.), or a path or list of
    paths the CLI reads (JSON Lines, CSV, directories of ``.txt``, ``.gz``).
    ``opts`` are the CLI's flags with underscores (see :func:`defaults`).

    Returns a DataFrame with one row per article, in input order, and the
    columns of the CLI's CSV (``id``, ``dup_group``, [``event``], ``story``,
    ``group_size``, [``event_size``], ``story_size``, ``canonical``,
    ``matched``, ``similarity``, ``containment``, ``source``, ``date``):
    labels and ids as text, sizes as int64, ``canonical`` as bool, scores as
    float64 with the CSV's four decimals (NaN without a match). Records
    skipped with ``skip_bad_records=True`` are listed in
    ``df.attrs["skipped"]`` as ``(location, problem)`` and warned about.

    Raises :class:`BadInputError` (naming the record: ``<articles>:N`` is
    the N-th in-memory record), :class:`UnreadableInputError`,
    :class:`BadSettingError`, or ``TypeError`` for an unknown option.
    """
    full = options(**opts)
    if _is_paths(articles):
        paths = [articles] if isinstance(articles, (str, os.PathLike)) else list(articles)
        header, columns, skipped = _storyhash.run(full, paths=[os.fspath(p) for p in paths])
    else:
        fields = _fields(full)
        if hasattr(articles, "columns") and hasattr(articles, "to_dict"):
            records: Iterable[Mapping[str, Any]] = _frame_records(articles, fields)
        elif isinstance(articles, (list, tuple)):
            for i, a in enumerate(articles):
                if not isinstance(a, Mapping):
                    raise TypeError(
                        f"articles[{i}] is a {type(a).__name__}; give dicts, a DataFrame, or paths"
                    )
            records = articles
        else:
            raise TypeError(
                f"articles must be a pandas DataFrame, a list of dicts, or paths; found {type(articles).__name__}"
            )
        data = records_to_jsonl(records, fields)
        header, columns, skipped = _storyhash.run(full, data=data, name=MEMORY_NAME)
    df = _frame(list(header), dict(columns))
    df.attrs["skipped"] = [tuple(s) for s in skipped]
    if skipped:
        warnings.warn(f"skipped {len(skipped)} bad record(s); see df.attrs['skipped']", stacklevel=2)
    return df


def _cell(col: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if col in _FLAG_COLUMNS:
        return "true" if bool(value) else "false"
    if col in _SCORE_COLUMNS:
        return f"{float(value):.4f}"
    if col in _COUNT_COLUMNS:
        return str(int(value))
    return str(value)


def to_csv(df: Any, path: PathLike | None = None) -> str | None:
    """Writes a :func:`cluster` DataFrame as the CLI writes its CSV.

    The same header, ``true``/``false``, four-decimal scores, empty cells for
    missing values, quotes only where needed, ``\\n`` line ends: the bytes
    equal those of ``storyhash cluster -o``. Returns the text when ``path``
    is None.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    cols = list(df.columns)
    w.writerow(cols)
    for row in zip(*(df[c].tolist() for c in cols)):
        w.writerow([_cell(c, v) for c, v in zip(cols, row)])
    text = buf.getvalue()
    if path is None:
        return text
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return None


def read_csv(path: PathLike) -> Any:
    """Reads a CSV written by ``storyhash cluster`` into the DataFrame :func:`cluster` returns.

    Every column the file has is kept (``event``/``event_size`` when
    present), with the dtypes of :func:`cluster`.
    """
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    columns: dict[str, list[Any]] = {}
    for j, col in enumerate(header):
        values = [r[j] for r in body]
        if col in _COUNT_COLUMNS:
            columns[col] = [int(v) for v in values]
        elif col in _FLAG_COLUMNS:
            columns[col] = [v == "true" for v in values]
        elif col in _SCORE_COLUMNS:
            columns[col] = [float(v) if v else None for v in values]
        else:
            columns[col] = [v if v != "" else None for v in values]
    return _frame(header, columns)
