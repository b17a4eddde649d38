#!/usr/bin/env python3
"""A plain Python feed poller: the baseline for Lyssna's crawl benchmark (benches/crawl.rs).

What a competent hand-written poller does, and no more: aiohttp fetches the feeds (CONCURRENCY at a
time), sending the ETag / Last-Modified it kept from the last cycle (a 304 costs no parsing);
feedparser parses each fetched body; one compiled regex over title, summary and content finds the
brand; the matching entries of a feed go into SQLite with `executemany`, one transaction per feed,
together with the feed's new validators. The validators live in the same database, so each cycle is
its own process (as each `lyssna crawl` is) and a second run sends conditional GETs.

Usage: poller.py FEEDS_FILE DB --brands "GoMonday,Kaffekompaniet" [--concurrency 16]

FEEDS_FILE holds one URL a line. Prints one JSON object on stdout:
    {"feeds": N, "fetched": N, "not_modified": N, "failed": N, "items": N, "matched": N,
     "parse_seconds": S, "seconds": S, "python": "...", "aiohttp": "...", "feedparser": "..."}
"""

import argparse
import asyncio
import json
import re
import sqlite3
import sys
import time


def open_db(path):
    db = sqlite3.connect(path)
    # WAL as Lyssna uses, so the bytes-written figures compare like with like.
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, etag TEXT, modified TEXT)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS mentions (feed TEXT, guid TEXT, title TEXT, link TEXT,"
        " summary TEXT, published TEXT, PRIMARY KEY (feed, guid))"
    )
    db.commit()
    return db


async def poll(urls, db, pattern, concurrency):
    import aiohttp
    import feedparser

    validators = {u: (e, m) for u, e, m in db.execute("SELECT url, etag, modified FROM feeds")}
    stats = {"feeds": len(urls), "fetched": 0, "not_modified": 0, "failed": 0, "items": 0, "matched": 0,
             "parse_seconds": 0.0, "bozo": 0}
    gate = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=1)

    async def one(session, url):
        etag, modified = validators.get(url, (None, None))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        async with gate:
            try:
                async with session.get(url, headers=headers) as r:
                    if r.status == 304:
                        stats["not_modified"] += 1
                        return
                    if r.status != 200:
                        stats["failed"] += 1
                        return
                    body = await r.read()
                    new_etag = r.headers.get("ETag")
                    new_modified = r.headers.get("Last-Modified")
                    content_type = r.headers.get("Content-Type", "application/xml")
            except (aiohttp.ClientError, asyncio.TimeoutError):
                stats["failed"] += 1
                return
        # Parsing in the event loop, as a simple poller does: the GIL would serialise a thread pool.
        started = time.perf_counter()
        parsed = feedparser.parse(
            body, response_headers={"content-location": url, "content-type": content_type}
        )
        stats["parse_seconds"] += time.perf_counter() - started
        stats["bozo"] += int(bool(parsed.bozo))
        rows = []
        for e in parsed.entries:
            title = e.get("title", "")
            summary = e.get("summary", "")
            # The body too, when the feed has one (content:encoded, Atom content): the summary is
            # often a teaser cut before the sentence that names the brand, and Lyssna reads it all.
            content = " ".join(c.get("value", "") for c in e.get("content", ()))
            if pattern.search(title) or pattern.search(summary) or pattern.search(content):
                rows.append(
                    (url, e.get("id") or e.get("link", ""), title, e.get("link", ""), summary,
                     e.get("published", ""))
                )
        stats["fetched"] += 1
        stats["items"] += len(parsed.entries)
        stats["matched"] += len(rows)
        with db:  # one transaction per feed
            db.executemany("INSERT OR IGNORE INTO mentions VALUES (?, ?, ?, ?, ?, ?)", rows)
            db.execute(
                "INSERT INTO feeds VALUES (?, ?, ?) ON CONFLICT (url) DO UPDATE"
                " SET etag = excluded.etag, modified = excluded.modified",
                (url, new_etag, new_modified),
            )

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(*(one(session, u) for u in urls))
    return stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("feeds_file")
    parser.add_argument("db")
    parser.add_argument("--brands", required=True, help="comma-separated brand names")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    try:
        import aiohttp
        import feedparser
    except ImportError as e:
        print(f"missing module: {e} (pip install aiohttp feedparser)", file=sys.stderr)
        return 2
    with open(args.feeds_file) as f:
        urls = [line.strip() for line in f if line.strip()]
    pattern = re.compile(
        "|".join(re.escape(b.strip()) for b in args.brands.split(",") if b.strip()), re.IGNORECASE
    )
    start = time.perf_counter()
    db = open_db(args.db)
    stats = asyncio.run(poll(urls, db, pattern, args.concurrency))
    db.close()
    stats["seconds"] = round(time.perf_counter() - start, 3)
    stats["parse_seconds"] = round(stats["parse_seconds"], 3)
    stats["python"] = sys.version.split()[0]
    stats["aiohttp"] = aiohttp.__version__
    stats["feedparser"] = getattr(feedparser, "__version__", "unknown")
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
