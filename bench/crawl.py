"""``make bench``: crawl throughput (pages/s) with article extraction, beside ``scrapy bench``.

    python -m bench.crawl [--articles N]

Our side: the fixture web (``spiders.fixture_web``: list pages with pagination, a sitemap index
with a gzipped sitemap, RSS and Atom; N articles per site, 6–8 kB fictional pages with
furniture) served from its own process on 127.0.0.1, crawled by ``python -m spiders.crawl
--extract``: robots.txt obeyed, every response written to a raw store and every article parsed
(title, date, main text) in the crawler.  Scrapy bench's side: ``scrapy bench``, which crawls
Scrapy's own local link server and parses nothing.  Both run with Scrapy's default concurrency
(16 requests, 8 per domain) and no download delay: politeness is what a real crawl adds, and it
is not what is measured here.  Both stop after 10 seconds (``CLOSESPIDER_TIMEOUT``, which
``scrapy bench`` sets); pages/s = responses received / the spider's elapsed time, from each
crawl's own final stats.  The two alternate for ``--rounds`` rounds and the medians are compared,
so a machine that is busy for a while slows both.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from spiders.fixture_web import registry_toml

ROOT = Path(__file__).resolve().parent.parent
SPEED_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "LOG_LEVEL": "WARNING",
    "CLOSESPIDER_TIMEOUT": 10,
}


def _ours(articles: int, work: Path) -> tuple[int, float, int]:
    """(responses, seconds, articles extracted) for one crawl of the fixture web."""
    server = subprocess.Popen(
        [sys.executable, "-m", "spiders.fixture_web", "--articles", str(articles)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        registry = work / "sites.toml"
        # The three discovery sites; the encoding and failure sites are for tests, not speed.
        registry.write_text("[[site]]".join(registry_toml(url).split("[[site]]")[:4]), "utf-8")
        stats_path = work / "stats.json"
        data_dir = work / f"data-{len(list(work.glob('data-*')))}"  # a fresh raw store per round
        command = [
            sys.executable,
            "-m",
            "spiders.crawl",
            "--registry",
            str(registry),
            "--data-dir",
            str(data_dir),
            "--extract",
            "--stats-json",
            str(stats_path),
            "--log-level",
            "WARNING",
        ]
        for name, value in SPEED_SETTINGS.items():
            command += ["--set", f"{name}={json.dumps(value)}"]
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        stats = json.loads(stats_path.read_text("utf-8"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return (
        int(stats["response_received_count"]),
        float(stats["elapsed_time_seconds"]),
        int(stats.get("charitynews/extracted", 0)),
    )


_STATS_DUMP = re.compile(r"Dumping Scrapy stats:\s*(\{.*?\})\s*\n\S", re.S)


def _scrapy_bench(work: Path) -> tuple[int, float]:
    """(responses, seconds) from ``scrapy bench``'s final stats."""
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "bench"], cwd=work, capture_output=True, text=True, check=True
    )
    dump = _STATS_DUMP.search(done.stderr + "\nX")
    if not dump:
        raise RuntimeError("scrapy bench printed no stats:\n" + done.stderr[-2000:])
    # The dump is a dict repr with datetime values; only the two numbers are needed.
    text = re.sub(r"datetime\.datetime\([^)]*\)", "None", dump.group(1))
    stats = ast.literal_eval(text)
    return int(stats["response_received_count"]), float(stats["elapsed_time_seconds"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crawl", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles per fixture site (3 sites)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each crawler")
    args = parser.parse_args(argv)
    ours_runs: list[tuple[int, float, int]] = []
    bench_runs: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory(prefix="charitynews-bench-") as tmp:
        work = Path(tmp)
        for _ in range(args.rounds):
            ours_runs.append(_ours(args.articles, work))
            bench_runs.append(_scrapy_bench(work))
    ours_rates = [r / s for r, s, _ in ours_runs]
    bench_rates = [r / s for r, s in bench_runs]
    ours_rate, bench_rate = statistics.median(ours_rates), statistics.median(bench_rates)
    print(f"\ncrawl throughput on 127.0.0.1, {args.rounds} alternating rounds of 10 s each (median)")
    print(f"{'crawler':<40} {'pages/s per round':<26} {'median':>7}")
    rounds = " ".join(f"{r:7.1f}" for r in ours_rates)
    print(f"{'charity-news (raw store + extraction)':<40} {rounds:<26} {ours_rate:7.1f}")
    rounds = " ".join(f"{r:7.1f}" for r in bench_rates)
    print(f"{'scrapy bench (no parsing, no storage)':<40} {rounds:<26} {bench_rate:7.1f}")
    extracted = [e for _, _, e in ours_runs]
    print(f"articles extracted while crawling, per round: {extracted}")
    print(f"ratio charity-news / scrapy bench: {ours_rate / bench_rate:.2f} (target >= 0.8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
