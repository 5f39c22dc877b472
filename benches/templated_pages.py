#!/usr/bin/env python3
"""Wraps the articles of a bench corpus in per-outlet page text, as a
full-page text extraction of a news site gives it: a navigation menu, a
"Most read" box of other articles' headlines, the headline, the article,
related links and a footer, the template longer than the article. Then
runs storyhash on it and scores the near-duplicate groups against the
corpus's gold labels.

usage: benches/templated_pages.py [BIN] [CORPUS.jsonl] [GOLD.csv]
defaults: target/release/storyhash ~/bench-data/c10k.jsonl ~/bench-data/c10k.gold.csv

Everything is generated from the corpus and a fixed seed; no page of any
real site is used.
"""
import json
import os
import random
import subprocess
import sys
import tempfile


def main():
    args = sys.argv[1:]
    binary = args[0] if args else "target/release/storyhash"
    corpus = args[1] if len(args) > 1 else os.path.expanduser("~/bench-data/c10k.jsonl")
    gold = args[2] if len(args) > 2 else os.path.expanduser("~/bench-data/c10k.gold.csv")
    rng = random.Random(3)
    arts = [json.loads(line) for line in open(corpus)]
    by_outlet = {}
    for a in arts:
        by_outlet.setdefault(a.get("source"), []).append(a)
    words = ("news sport business weather traffic opinion obituaries events jobs homes motors "
             "puzzles video photos podcasts newsletters subscribe login contact advertise").split()
    template = {}
    for i, outlet in enumerate(sorted(by_outlet, key=str)):
        r = random.Random(i)
        nav = [" ".join(r.choice(words).title() for _ in range(r.randint(1, 3))) for _ in range(25)]
        footer = [" ".join(r.choice(words) for _ in range(r.randint(12, 30))) + "." for _ in range(8)]
        template[outlet] = (nav, footer)
    with tempfile.TemporaryDirectory() as tmp:
        pages = os.path.join(tmp, "pages.jsonl")
        with open(pages, "w") as out:
            for a in arts:
                nav, footer = template[a.get("source")]
                peers = by_outlet[a.get("source")]
                most_read = [rng.choice(peers)["title"] for _ in range(8)]
                related = [rng.choice(peers)["title"] for _ in range(5)]
                lines = (nav + ["Most read"] + most_read + [a["title"]] + a["text"].split("\n\n")
                         + ["Related stories"] + related + footer)
                out.write(json.dumps(dict(a, text="\n".join(lines))) + "\n")
        clusters = os.path.join(tmp, "clusters.csv")
        subprocess.run([binary, "cluster", "-q", "--no-stories", pages, "-o", clusters], check=True)
        subprocess.run([binary, "eval", clusters, "--gold", gold, "--pred-col", "dup_group",
                        "--gold-col", "dup_group"], check=True)


if __name__ == "__main__":
    main()
