"""``make bench``: throughput and memory of normalization plus all extraction, against JioNLP.

    python -m bench [--rounds N]

The texts are the evaluation corpus and the bundled sample articles, as ``charitynews extract``
reads them.  Every system is warmed up first (dictionaries and patterns load once), then
``--rounds`` rounds each make every system read all texts, the systems taking turns every few
articles so that a slow spell of the shared machine falls on both; a system's rate is its median
round in CPU seconds of this process.  Every pass is cold: what our caches learnt from the texts
(tagged windows, sentence stops, per-text lookups) is dropped before it, so each pass does the
work new articles cost; dictionaries and patterns stay loaded, as in a long-running process.
Peak memory is the peak resident set of a fresh process that loads one system and runs it once
over all texts (untimed).
"""

from __future__ import annotations

import argparse
import functools
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path

from evaluation.corpus import load_corpus
from transforms import sentences
from transforms.document import read_document
from transforms.extract import extract_article
from transforms.tagger import forget_tagged_windows

ROOT = Path(__file__).resolve().parent.parent


def corpus_texts() -> list[tuple[str, bool]]:
    """(text, is_plain_text) for every corpus article and sample-site article."""
    texts = []
    for article in load_corpus():
        document = read_document(article.encoded(), article.id + article.suffix)
        texts.append((document.text, not document.is_html))
    for path in sorted((ROOT / "sample_sites").glob("*/articles/*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        texts.append((f"{data['title']}\n{data['body']}", False))
    return texts


def ours(text: str, plain: bool) -> None:
    extract_article(text, None, plain_text=plain)


def jionlp(text: str, plain: bool) -> None:
    from evaluation.peers import jionlp_amounts, jionlp_regions

    jionlp_amounts(text)
    jionlp_regions(text)


def forget_article_caches() -> None:
    """Drop everything our code learnt from texts already seen: the taggers' windows, and every
    bounded cache of ``transforms`` (keyed on a text and an offset; the unbounded ones hold
    dictionaries and patterns, loaded once per process)."""
    forget_tagged_windows()
    sentences._LATEST.clear()
    for name, module in list(sys.modules.items()):
        if not name.startswith("transforms.") or module is None:
            continue
        for value in vars(module).values():
            if (
                isinstance(value, functools._lru_cache_wrapper)
                and value.cache_parameters()["maxsize"] is not None
            ):
                value.cache_clear()


def _round_seconds(system: Callable[[str, bool], None], texts: list[tuple[str, bool]]) -> float:
    """CPU seconds of this process for one pass over ``texts``.  CPU time, not wall time: on a
    shared machine other processes stretch wall time unevenly between systems; every system
    here is single-threaded, so its CPU time is the work it does."""
    # Every pass meets its texts as new ones: what our caches learnt from any text is dropped.
    forget_article_caches()
    started = time.process_time()
    for text, plain in texts:
        system(text, plain)
    return time.process_time() - started


# Articles each system reads in its turn: short turns spread the machine's slow spells evenly
# over the systems (ours reads ten articles in a few hundredths of a second, JioNLP in about
# a quarter of a second).
_TURN = 10


def _interleaved_round(texts: list[tuple[str, bool]]) -> dict[str, float]:
    """CPU seconds each system spends on all texts, the systems taking turns every _TURN
    articles (and every turn cold: see _round_seconds)."""
    spent = dict.fromkeys(SYSTEMS, 0.0)
    for first in range(0, len(texts), _TURN):
        turn = texts[first : first + _TURN]
        for name, system in SYSTEMS.items():
            spent[name] += _round_seconds(system, turn)
    return spent


def _peak_in_fresh_process(name: str) -> float:
    """Peak resident memory (MiB) of a new interpreter that loads one system and runs it once
    over all texts: dictionaries, patterns and working memory together."""
    import resource

    texts = corpus_texts()
    system = SYSTEMS[name]
    if name != "charity-news":
        from evaluation.peers import warm_up

        warm_up()
    for text, plain in texts:
        system(text, plain)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mib(name: str) -> float:
    code = f"from bench.__main__ import _peak_in_fresh_process as p; print(p({name!r}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


SYSTEMS: dict[str, Callable[[str, bool], None]] = {"charity-news": ours, "JioNLP money+location": jionlp}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over all texts per system")
    args = parser.parse_args(argv)
    texts = corpus_texts()
    megabytes = sum(len(t.encode("utf-8")) for t, _ in texts) / 1e6
    print(f"{len(texts)} articles, {megabytes * 1000:.0f} kB of UTF-8 text, {args.rounds} rounds each")
    from transforms.tagger import native_routes

    # The compiled route table is what `make env` builds; without it the tagger is pure Python.
    print("tagger and name scan: " + ("compiled (transforms/_native)" if native_routes() else "pure Python"))
    # Peaks first: on Linux a child's high-water mark starts from its parent's at exec, so they
    # are measured while this process is still small (before it loads any dictionary).
    peaks = {name: _peak_mib(name) for name in SYSTEMS}
    from evaluation.peers import warm_up

    warm_up()
    ours(*texts[0])
    # Within a round the systems take turns every few articles, so a slow spell of the machine
    # hits both; each system's rate is its median round.
    seconds: dict[str, list[float]] = {name: [] for name in SYSTEMS}
    for _ in range(args.rounds):
        for name, spent in _interleaved_round(texts).items():
            seconds[name].append(spent)
    rows = []
    for name in SYSTEMS:
        median = statistics.median(seconds[name])
        rows.append((name, len(texts) / median, megabytes / median, peaks[name], median))
    print(f"{'system':<24} {'articles/s':>11} {'MB/s':>8} {'peak MiB':>9} {'CPU s/pass':>11}")
    for name, per_s, mb_s, peak, median in rows:
        print(f"{name:<24} {per_s:11.1f} {mb_s:8.3f} {peak:9.1f} {median:11.3f}")
    # Each round's ratio has the machine's slow spells in both systems' times; the lowest of
    # them says how reliably the target is met.
    ours_s, theirs_s = seconds.values()
    paired = sorted(t / o for o, t in zip(ours_s, theirs_s, strict=True))
    print(
        f"speed-up of charity-news over JioNLP: {rows[0][1] / rows[1][1]:.1f}x (target >= 15x); "
        f"per round {', '.join(f'{r:.1f}x' for r in paired)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
