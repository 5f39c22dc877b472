"""The storyhash pipeline on Apache Spark.

``storyhash.spark.cluster(df, **options)`` takes a PySpark DataFrame with the
CLI's fields (``id``, ``text``; ``title``, ``source``, ``date`` optional) and
returns a PySpark DataFrame with the CLI's columns, one row per article.
``python -m storyhash.spark INPUT... -o OUT`` (or ``spark-submit`` of that
module) reads JSON Lines or CSV and writes CSV or Parquet.

Every computation on article data runs on the executors, through the same
Rust stage functions the command line runs (:mod:`storyhash.stages`); what
meets on the driver is a count per partition, the boilerplate lines (the
answer of that stage, a few thousand keys) and convergence counts. The
steps:

1. **Numbering.** Articles get their input-order number from the partition
   order and a per-partition count (the CLI breaks ties by input order).
2. **Boilerplate** by distributed counts, in the stage's two phases (wide
   lines first, the rest judged on the text they leave): each article's
   distinct lines observed; times seen per line, shuffled on the line; each
   document's lines gathered with those counts; the wide test per line on
   its occurrences with their documents' rare-line contexts; with the wide
   lines broadcast, each document's contexts and share of text without
   them; the three tests per line. Each test is the library's own
   (``boilerplate::{is_wide, DocView, passes_tests}``, which
   ``Boilerplate::learn`` runs too). Exact.
3. **Signatures and story terms** on the executors (``mapInPandas``).
4. **LSH**: band keys exploded to ``(band, key, article)`` rows and grouped
   by Spark; each bucket is paired as the CLI pairs it (all pairs, or a
   window in a bucket swollen past ``max_bucket``), pairs deduplicated.
5. **Verification** of each pair joined with both signatures.
6. **Connected components** by large-star/small-star (Kiveris et al.
   2014), alternating until the edge set stops changing: O(log n) rounds of
   joins and aggregations, nothing collected. Each component's label is its
   smallest article number, the CLI's group order.
7. **Groups, the canonical choice and best matches**: the cluster stage
   itself (its chaining guard and containment step included), run on whole
   components on the executors: every group lies inside one component of
   the match graph, so the stage over a component is the stage over all.
8. **Events and stories.** Document frequencies by aggregation over the
   stage's own counters; each representative's unit TF-IDF vector; the
   postings of its strongest terms grouped per term, each list paired as
   the stage pairs it, pairs counted (a candidate is a pair that
   ``min_shared`` lists give). The linkage merges only clusters joined by a
   candidate edge, so over a connected component of the whole candidate
   graph it is the linkage over all: components by large-star/small-star,
   then the stage's own linkage, cuts and labels (``story::levels``) on
   whole components on the executors. Exact; what it costs is memory: one
   executor holds the vectors of a whole component. The candidate graph
   percolates: its largest component held 52% of the articles of the 10k
   bench corpus and 73% of the 100k one (``cluster(df,
   stats={})`` reports it), so in effect one executor runs the linkage
   over most of the collection's representatives (their vectors, not their
   texts: about half a kilobyte each). ``max_component=N`` bounds what an
   executor holds: in each component larger than N representatives, the
   candidate edges whose cosine is under a floor are dropped and the
   components found again, the floor rising until none is too large
   (:func:`_split`). That gives up exactness (README, "When one machine is
   not enough", for what it costs); without it the job is exact.

Only estimated similarities are supported (``exact=True`` would need every
shingle set shuffled).
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

import storyhash
from storyhash import stages
from storyhash.errors import BadInputError, BadSettingError

__all__ = ["cluster", "read", "write", "COLUMNS"]

#: The output columns: the CLI's, from the library's own header.
COLUMNS = list(storyhash._storyhash.header())


def _F():
    from pyspark.sql import functions as F

    return F


def _T():
    from pyspark.sql import types as T

    return T


def _number(df):
    """``df`` with ``idx``: 0-based input order, from partition order and per-partition counts."""
    F = _F()
    tagged = df.withColumn("_pid", F.spark_partition_id()).withColumn("_mid", F.monotonically_increasing_id())
    # monotonically_increasing_id is the partition id in the upper bits and the row within the partition below.
    tagged = tagged.withColumn("_row", F.col("_mid").bitwiseAND(F.lit((1 << 33) - 1))).persist()
    counts = sorted(tagged.groupBy("_pid").count().collect())
    offsets, at = {}, 0
    for row in counts:
        offsets[row["_pid"]] = at
        at += row["count"]
    spark = df.sparkSession
    off = spark.createDataFrame([(p, o) for p, o in offsets.items()] or [(0, 0)], "_pid int, _off long")
    out = tagged.join(F.broadcast(off), "_pid").withColumn("idx", F.col("_off") + F.col("_row"))
    return out.drop("_pid", "_mid", "_row", "_off"), at


def _articles(df, opts):
    """The input with the CLI's fields under their own names, numbered and checked."""
    F = _F()
    names = {k: opts[f"{k}_field"] for k in ("id", "text", "title", "source", "date")}
    for k in ("id", "text"):
        if names[k] not in df.columns:
            flag = f"--{k}-field"
            raise BadInputError(
                f"<dataframe>: the input has no column `{names[k]}` "
                f"(columns: {', '.join(df.columns)}; choose one with {flag})"
            )
    cols = []
    for k, name in names.items():
        if name in df.columns:
            c = F.col(f"`{name}`").cast("string")
            if k == "date":
                c = F.trim(c)
            cols.append(c.alias(k))
        else:
            cols.append(F.lit(None).cast("string").alias(k))
    arts = df.select(*cols)
    bad = arts.filter(F.col("id").isNull() | F.col("text").isNull() | (F.trim(F.col("text")) == ""))
    skip = bool(opts["skip_bad_records"])
    if skip:
        arts = arts.filter(~(F.col("id").isNull() | F.col("text").isNull() | (F.trim(F.col("text")) == "")))
    else:
        first = bad.limit(1).collect()
        if first:
            r = first[0]
            what = "empty text" if r["text"] is not None else f"missing field `{names['text']}` (rename it with --text-field)"
            if r["id"] is None:
                what = f"missing field `{names['id']}` (rename it with --id-field)"
            raise BadInputError(f"<dataframe>: {what} (use --skip-bad-records to skip such records)")
    dup = arts.groupBy("id").count().filter("count > 1").limit(1).collect()
    if dup:
        raise BadInputError(f"<dataframe>: duplicate id `{dup[0]['id']}` (use --skip-bad-records to skip such records)")
    return _number(arts)


def _flat(lists, *fields):
    """The lengths of an Arrow list column and the named fields of its flattened structs, as numpy arrays."""
    counts = lists.value_lengths().to_numpy(zero_copy_only=False).astype(np.uint32)
    values = lists.flatten()
    return counts, [values.field(f).to_numpy(zero_copy_only=False) for f in fields]


def _ragged(column, dtype) -> np.ndarray:
    """A pandas column of lists (one per row) as one flat array of ``dtype``."""
    if len(column) == 0:
        return np.zeros(0, dtype)
    return np.concatenate([np.asarray(v, dtype=dtype) for v in column])


def _positions(keys: np.ndarray, *columns) -> list[np.ndarray]:
    """Each column's values as positions (u32) in ``keys``, sorted and holding them all."""
    return [np.searchsorted(keys, c.to_numpy()).astype(np.uint32) for c in columns]


def _boilerplate(arts, opts) -> np.ndarray:
    """The boilerplate line keys, learnt by distributed counts and the stage's own tests.

    The stage judges wide lines first and the rest on the text they leave,
    so the learning takes five steps, each a shuffle or a pass on the
    executors through the library's functions (``boilerplate::*``); only
    the wide lines (a part of the answer) and the answer meet the driver:

    1. each article's distinct lines observed, and counted per line
       (times seen, bytes in the first document), shuffled on the line;
    2. each document's lines gathered with their counts (on the document);
    3. each document's contexts over its rare lines, sent with every line
       of it that is seen often enough to be wide; the wide test per line
       (on the line);
    4. with the wide lines broadcast, each document's view (contexts and
       share of text without them) and the occurrences of the lines to
       judge, with their contexts and shares;
    5. the three tests per line (on the line).
    """
    import pyarrow as pa

    F = _F()
    m = int(opts["boilerplate_min_docs"])
    wide_min = int(storyhash._storyhash.tuning()["wide_factor"]) * m

    def observe(batches: Iterator[Any]) -> Iterator[Any]:
        import pandas as pd

        for b in batches:
            doc, line, nbytes, src, _ = stages.line_observations(
                b["text"].tolist(), [s if isinstance(s, str) else None for s in b["source"].tolist()]
            )
            yield pd.DataFrame(
                {
                    "idx": b["idx"].to_numpy()[doc].astype(np.int64),
                    "line": line.view(np.int64),
                    "bytes": nbytes.astype(np.int64),
                    "src": src.astype(np.int64),
                }
            )

    obs = arts.select("idx", "text", "source").mapInPandas(observe, "idx long, line long, bytes long, src long")
    lines = (
        obs.groupBy("line")
        .agg(F.count("*").alias("seen"), F.min(F.struct("idx", "bytes")).alias("first"))
        .filter(F.col("seen") >= m)
        .select("line", "seen", F.col("first.bytes").alias("first_bytes"))
    )
    flagged = obs.join(lines, "line", "left").fillna(0, subset=["seen", "first_bytes"])
    docs = (
        flagged.groupBy("idx")
        .agg(F.first("src").alias("src"), F.collect_list(F.struct("line", "bytes", "seen", "first_bytes")).alias("l"))
        .join(arts.select("idx", F.least(F.octet_length("text"), F.lit(2**32 - 1)).alias("n")), "idx")
        .localCheckpoint()
    )

    def wide_candidates(batches):
        for b in batches:
            counts, (line, nbytes, seen) = _flat(b.column("l"), "line", "bytes", "seen")
            doc = np.repeat(np.arange(len(counts)), counts)
            rare = seen < m
            ctx = stages.boiler_rare(np.bincount(doc[rare], minlength=len(counts)), line[rare].view(np.uint64), nbytes[rare])
            keep = seen >= wide_min
            d = doc[keep]
            cols = [line[keep], b.column("idx").to_numpy()[d], b.column("src").to_numpy()[d]]
            cols += [ctx[d, j].astype(np.int64) for j in range(4)]
            yield pa.RecordBatch.from_arrays([pa.array(c, pa.int64()) for c in cols], names=["line", "idx", "src", "c0", "c1", "c2", "c3"])

    ctx_cols = ["c0", "c1", "c2", "c3"]
    cand = docs.mapInArrow(wide_candidates, "line long, idx long, src long, c0 long, c1 long, c2 long, c3 long")

    def judge(test):
        def run(batches):
            for b in batches:
                fields = ["idx", "src", *ctx_cols] + (["share"] if test is stages.boiler_tests else [])
                counts, cols = _flat(b.column("o"), *fields)
                ctx = np.stack(cols[2:6], axis=1) if len(cols[0]) else np.zeros((0, 4))
                if test is stages.boiler_tests:
                    keep = test(counts, cols[0], cols[1], ctx, cols[6], m)
                else:
                    keep = test(counts, cols[1], ctx, m)
                yield pa.RecordBatch.from_arrays([pa.array(b.column("line").to_numpy()[keep], pa.int64())], names=["line"])

        return run

    def by_line(occ, *extra):
        return occ.groupBy("line").agg(F.collect_list(F.struct("idx", "src", *ctx_cols, *extra)).alias("o"))

    wide = by_line(cand).mapInArrow(judge(stages.boiler_wide), "line long").toPandas()["line"].to_numpy()
    wide = np.sort(wide.astype(np.int64).view(np.uint64))
    wb = arts.sparkSession.sparkContext.broadcast(wide)

    def views(batches):
        for b in batches:
            counts, (line, nbytes, seen, first) = _flat(b.column("l"), "line", "bytes", "seen", "first_bytes")
            key = line.view(np.uint64)
            w = wb.value
            pos = np.searchsorted(w, key)
            is_wide = (pos < len(w)) & (w[np.minimum(pos, max(len(w) - 1, 0))] == key) if len(w) else np.zeros(len(key), bool)
            doc, keys, ctx, share = stages.boiler_views(
                counts, key, nbytes, seen, first, is_wide, b.column("n").to_numpy(), m
            )
            cols = [keys.view(np.int64), b.column("idx").to_numpy()[doc], b.column("src").to_numpy()[doc]]
            cols += [ctx[:, j].astype(np.int64) for j in range(4)]
            arrays = [pa.array(c, pa.int64()) for c in cols] + [pa.array(share, pa.float64())]
            yield pa.RecordBatch.from_arrays(arrays, names=["line", "idx", "src", *ctx_cols, "share"])

    occ = docs.mapInArrow(views, "line long, idx long, src long, c0 long, c1 long, c2 long, c3 long, share double")
    passed = by_line(occ, "share").mapInArrow(judge(stages.boiler_tests), "line long").toPandas()["line"].to_numpy()
    out = np.concatenate([wide, passed.astype(np.int64).view(np.uint64)])
    return np.sort(out)


def _sign(arts, opts, boiler: np.ndarray):
    """Signatures, shingle counts and story terms, on the executors."""
    T = _T()
    schema = T.StructType(
        [
            T.StructField("idx", T.LongType()),
            T.StructField("sig", T.BinaryType()),
            T.StructField("size", T.LongType()),
            T.StructField("terms", T.ArrayType(T.LongType())),
            T.StructField("weights", T.ArrayType(T.FloatType())),
        ]
    )
    spark = arts.sparkSession
    bp = spark.sparkContext.broadcast(boiler)
    o = dict(opts)

    def sign(batches):
        import pandas as pd

        for b in batches:
            titles = [t if isinstance(t, str) else None for t in b["title"].tolist()]
            s = stages.sign(b["text"].tolist(), titles, o, bp.value if len(bp.value) else None)
            terms = stages.split_ragged(s.term_counts, s.terms.astype(np.int64))
            weights = stages.split_ragged(s.term_counts, s.term_weights)
            yield pd.DataFrame(
                {
                    "idx": b["idx"].to_numpy(),
                    "sig": [r.tobytes() for r in s.signatures],
                    "size": s.sizes.astype(np.int64),
                    "terms": terms,
                    "weights": weights,
                }
            )

    return arts.select("idx", "text", "title").mapInPandas(sign, schema)


def _candidates(signed, opts):
    """LSH candidate pairs ``(a, b)``, ``a < b``, deduplicated."""
    F, T = _F(), _T()
    bands, rows = stages.banding(opts)
    k = int(opts["num_perm"])
    max_bucket = int(storyhash._storyhash.tuning()["max_bucket"])

    def keys(batches):
        import pandas as pd

        for b in batches:
            sigs = np.frombuffer(b"".join(b["sig"].tolist()), np.uint32).reshape(-1, k)
            kk = stages.band_keys(sigs, bands, rows)
            n = len(b)
            yield pd.DataFrame(
                {
                    "band": np.tile(np.arange(bands, dtype=np.int32), n),
                    "key": kk.reshape(-1).astype(np.int64),
                    "idx": np.repeat(b["idx"].to_numpy(), bands),
                }
            )

    exploded = signed.filter("size > 0").select("idx", "sig").mapInPandas(keys, "band int, key long, idx long")
    buckets = (
        exploded.groupBy("band", "key")
        .agg(F.sort_array(F.collect_list("idx")).alias("m"))
        .filter(F.size("m") >= 2)
        .select("m")
    )

    def pairs(batches):
        import pandas as pd

        for b in batches:
            lists = b["m"].tolist()
            lengths = np.array([len(m) for m in lists], dtype=np.uint32)
            members = np.concatenate(lists).astype(np.uint32) if lists else np.zeros(0, np.uint32)
            a, c = stages.bucket_pairs(members, lengths, max_bucket)
            yield pd.DataFrame({"a": a.astype(np.int64), "b": c.astype(np.int64)})

    return buckets.mapInPandas(pairs, "a long, b long").distinct()


def _verify(pairs, signed, opts):
    """Confirmed matches ``(a, b, jaccard, containment)``."""
    F = _F()
    k = int(opts["num_perm"])
    sa = signed.select(F.col("idx").alias("a"), F.col("sig").alias("sig_a"), F.col("size").alias("size_a"))
    sb = signed.select(F.col("idx").alias("b"), F.col("sig").alias("sig_b"), F.col("size").alias("size_b"))
    joined = pairs.join(sa, "a").join(sb, "b")
    o = dict(opts)

    def verify(batches):
        import pandas as pd

        for b in batches:
            x = np.frombuffer(b"".join(b["sig_a"].tolist()), np.uint32).reshape(-1, k)
            y = np.frombuffer(b"".join(b["sig_b"].tolist()), np.uint32).reshape(-1, k)
            keep, j, c = stages.verify_pairs(x, y, b["size_a"].to_numpy(), b["size_b"].to_numpy(), o)
            yield pd.DataFrame({"a": b["a"].to_numpy()[keep], "b": b["b"].to_numpy()[keep], "jaccard": j[keep], "containment": c[keep]})

    return joined.mapInPandas(verify, "a long, b long, jaccard float, containment float")


def components(edges, checkpoint: bool = True):
    """Connected components of an undirected edge list ``(a, b)`` by large-star/small-star.

    Returns ``(node, comp)`` for every node on an edge, ``comp`` the
    smallest node of its component. Each round is a large-star then a
    small-star step over the edges, as joins and aggregations; the rounds
    stop when a round leaves the edge set as it was (checked by its count
    and a checksum: one small action per round).
    """
    F = _F()
    # Edges as (u, v) with u > v: v is the smaller end.
    e = edges.select(F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v")).filter("u != v").distinct()
    # Each round refers to the edges several times: cut the lineage first,
    # or the plan grows with the input's.
    e = e.localCheckpoint() if checkpoint else e.cache()
    last = None
    while True:
        # Large-star: every node u links each larger neighbour to the
        # smallest of u's neighbourhood (u included).
        sym = e.union(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
        m = sym.groupBy("u").agg(F.min("v").alias("mv")).select("u", F.least("u", "mv").alias("m"))
        large = (
            sym.filter("v > u")
            .join(m, "u")
            .select(F.col("v").alias("u"), F.col("m").alias("v"))
            .distinct()
        )
        # Small-star: every node u links itself and its smaller neighbours
        # to the smallest of them.
        ms = large.groupBy("u").agg(F.min("v").alias("m"))
        small = (
            large.join(ms, "u")
            .select(F.col("v").alias("x"), "m")
            .union(ms.select(F.col("u").alias("x"), "m"))
            .filter("x != m")
            .select(F.greatest("x", "m").alias("u"), F.least("x", "m").alias("v"))
            .distinct()
        )
        small = small.localCheckpoint() if checkpoint else small.cache()
        stamp = small.agg(F.count("*").alias("n"), F.bit_xor(F.xxhash64("u", "v")).alias("h")).collect()[0]
        key = (stamp["n"], stamp["h"])
        e = small
        if key == last:
            break
        last = key
    # At convergence every component is a star around its smallest node.
    roots = e.groupBy("u").agg(F.min("v").alias("comp"))
    nodes = roots.select(F.col("u").alias("node"), "comp").union(
        e.select(F.col("v").alias("node"), F.col("v").alias("comp")).distinct()
    )
    return nodes.groupBy("node").agg(F.min("comp").alias("comp")).localCheckpoint()


def _buckets(n: int) -> int:
    """How many buckets of whole components a per-component step of ``n``
    articles runs in: one Python call per bucket, about 20,000 articles each."""
    return max(4, int(n) // 20_000)


def _groups(arts, signed, matches, opts, n_articles: int):
    """Per article: its group (component label), canonical, best match, group size."""
    F = _F()
    comp = components(matches.select("a", "b"))
    meta = arts.select("idx", "id", "source", "date").join(signed.select("idx", "size", "sig"), "idx")
    meta = meta.join(comp.withColumnRenamed("node", "idx"), "idx", "left").withColumn(
        "comp", F.coalesce("comp", "idx")
    )
    in_groups = meta.filter(F.col("comp") != F.col("idx")).select("comp").distinct()
    buckets = _buckets(n_articles)
    multi = meta.join(in_groups, "comp").withColumn("bucket", F.pmod("comp", F.lit(buckets)))
    m = matches.join(comp.select(F.col("node").alias("a"), "comp"), "a").withColumn(
        "bucket", F.pmod("comp", F.lit(buckets))
    )
    o = dict(opts)
    k = int(opts["num_perm"])
    out_schema = "idx long, grp long, dup_group string, group_size long, canonical boolean, matched string, similarity float, containment float"

    def per_group(arts_pdf, match_pdf):
        import pandas as pd

        arts_pdf = arts_pdf.sort_values("idx")
        idx = arts_pdf["idx"].to_numpy()
        a, b = _positions(idx, match_pdf["a"], match_pdf["b"])
        ids = arts_pdf["id"].tolist()
        clean = lambda xs: [x if isinstance(x, str) else None for x in xs]
        sigs = np.frombuffer(b"".join(arts_pdf["sig"].tolist()), np.uint32).reshape(-1, k)
        canon, other, bj, bc, first, size = stages.groups(
            ids, clean(arts_pdf["source"].tolist()), clean(arts_pdf["date"].tolist()),
            arts_pdf["size"].to_numpy(), sigs, a, b,
            match_pdf["jaccard"].to_numpy(), match_pdf["containment"].to_numpy(), o,
        )
        n = len(ids)
        return pd.DataFrame(
            {
                "idx": idx,
                "grp": idx[first],
                "dup_group": [ids[c] for c in canon],
                "group_size": size.astype(np.int64),
                "canonical": canon == np.arange(n),
                "matched": [ids[x] if x >= 0 else None for x in other],
                "similarity": np.where(other >= 0, bj, np.nan).astype(np.float32),
                "containment": np.where(other >= 0, bc, np.nan).astype(np.float32),
            }
        )

    # Whole components, many per call: the cluster stage over a union of
    # components is the stage over each (union-find never joins them).
    grouped = multi.groupBy("bucket").cogroup(m.groupBy("bucket")).applyInPandas(per_group, out_schema)
    singles = (
        meta.join(in_groups, "comp", "left_anti")
        .select(
            "idx",
            F.col("idx").alias("grp"),
            F.col("id").alias("dup_group"),
            F.lit(1).cast("long").alias("group_size"),
            F.lit(True).alias("canonical"),
            F.lit(None).cast("string").alias("matched"),
            F.lit(None).cast("float").alias("similarity"),
            F.lit(None).cast("float").alias("containment"),
        )
    )
    return grouped.unionByName(singles)


def _split(comp, cands, vec, cap: int, cut: float):
    """Components of at most ``cap`` representatives where the candidate graph allows: not exact.

    In each component larger than ``cap``, the candidate edges whose
    cosine (of the two unit vectors) is under a floor are dropped and the
    components found again; the floor starts at an eighth of the story
    cut and rises by a factor of √2 until no component is too large (or
    it passes 1): finer steps cut less (on duc2007 at a cap of 100, story
    pairwise agreement 0.987 with doubling, 0.991 with √2). A
    dropped edge no longer lets the linkage compare the clusters on its
    two sides, so clusters it alone would have joined stay apart.
    Returns the components and the edges kept.
    """
    F = _F()
    terms = vec.select("rep", "vw", F.posexplode("vt").alias("pos", "t")).select(
        "rep", "t", F.col("vw")[F.col("pos")].alias("w")
    )
    ta = terms.select(F.col("rep").alias("a"), "t", F.col("w").alias("wa"))
    tb = terms.select(F.col("rep").alias("b"), "t", F.col("w").alias("wb"))
    cos = cands.join(ta, "a").join(tb, ["b", "t"]).groupBy("a", "b").agg(F.sum(F.col("wa") * F.col("wb")).alias("s"))
    edges = cands.join(cos, ["a", "b"], "left").fillna(0.0, subset=["s"]).localCheckpoint()
    floor = cut / 8
    while floor <= 1.0:
        big = comp.groupBy("comp").count().filter(F.col("count") > cap).select("comp", F.lit(True).alias("big"))
        if not big.limit(1).collect():
            break
        edges = (
            edges.join(comp.select(F.col("node").alias("a"), "comp"), "a")
            .join(big, "comp", "left")
            .filter(F.col("big").isNull() | (F.col("s") >= floor))
            .select("a", "b", "s")
            .localCheckpoint()
        )
        comp = components(edges.select("a", "b"))
        floor *= 2**0.5
    return comp, edges.select("a", "b")


def _stories(arts, signed, groups, opts, n_articles: int, stats: dict | None = None, max_component: int | None = None):
    """Per group (its first member's number): event and story labels and sizes."""
    F, T = _F(), _T()
    o = dict(opts)
    # Document frequencies: every article's terms, counted per counter of
    # the stage's table.
    def slots(batches):
        import pandas as pd

        for b in batches:
            t = b["t"].to_numpy().astype(np.uint32)
            yield pd.DataFrame({"slot": stages.df_slots(t)})

    terms = signed.select("idx", F.posexplode("terms").alias("pos", "t"))
    df = terms.select("t").mapInPandas(slots, "slot long").groupBy("slot").count()
    # Representatives: the canonical articles; their number is their group's first member (the CLI numbers groups so).
    reps = groups.filter("canonical").select(F.col("grp").alias("rep"), "idx", "group_size")
    reps = reps.join(arts.select("idx", "date", "id"), "idx").localCheckpoint()
    w = signed.select("idx", F.posexplode("weights").alias("pos", "w"))
    rt = reps.select("rep", "idx").join(terms, "idx").join(w, ["idx", "pos"])

    def slot_of(batches):
        for b in batches:
            b = b.copy()
            b["slot"] = stages.df_slots(b["t"].to_numpy().astype(np.uint32))
            yield b

    rt = rt.select("rep", "pos", "t", "w").mapInPandas(slot_of, "rep long, pos int, t long, w float, slot long")
    rt = rt.join(df, "slot").select("rep", "pos", "t", "w", F.col("count").alias("df"))
    per_rep = rt.groupBy("rep").agg(F.sort_array(F.collect_list(F.struct("pos", "t", "w", "df"))).alias("v"))
    vschema = "rep long, vt array<long>, vw array<float>, vs array<boolean>"
    # Which terms are specific depends on the number of groups.
    n_groups = reps.count()

    def vectors(batches):
        import pandas as pd

        for b in batches:
            counts = np.array([len(v) for v in b["v"]], dtype=np.uint32)
            flat = [x for v in b["v"] for x in v]
            t = np.array([x["t"] for x in flat], dtype=np.uint32)
            ww = np.array([x["w"] for x in flat], dtype=np.float32)
            d = np.array([x["df"] for x in flat], dtype=np.uint32)
            vec = stages.story_vectors(counts, t, ww, d, n_articles, n_groups, o)
            yield pd.DataFrame(
                {
                    "rep": b["rep"].to_numpy(),
                    "vt": stages.split_ragged(vec.counts, vec.terms.astype(np.int64)) if len(b) else [],
                    "vw": stages.split_ragged(vec.counts, vec.weights) if len(b) else [],
                    "vs": stages.split_ragged(vec.counts, vec.specific) if len(b) else [],
                }
            )

    vec = per_rep.mapInPandas(vectors, vschema)
    # Reps whose article has no term at all still take part (empty vector).
    vec = reps.select("rep", "date").join(vec, "rep", "left")

    def days(batches):
        import pandas as pd

        for b in batches:
            dates = [x if isinstance(x, str) else None for x in b["date"].tolist()]
            secs, _, _ = stages.date_seconds(dates)
            dk = stages.day_keys(secs)
            yield pd.DataFrame(
                {
                    "rep": b["rep"].to_numpy(),
                    "vt": [v if v is not None else [] for v in b["vt"]],
                    "vw": [v if v is not None else [] for v in b["vw"]],
                    "vs": [v if v is not None else [] for v in b["vs"]],
                    "day": np.array([s / 86400.0 if s is not None else np.nan for s in secs], dtype=np.float64),
                    "daykey": dk.astype(np.int64),
                }
            )

    vec = vec.mapInPandas(days, "rep long, vt array<long>, vw array<float>, vs array<boolean>, day double, daykey long").localCheckpoint()

    def strongest(batches):
        import pandas as pd

        for b in batches:
            counts = np.array([len(v) for v in b["vt"]], dtype=np.uint32)
            t, ww = _ragged(b["vt"], np.uint32), _ragged(b["vw"], np.float32)
            c, it = stages.index_terms(counts, t, ww, o)
            yield pd.DataFrame(
                {
                    "term": it.astype(np.int64),
                    "rep": np.repeat(b["rep"].to_numpy(), c),
                    "daykey": np.repeat(b["daykey"].to_numpy(), c),
                }
            )

    postings = vec.select("rep", "vt", "vw", "daykey").mapInPandas(strongest, "term long, rep long, daykey long")
    lists = postings.groupBy("term").agg(F.collect_list(F.struct("rep", "daykey")).alias("p")).filter(F.size("p") >= 2)

    def pair_lists(batches):
        import pandas as pd

        for b in batches:
            lengths = np.array([len(p) for p in b["p"]], dtype=np.uint32)
            flat = [x for p in b["p"] for x in p]
            members = np.array([x["rep"] for x in flat], dtype=np.uint32)
            dk = np.array([x["daykey"] for x in flat], dtype=np.uint32)
            a, c = stages.posting_pairs(members, lengths, dk, o)
            yield pd.DataFrame({"a": a.astype(np.int64), "b": c.astype(np.int64)})

    # A pair is a candidate when `min_shared` lists pair it: a count per
    # pair, shuffled on the pair.
    min_shared = int(storyhash._storyhash.tuning()["min_shared"])
    cands = (
        lists.select("p").mapInPandas(pair_lists, "a long, b long").groupBy("a", "b").count()
        .filter(F.col("count") >= min_shared).select("a", "b").localCheckpoint()
    )
    # The linkage merges only clusters that a candidate edge joins, so over
    # a connected component of the whole candidate graph it is the linkage
    # over all: the stage runs per component, on the executors.
    comp = components(cands)
    sc = arts.sparkSession.sparkContext

    def measure(comp, prefix):
        # Largest component by representatives (what an executor holds).
        sc.setJobDescription("storyhash: stats")
        sizes = (
            comp.join(reps.select(F.col("rep").alias("node"), "group_size"), "node")
            .groupBy("comp").agg(F.count("*").alias("reps"), F.sum("group_size").alias("articles"))
        )
        top = sizes.orderBy(F.desc("reps"), "comp").limit(1).collect()
        stats[f"{prefix}components"] = sizes.count()
        stats[f"{prefix}largest_component_reps"] = int(top[0]["reps"]) if top else 0
        stats[f"{prefix}largest_component_articles"] = int(top[0]["articles"]) if top else 0
        sc.setJobDescription("storyhash: stories")

    if stats is not None:
        stats["candidate_pairs"] = cands.count()
        measure(comp, "story_")
    edges = cands
    if max_component is not None:
        comp, edges = _split(comp, cands, vec, int(max_component), float(opts["story_cut"]))
        if stats is not None:
            measure(comp, "split_")
    buckets = _buckets(n_articles)
    members = (
        vec.select("rep", "vt", "vw", "vs")
        .join(comp.withColumnRenamed("node", "rep"), "rep")
        .join(reps.select("rep", "id", "date", "group_size"), "rep")
        .withColumn("bucket", F.pmod("comp", F.lit(buckets)))
    )
    # Every edge lies within one component (both ends share its label).
    inner = (
        edges.join(comp.select(F.col("node").alias("a"), F.col("comp").alias("c")), "a")
        .withColumn("bucket", F.pmod("c", F.lit(buckets)))
        .select("bucket", "a", "b")
    )

    def link(rep_pdf, edge_pdf):
        import pandas as pd

        rep_pdf = rep_pdf.sort_values("rep")
        r = rep_pdf["rep"].to_numpy()
        a, b = _positions(r, edge_pdf["a"], edge_pdf["b"])
        counts = np.array([len(v) for v in rep_pdf["vt"]], dtype=np.uint32)
        t, ww = _ragged(rep_pdf["vt"], np.uint32), _ragged(rep_pdf["vw"], np.float32)
        dates = [x if isinstance(x, str) else None for x in rep_pdf["date"].tolist()]
        sp = _ragged(rep_pdf["vs"], bool)
        ev, es, st, ss = stages.story_levels(
            counts, t, ww, sp, dates, rep_pdf["group_size"].to_numpy(), a, b, o
        )
        ids = np.asarray(rep_pdf["id"].tolist(), dtype=object)
        return pd.DataFrame(
            {
                "rep": r,
                "event": ids[ev],
                "event_size": es.astype(np.int64),
                "story": ids[st],
                "story_size": ss.astype(np.int64),
            }
        )

    # Whole components, many per call: the linkage over a union of them is
    # the linkage over each, as no candidate edge joins two.
    linked = members.groupBy("bucket").cogroup(inner.groupBy("bucket")).applyInPandas(
        link, "rep long, event string, event_size long, story string, story_size long"
    )
    alone = reps.join(comp.withColumnRenamed("node", "rep"), "rep", "left_anti").select(
        "rep",
        F.col("id").alias("event"),
        F.col("group_size").alias("event_size"),
        F.col("id").alias("story"),
        F.col("group_size").alias("story_size"),
    )
    return linked.unionByName(alone)


def cluster(df, *, stats: dict[str, Any] | None = None, max_component: int | None = None, **options: Any):
    """The storyhash pipeline on a PySpark DataFrame.

    ``df`` has the CLI's fields (names remapped by ``id_field`` etc.);
    ``options`` are :func:`storyhash.cluster`'s. Returns a PySpark
    DataFrame with :data:`COLUMNS` and ``idx`` (input order) for ordering;
    the answer is the CLI's (see the module docs for how each stage is
    distributed). A dict passed as ``stats`` receives figures of the run
    that cost an extra small action each: the candidate pairs of the story
    stage and the size of the largest connected component of their graph
    (representatives and articles), which is what one executor must hold.

    ``max_component`` (representatives; default none, exact) bounds the
    components the linkage runs on, by dropping their weakest candidate
    edges (:func:`_split`): the answer is then no longer exactly the CLI's.
    """
    F = _F()
    opts = storyhash.options(**options)
    if opts["exact"]:
        raise BadSettingError("exact similarities are not supported on Spark; leave exact off")
    sc = df.sparkSession.sparkContext
    # Each step is computed where its result is checkpointed; the job
    # description names the step in the Spark UI and its REST API (the
    # bench script sums shuffle bytes by it).
    step = lambda name: sc.setJobDescription(f"storyhash: {name}")
    step("read")
    arts, n = _articles(df, opts)
    arts = arts.localCheckpoint()
    step("boilerplate")
    boiler = np.zeros(0, np.uint64) if opts["no_boilerplate"] else _boilerplate(arts, opts)
    step("sign")
    signed = _sign(arts, opts, boiler).localCheckpoint()
    step("lsh")
    pairs = _candidates(signed, opts).localCheckpoint()
    step("verify")
    matches = _verify(pairs, signed, opts).localCheckpoint()
    step("groups")
    groups = _groups(arts, signed, matches, opts, n).localCheckpoint()
    step("stories")
    if opts["no_stories"]:
        stories = groups.select(F.col("grp").alias("rep"), F.col("dup_group").alias("story"), F.col("group_size").alias("story_size")).distinct()
        stories = stories.withColumn("event", F.col("story")).withColumn("event_size", F.col("story_size"))
    else:
        stories = _stories(arts, signed, groups, opts, n, stats, max_component).localCheckpoint()
    step("output")
    out = (
        groups.join(stories.withColumnRenamed("rep", "grp"), "grp")
        .join(arts.select("idx", "id", "source", "date"), "idx")
        .select("idx", *COLUMNS)
    )
    return out


def read(spark, paths: list[str], options: dict[str, Any] | None = None):
    """Reads JSON Lines or CSV inputs (by extension; ``.gz`` transparently) as the job's input DataFrame."""
    opts = storyhash.options(**(options or {}))
    fmt = opts.get("format")
    first = paths[0]
    base = first[:-3] if first.endswith(".gz") else first
    if fmt == "csv" or (fmt is None and base.endswith(".csv")):
        return spark.read.option("header", True).option("multiLine", True).option("escape", '"').csv(paths)
    if fmt not in (None, "jsonl"):
        raise BadSettingError(f"format {fmt} is not read by the Spark job; give JSON Lines or CSV")
    from pyspark.sql import types as T

    names = [opts[f"{k}_field"] for k in ("id", "text", "title", "source", "date")]
    schema = T.StructType([T.StructField(n, T.StringType()) for n in names])
    return spark.read.schema(schema).json(paths)


def write(out_df, path: str) -> None:
    """Writes the job's output: Parquet (a directory) when ``path`` ends in ``.parquet``, else one CSV file exactly as the CLI writes it (streamed to the driver in input order, one partition at a time)."""
    if path.endswith(".parquet"):
        out_df.orderBy("idx").write.mode("overwrite").parquet(path)
        return
    import csv

    rows = out_df.orderBy("idx").select(*COLUMNS).toLocalIterator()
    tmp = path + ".partial"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([storyhash._cell(c, r[c]) for c in COLUMNS])
    import os

    os.replace(tmp, path)
