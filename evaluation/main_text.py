"""Main text and publication date of fixture pages, ours beside trafilatura (``make eval``).

    python -m evaluation.main_text [--split dev|heldout|both] [--verbose]

The pages in ``evaluation/pages/`` are fictional articles written for this project in the
layouts real charity-news sites use (portal, government TRS, e-paper, blog, Hong Kong, Macau and
Taiwan sites; GBK and Big5 among them); ``gold.toml`` holds each page's body paragraphs and
publication date.  The ``dev`` pages were used while writing the extractor; the ``heldout``
pages (``pages/heldout/``) were written afterwards, in other layouts, and are not used for
tuning.  Scores:

- body F1: character overlap (multiset of non-space characters) between the extracted body and
  the gold paragraphs — precision punishes furniture kept, recall punishes text lost;
- date accuracy: the extracted publication date (day) equals the gold date.

Both systems get the same page: trafilatura the text our decoder produced (so encoding is not
what is compared), ours the bytes and the Content-Type header, as the pipeline does.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from transforms.article import PageError, parse_article
from transforms.encoding import decode_page

PAGES = Path(__file__).resolve().parent / "pages"


@dataclass(frozen=True)
class GoldPage:
    file: str
    url: str
    content_type: str
    title: str
    published: str  # YYYY-MM-DD
    body: tuple[str, ...]

    def raw(self) -> bytes:
        return (PAGES / self.file).read_bytes()


@dataclass(frozen=True)
class Extraction:
    body: str
    published: str | None  # YYYY-MM-DD


SPLITS = {"dev": PAGES / "gold.toml", "heldout": PAGES / "heldout" / "gold.toml"}


def load_gold(path: Path = SPLITS["dev"]) -> list[GoldPage]:
    data = tomllib.loads(path.read_text("utf-8"))
    return [GoldPage(**{**page, "body": tuple(page["body"])}) for page in data["page"]]


def _chars(text: str) -> Counter[str]:
    return Counter(ch for ch in text if not ch.isspace())


def char_f1(predicted: str, gold: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the character multiset overlap."""
    p, g = _chars(predicted), _chars(gold)
    overlap = sum((p & g).values())
    precision = overlap / sum(p.values()) if p else 0.0
    recall = overlap / sum(g.values()) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def ours(page: GoldPage) -> Extraction:
    try:
        article = parse_article(page.url, page.raw(), page.content_type)
    except PageError:
        return Extraction("", None)
    return Extraction(article.body, article.published.date().isoformat() if article.published else None)


def trafilatura_extract(page: GoldPage) -> Extraction:
    import trafilatura

    text = decode_page(page.raw(), page.content_type).text
    try:
        found = trafilatura.extract(text, url=page.url, output_format="json", with_metadata=True)
    except Exception:  # a peer that fails on a page finds nothing there, and the score says so
        return Extraction("", None)
    if not found:
        return Extraction("", None)
    record = json.loads(found)
    return Extraction(record.get("text") or "", (record.get("date") or None))


SYSTEMS: dict[str, Callable[[GoldPage], Extraction]] = {
    "charity-news": ours,
    "trafilatura": trafilatura_extract,
}


@dataclass(frozen=True)
class Score:
    system: str
    f1: list[float]
    precision: list[float]
    recall: list[float]
    dates_right: list[bool]

    def mean(self, values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else 0.0


def score(system: str, pages: list[GoldPage], verbose: bool = False) -> Score:
    extract = SYSTEMS[system]
    f1s, ps, rs, dates = [], [], [], []
    for page in pages:
        found = extract(page)
        p, r, f = char_f1(found.body, "\n".join(page.body))
        date_ok = found.published == page.published
        f1s.append(f)
        ps.append(p)
        rs.append(r)
        dates.append(date_ok)
        if verbose:
            print(
                f"  {system:<13} {page.file:<9} F1 {f:.3f} (P {p:.3f} R {r:.3f})  "
                f"date {found.published or '-':<10} {'ok' if date_ok else 'WRONG, gold ' + page.published}"
            )
    return Score(system, f1s, ps, rs, dates)


def report(split: str, verbose: bool) -> None:
    pages = load_gold(SPLITS[split])
    print(f"\nmain text and date, {split}: {len(pages)} fixture pages ({SPLITS[split].parent.name}/)")
    scores = [score(name, pages, verbose) for name in SYSTEMS]
    print(f"{'system':<14} {'body F1':>8} {'P':>6} {'R':>6} {'date acc':>9}")
    for s in scores:
        date_accuracy = sum(s.dates_right) / len(s.dates_right)
        print(
            f"{s.system:<14} {s.mean(s.f1):8.3f} {s.mean(s.precision):6.3f} {s.mean(s.recall):6.3f} "
            f"{date_accuracy:9.3f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    description = __doc__.split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m evaluation.main_text", description=description)
    parser.add_argument("--split", choices=["dev", "heldout", "both"], default="both")
    parser.add_argument("--verbose", action="store_true", help="one line per page and system")
    args = parser.parse_args(argv)
    for split in ("dev", "heldout") if args.split == "both" else (args.split,):
        report(split, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
