"""Main text, title and publication date of HTML pages: ours beside trafilatura and GNE
(``make eval``).

    python -m evaluation.main_text [--set dev|heldout|real|all] [--real DIR] [--verbose]

Three page sets:

- ``dev``: fictional articles in ``evaluation/pages/`` written for this project in the layouts
  real charity-news sites use (portal, government TRS, e-paper, blog, Hong Kong, Macau and Taiwan
  sites; GBK and Big5 among them), used while writing the extractor;
- ``heldout``: more fictional pages (``pages/heldout/``) written afterwards, in other layouts;
- ``real``: stored real pages with hand-copied gold (``../shared/realdata/html/`` beside the
  repository, or ``--real DIR``); skipped with a note when the folder is absent.

Scores per page (``evaluation/text_scores.py``), averaged over pages:

- ``LCS-F1``: main text against the gold, longest common subsequence of the characters with all
  whitespace removed (P and R shown beside it);
- ``snippets``: share of gold snippets found verbatim (whitespace removed).  The fixture pages'
  gold is a list of required paragraphs; the real set's gold is a whole body, not snippets, so
  there each non-empty gold line of 10 or more characters is a snippet (a stricter test: the
  copier's line breaks are kept, so a line must be found whole);
- ``title``: exact after NFKC and whitespace removal;
- ``date``: exact ``YYYY-MM-DD`` over the pages whose gold has a date; pages whose gold date is
  null are left out of ``date`` and counted in ``null→date`` (pages where a date was returned anyway);
- ``lost``: pages where the system raised or returned no text.

Every system gets the same input: the page decoded by our decoder and the page's URL (our
extractor is given the bytes and the Content-Type, as the pipeline does; encoding is not what is
compared).  trafilatura is ``trafilatura.extract`` with metadata, its date from ``htmldate``
(``original_date=True``); GNE is ``GeneralNewsExtractor().extract``, its ``publish_time`` string
read with our date parser.  Our errors are listed page by page: what we returned, what was expected.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from evaluation.text_scores import lcs_f1, same_title, snippet_recall, squeeze
from transforms.article import PageError, parse_article, parse_date
from transforms.encoding import decode_page

PAGES = Path(__file__).resolve().parent / "pages"
REAL_PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "realdata" / "html"
SPLITS = {"dev": PAGES / "gold.toml", "heldout": PAGES / "heldout" / "gold.toml"}
_CRAWLER_LINE = re.compile(rb'^\s*<text\s+id="([^"]*)"')
_SNIPPET_MIN = 10


@dataclass(frozen=True)
class GoldPage:
    path: Path
    url: str
    content_type: str | None
    title: str
    published: str | None  # YYYY-MM-DD, or None when the gold has no date
    body: str
    snippets: tuple[str, ...]

    @property
    def file(self) -> str:
        return self.path.name

    def raw(self) -> bytes:
        return self.path.read_bytes()


@dataclass(frozen=True)
class Extraction:
    body: str
    title: str | None
    published: str | None  # YYYY-MM-DD
    error: str | None = None


def load_gold(path: Path = SPLITS["dev"]) -> list[GoldPage]:
    """Fixture pages: the gold body is the list of the article's paragraphs."""
    data = tomllib.loads(path.read_text("utf-8"))
    return [
        GoldPage(
            path=PAGES / page["file"],
            url=page["url"],
            content_type=page["content_type"],
            title=page["title"],
            published=page["published"],
            body="\n".join(page["body"]),
            snippets=tuple(page["body"]),
        )
        for page in data["page"]
    ]


def load_real(folder: Path = REAL_PAGES) -> list[GoldPage]:
    """Real pages with ``gold.jsonl`` (see the folder's README): whole bodies as gold."""
    pages = []
    for line in (folder / "gold.jsonl").read_text("utf-8").splitlines():
        if not line.strip():
            continue
        gold = json.loads(line)
        path = folder / gold["file"]
        crawled = _CRAWLER_LINE.match(path.read_bytes()[:2048])
        url = crawled.group(1).decode("utf-8", "replace") if crawled and crawled.group(1) else path.as_uri()
        lines = [ln for ln in gold["body"].splitlines() if len(squeeze(ln)) >= _SNIPPET_MIN]
        pages.append(GoldPage(path, url, None, gold["title"], gold["published"], gold["body"], tuple(lines)))
    return pages


def _day(value: object) -> str | None:
    return value.date().isoformat() if hasattr(value, "date") and value is not None else None


def ours(page: GoldPage) -> Extraction:
    try:
        article = parse_article(page.url, page.raw(), page.content_type)
    except PageError as exc:
        return Extraction("", None, None, str(exc))
    return Extraction(article.body, article.title, _day(article.published))


def _decoded(page: GoldPage) -> str:
    return decode_page(page.raw(), page.content_type).text


def trafilatura_extract(page: GoldPage) -> Extraction:
    import htmldate
    import trafilatura

    text = _decoded(page)
    try:
        found = trafilatura.extract(text, url=page.url, output_format="json", with_metadata=True)
        date = htmldate.find_date(text, url=page.url, original_date=True, outputformat="%Y-%m-%d")
    except Exception as exc:  # a peer that fails on a page finds nothing there, and the score says so
        return Extraction("", None, None, f"{type(exc).__name__}: {exc}")
    record = json.loads(found) if found else {}
    return Extraction(record.get("text") or "", record.get("title"), date or None)


def gne_extract(page: GoldPage) -> Extraction:
    from gne import GeneralNewsExtractor

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            found = GeneralNewsExtractor().extract(_decoded(page))
    except Exception as exc:  # as above: a failure is scored as finding nothing
        return Extraction("", None, None, f"{type(exc).__name__}: {exc}")
    published = parse_date(found.get("publish_time") or "")
    return Extraction(found.get("content") or "", found.get("title") or None, _day(published))


SYSTEMS: dict[str, Callable[[GoldPage], Extraction]] = {
    "charity-news": ours,
    "trafilatura": trafilatura_extract,
    "GNE": gne_extract,
}


@dataclass(frozen=True)
class PageScore:
    page: GoldPage
    found: Extraction
    precision: float
    recall: float
    f1: float
    snippets: float

    @property
    def title_right(self) -> bool:
        return same_title(self.found.title, self.page.title)

    @property
    def date_right(self) -> bool | None:
        """Whether the date is right; None when the gold has no date (left out of the score)."""
        return None if self.page.published is None else self.found.published == self.page.published

    @property
    def lost(self) -> bool:
        return self.found.error is not None or not squeeze(self.found.body)


def score_page(page: GoldPage, found: Extraction) -> PageScore:
    precision, recall, f1 = lcs_f1(found.body, page.body)
    return PageScore(page, found, precision, recall, f1, snippet_recall(found.body, page.snippets))


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


@dataclass(frozen=True)
class Summary:
    system: str
    pages: list[PageScore]

    def row(self) -> dict[str, float]:
        dated = [s.date_right for s in self.pages if s.date_right is not None]
        return {
            "LCS-F1": _mean([s.f1 for s in self.pages]),
            "P": _mean([s.precision for s in self.pages]),
            "R": _mean([s.recall for s in self.pages]),
            "snippets": _mean([s.snippets for s in self.pages]),
            "title": _mean([s.title_right for s in self.pages]),
            "date": _mean(dated),
            "null→date": sum(s.page.published is None and s.found.published is not None for s in self.pages),
            "lost": sum(s.lost for s in self.pages),
        }


def run(name: str, pages: list[GoldPage]) -> Summary:
    extract = SYSTEMS[name]
    return Summary(name, [score_page(page, extract(page)) for page in pages])


def _excerpt(text: str | None, size: int = 36) -> str:
    if not text:
        return "∅"
    flat = squeeze(text)
    return flat if len(flat) <= 2 * size else f"{flat[:size]}…{flat[-size:]}"


def print_table(label: str, summaries: list[Summary]) -> None:
    pages = summaries[0].pages
    dated = sum(p.page.published is not None for p in pages)
    print(f"\n{label}: {len(pages)} pages ({dated} with a gold date)")
    columns = ["LCS-F1", "P", "R", "snippets", "title", "date", "null→date", "lost"]
    print(f"{'system':<14}" + "".join(f"{c:>10}" for c in columns))
    for summary in summaries:
        row = summary.row()
        cells = [f"{row[c]:10d}" if isinstance(row[c], int) else f"{row[c]:10.3f}" for c in columns]
        print(f"{summary.system:<14}" + "".join(cells))


def print_errors(summary: Summary, body_floor: float = 0.9) -> None:
    """Each of our errors: page, what we returned, what was expected."""
    errors = []
    for s in summary.pages:
        if s.lost:
            errors.append(f"  {s.page.file}  LOST: {s.found.error or 'no text'}")
        elif s.f1 < body_floor:
            errors.append(
                f"  {s.page.file}  body F1 {s.f1:.3f} (P {s.precision:.3f} R {s.recall:.3f})\n"
                f"      returned {_excerpt(s.found.body)}\n      expected {_excerpt(s.page.body)}"
            )
        if not s.title_right:
            errors.append(f"  {s.page.file}  title    returned {s.found.title!r}  expected {s.page.title!r}")
        if s.date_right is False:
            errors.append(
                f"  {s.page.file}  date     returned {s.found.published}  expected {s.page.published}"
            )
    print(f"our errors ({len(errors)}; body listed below F1 {body_floor}):")
    print("\n".join(errors) if errors else "  none")


def report(label: str, pages: list[GoldPage], verbose: bool) -> list[Summary]:
    summaries = [run(name, pages) for name in SYSTEMS]
    print_table(label, summaries)
    if verbose:
        for i, page in enumerate(pages):
            cells = "  ".join(
                f"{s.system} {s.pages[i].f1:.3f}{'' if s.pages[i].title_right else ' T'}"
                f"{'' if s.pages[i].date_right is not False else ' D'}"
                for s in summaries
            )
            print(f"  {page.file:<14} {cells}")
    print_errors(summaries[0])
    return summaries


def main(argv: Sequence[str] | None = None) -> int:
    description = __doc__.split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m evaluation.main_text", description=description)
    parser.add_argument("--set", choices=["dev", "heldout", "real", "all"], default="all")
    parser.add_argument("--real", type=Path, default=REAL_PAGES, help="folder with gold.jsonl")
    parser.add_argument("--verbose", action="store_true", help="one line per page")
    args = parser.parse_args(argv)
    for split in ("dev", "heldout"):
        if args.set in (split, "all"):
            label = f"fixture pages, {split} ({SPLITS[split].parent.name}/)"
            report(label, load_gold(SPLITS[split]), args.verbose)
    if args.set in ("real", "all"):
        if (args.real / "gold.jsonl").is_file():
            report(f"real pages ({args.real})", load_real(args.real), args.verbose)
        else:
            print(f"\nreal pages: skipped, {args.real / 'gold.jsonl'} not found (see the docstring)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
