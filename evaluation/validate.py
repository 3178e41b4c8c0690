"""Check corpus files against the guideline: ``python -m evaluation.validate [FILE...]``.

Without arguments every file of every split is checked.  Checks the format, that the text fits its
declared encoding, that every gold ``raw`` and surface occurs in the text (amounts in text order),
that region codes and names match the shipped gazetteer, and that the meaning fields agree
(``gift`` follows from role, cumulative and restates).  It never runs an extractor.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from evaluation.corpus import SPLITS, CorpusError, GoldArticle, load_article, load_corpus
from transforms.gazetteer import load_gazetteer
from transforms.meaning import GIVING_ROLES


def problems(article: GoldArticle) -> list[str]:
    """Every guideline breach in ``article`` beyond what loading already checks."""
    found: list[str] = []
    try:
        article.encoded()
    except UnicodeEncodeError as exc:
        bad = article.text[exc.start : exc.end]
        found.append(f"text has {bad!r} at {exc.start}, which {article.encoding} cannot hold")
    position = 0
    for i, amount in enumerate(article.amounts):
        at = article.text.find(amount.raw, position)
        if at < 0:
            where = "anywhere" if amount.raw not in article.text else "after the previous amount"
            found.append(f"amount {i} raw {amount.raw!r} not found {where} (amounts go in text order)")
            continue
        position = at + 1
    found += _meaning_problems(article)
    names = [o.name for o in article.organizations]
    for name in sorted({n for n in names if names.count(n) > 1}):
        found.append(f"organization {name!r} listed twice (one entry per organization)")
    for org in article.organizations:
        if not org.surfaces:
            found.append(f"organization {org.name!r} has no surfaces")
        for surface in org.surfaces:
            if surface not in article.text:
                found.append(f"organization {org.name!r} surface {surface!r} not in the text")
    regions = load_gazetteer().regions
    codes = [r.code for r in article.regions]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        found.append(f"region {code} listed twice (one entry per region)")
    for region in article.regions:
        known = regions.get(region.code)
        if known is None:
            found.append(f"region code {region.code} is not in transforms/data/regions.tsv")
        elif known.name != region.name:
            found.append(f"region {region.code} is {known.name!r} in the gazetteer, not {region.name!r}")
    return found


def _meaning_problems(article: GoldArticle) -> list[str]:
    """The meaning fields agree with each other (GUIDELINES.md, "What amounts mean"): ``gift`` is
    a giving role, not cumulative, restating nothing; ``restates`` points at another amount of
    the list; a conversion restates its original.  Articles whose amounts carry no ``gift`` are
    not annotated for meaning and are skipped."""
    amounts = article.amounts
    if not any(a.gift is not None for a in amounts):
        return []
    found: list[str] = []
    for i, a in enumerate(amounts):
        if a.gift is None:
            found.append(f"amount {i} has no gift while others of the article have one")
            continue
        if a.restates is not None and not (0 <= a.restates < len(amounts) and a.restates != i):
            found.append(f"amount {i} restates {a.restates}, which is not another amount of the list")
        if a.conversion and a.restates is None:
            found.append(f"amount {i} is a conversion but restates nothing")
        expected = a.role in GIVING_ROLES and not a.cumulative and a.restates is None
        if a.gift != expected:
            found.append(
                f"amount {i} gift {str(a.gift).lower()} but its role {a.role!r}, cumulative "
                f"{str(a.cumulative).lower()} and restates {a.restates} make it {str(expected).lower()}"
            )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    paths = list(argv if argv is not None else sys.argv[1:])
    articles: list[GoldArticle] = []
    errors = 0
    try:
        if paths:
            for name in paths:
                path = Path(name)
                split = path.parent.name if path.parent.name in SPLITS else "dev"
                articles.append(load_article(path, split))  # type: ignore[arg-type]
        else:
            articles = load_corpus()
    except CorpusError as exc:
        print(exc)
        return 1
    ids: dict[str, Path] = {}
    for article in articles:
        if article.id in ids:
            print(f"{article.path}: id {article.id} also used by {ids[article.id]}")
            errors += 1
        ids[article.id] = article.path
        for problem in problems(article):
            print(f"{article.path}: {problem}")
            errors += 1
    print(f"{len(articles)} article(s), {errors} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
