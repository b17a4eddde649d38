#!/usr/bin/env python3
"""Python feedparser baseline for Lyssna's ingest benchmark.

Parses every feed file in a directory with feedparser, N times over, and prints one JSON object:

    {"items": <entries parsed, summed over all rounds>, "seconds": <wall time>, "items_per_s": <ratio>,
     "files": <feed files>, "rounds": N, "feedparser": "<version>"}

Only parsing is timed: files are read into memory first, as the Rust side gets bytes from the fetcher.
feedparser runs with its defaults (HTML sanitising and relative-URI resolution on), because that is how
a Python feed reader uses it; that is the baseline the ratio in BENCHMARKS.md refers to.

Usage: feedparser_baseline.py DIR [--rounds N]
"""

import argparse
import json
import os
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", help="directory of feed files (.xml, .rss, .atom, .json)")
    parser.add_argument("--rounds", type=int, default=3, help="times each file is parsed (default 3)")
    args = parser.parse_args()

    try:
        import feedparser  # imported here so a missing module gives a clear message
    except ImportError:
        print("feedparser is not installed (pip install feedparser)", file=sys.stderr)
        return 2

    paths = sorted(
        os.path.join(args.directory, name)
        for name in os.listdir(args.directory)
        if name.endswith((".xml", ".rss", ".atom", ".json"))
    )
    if not paths:
        print(f"no feed files in {args.directory}", file=sys.stderr)
        return 2
    documents = []
    for path in paths:
        with open(path, "rb") as f:
            documents.append(f.read())

    items = 0
    start = time.perf_counter()
    for _ in range(max(args.rounds, 1)):
        for data in documents:
            # response_headers stand in for HTTP: without a base URL feedparser has nothing to resolve
            # relative links against, which would make it do less work than the Rust side.
            parsed = feedparser.parse(
                data, response_headers={"content-location": "https://example.se/feed/",
                                        "content-type": "application/xml"}
            )
            items += len(parsed.entries)
    seconds = time.perf_counter() - start

    print(json.dumps({
        "items": items,
        "seconds": round(seconds, 6),
        "items_per_s": round(items / seconds, 1) if seconds > 0 else None,
        "files": len(documents),
        "rounds": max(args.rounds, 1),
        "feedparser": getattr(feedparser, "__version__", "unknown"),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
