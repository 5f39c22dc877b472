"""``python -m storyhash.spark INPUT... -o OUT [options]``: the pipeline on Spark.

Runs under ``spark-submit`` on a cluster as well (the master comes from
``spark-submit``; alone it runs ``local[*]``). Options are the flags of
``storyhash cluster``; OUT ending in ``.parquet`` is written as Parquet,
anything else as one CSV file laid out exactly as the CLI writes it.
"""

from __future__ import annotations

import os

import argparse
import sys
import time

import storyhash
from storyhash import spark as job
from storyhash.errors import StoryhashError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m storyhash.spark", description=__doc__.splitlines()[0])
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="JSON Lines or CSV files (.gz read transparently)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="CSV file, or a .parquet directory")
    p.add_argument("--master", default=None, help="Spark master when not run by spark-submit (default local[*])")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on standard error except errors")
    p.add_argument(
        "--max-component",
        type=int,
        default=None,
        metavar="N",
        help="cut the story candidate graph's components to N representatives at their weakest edges "
        "(bounds what one executor holds; no longer exactly the CLI's events and stories)",
    )
    d = storyhash.defaults()
    for name, value in d.items():
        if name == "threads":
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            p.add_argument(flag, action="store_true", default=value)
        elif name == "prefer_source":
            p.add_argument(flag, default=[], type=lambda s: [x for x in s.split(",") if x])
        elif value is None:
            p.add_argument(flag, default=None, type=int if name in ("bands", "rows") else str)
        else:
            p.add_argument(flag, default=value, type=type(value))
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    opts = {k: v for k, v in vars(args).items() if k not in ("inputs", "output", "master", "quiet", "max_component")}
    # The executors' Python workers must be this interpreter (the one with
    # storyhash installed), not whichever `python3` is first on the PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("storyhash")
    if args.master:
        builder = builder.master(args.master)
        if args.master.startswith("local"):
            # One machine: a few shuffle partitions per core, not 200.
            builder = builder.config("spark.sql.shuffle.partitions", "8").config("spark.driver.memory", "4g")
    spark = builder.getOrCreate()
    started = time.perf_counter()
    try:
        df = job.read(spark, args.inputs, opts)
        out = job.cluster(df, max_component=args.max_component, **opts)
        job.write(out, args.output)
    except StoryhashError as e:
        print(f"storyhash: {e}", file=sys.stderr)
        return 1
    finally:
        if not args.quiet:
            print(f"storyhash.spark: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
