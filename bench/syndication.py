"""Syndication quality on our fixtures: copy pairs found, missed and wrongly joined.

    python -m bench.syndication

Two sets, both fictional and written for this project: tests/fixtures/syndication (reports and
their copies: traditional script via OpenCC's Hong Kong and Taiwan phrase conversion, other
boilerplate, an abridged copy, and different reports by the same organizations as decoys) and
the bundled sample sites (their ``syndicated_from`` field is the gold).  Texts go through the
pipeline's own normalization before signatures are made, as in a load.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from transforms.normalize import normalize
from warehouse.syndication import ClusterMember, clusters, minhash

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "syndication" / "articles.toml"


@dataclass(frozen=True)
class Labelled:
    key: str
    report: str  # articles with the same report are copies of one another
    locale: str
    text: str


@dataclass(frozen=True)
class PairScore:
    articles: int
    gold_pairs: int
    found: int
    missed: list[tuple[str, str]]
    wrongly_joined: list[tuple[str, str]]


def fixture_articles() -> list[Labelled]:
    data = tomllib.loads(FIXTURES.read_text("utf-8"))
    return [Labelled(a["id"], a["report"], a["locale"], a["text"]) for a in data["article"]]


def sample_site_articles() -> list[Labelled]:
    registry = tomllib.loads((ROOT / "sample_sites" / "sites.toml").read_text("utf-8"))
    locales = {site["name"]: site["locale"] for site in registry["site"]}
    articles = []
    for path in sorted((ROOT / "sample_sites").glob("*/articles/*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        key = f"{path.parent.parent.name}/{data['slug']}"
        articles.append(
            Labelled(
                key,
                data.get("syndicated_from", key),
                locales[path.parent.parent.name],
                f"{data['title']}\n{data['body']}",
            )
        )
    return articles


def score(articles: Iterable[Labelled]) -> PairScore:
    articles = list(articles)
    members = [
        ClusterMember(i, minhash(normalize(a.text, a.locale).simplified), None)
        for i, a in enumerate(articles)
    ]
    representative = clusters(members)
    found, missed, wrong = 0, [], []
    gold_pairs = 0
    for (i, a), (j, b) in combinations(enumerate(articles), 2):
        same_gold = a.report == b.report
        joined = representative[i] == representative[j]
        gold_pairs += same_gold
        if same_gold and joined:
            found += 1
        elif same_gold:
            missed.append((a.key, b.key))
        elif joined:
            wrong.append((a.key, b.key))
    return PairScore(len(articles), gold_pairs, found, missed, wrong)


def main() -> None:
    print("syndication (MinHash/LSH on simplified text), copy pairs:")
    print(f"  {'set':<14}{'articles':>9}{'gold pairs':>12}{'found':>7}{'missed':>8}{'wrongly joined':>16}")
    for name, articles in (("fixtures", fixture_articles()), ("sample sites", sample_site_articles())):
        s = score(articles)
        print(
            f"  {name:<14}{s.articles:>9}{s.gold_pairs:>12}{s.found:>7}"
            f"{len(s.missed):>8}{len(s.wrongly_joined):>16}"
        )
        for a, b in s.missed:
            print(f"    missed: {a} ~ {b}")
        for a, b in s.wrongly_joined:
            print(f"    wrongly joined: {a} ~ {b}")


if __name__ == "__main__":
    main()
