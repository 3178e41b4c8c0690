"""``make eval``: score our extractors and the peers on the annotated corpus.

    python -m evaluation [--split dev|heldout|all] [--no-peers] [--peer-errors] [--json PATH]

Every corpus article is written to a temporary file in its declared encoding and read back
through the same code as ``charitynews extract --jsonl`` (detection, HTML main text, locale read
from the text), so the scores are those of the CLI contract.  Peers get the same article text.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from evaluation.corpus import SPLITS, GoldArticle, load_corpus
from evaluation.score import PredictedAmount, Prediction, Score, score_article
from transforms.document import extract_file
from transforms.gazetteer import load_gazetteer

FIELDS = ("amounts", "organizations", "regions")
PEER_MODULES = ("jionlp", "cpca")  # the `eval` extra (pyproject.toml)


def ours(record: dict[str, Any]) -> Prediction:
    if "error" in record:
        return Prediction(amounts=[], organizations={}, regions={})
    return Prediction(
        amounts=[
            PredictedAmount(
                value=Decimal(str(a["value"])),
                currency=a["currency"],
                raw=a["raw"],
                approximate=a["approximate"],
                high=Decimal(str(a["high"])) if a["high"] is not None else None,
                role=a["role"],
                cumulative=a["cumulative"],
                conversion=a["conversion_of"] is not None,
            )
            for a in record["amounts"]
        ],
        organizations={o["name"]: o["type"] for o in record["organizations"]},
        regions={r["code"]: r["role"] for r in record["regions"]},
        title=record["title"],
        published=record["published"],
    )


def peer_predictions(text: str) -> dict[str, Prediction]:
    from evaluation.peers import cpca_regions, jionlp_amounts, jionlp_regions

    jionlp_money = [PredictedAmount(a.value, a.currency, a.raw) for a in jionlp_amounts(text)]
    return {
        "JioNLP": Prediction(amounts=jionlp_money, regions={c: "mention" for c in jionlp_regions(text)}),
        "cpca": Prediction(regions={c: "mention" for c in cpca_regions(text)}),
    }


def evaluate(articles: Sequence[GoldArticle], with_peers: bool) -> dict[tuple[str, str], Score]:
    """Scores keyed by (split, system)."""
    region_names = {code: r.name for code, r in load_gazetteer().regions.items()}
    scores: dict[tuple[str, str], Score] = {}
    with tempfile.TemporaryDirectory(prefix="charitynews-eval-") as tmp:
        for article in articles:
            path = Path(tmp) / f"{article.id}{article.suffix}"
            path.write_bytes(article.encoded())
            record, document = extract_file(str(path))
            if "error" in record:
                scores.setdefault((article.split, "ours"), Score()).errors.append(
                    f"{article.id} unreadable: {record['error']}"
                )
            predictions = {"ours": ours(record)}
            if with_peers:
                predictions.update(peer_predictions(document.text if document else article.text))
            for system, prediction in predictions.items():
                score = scores.setdefault((article.split, system), Score())
                score_article(article, prediction, score, region_names)
    return scores


def _report(scores: dict[tuple[str, str], Score], articles: Sequence[GoldArticle], peer_errors: bool) -> str:
    lines = []
    per_split = Counter(a.split for a in articles)
    lines.append(
        "corpus: "
        + ", ".join(f"{split} {n} articles" for split, n in per_split.items())
        + f"; gold amounts {sum(len(a.amounts) for a in articles)}, organizations "
        f"{sum(len(a.organizations) for a in articles)}, regions {sum(len(a.regions) for a in articles)}"
    )
    lines.append("")
    lines.append(f"{'split':<8} {'system':<7} {'field':<14} {'P':>6} {'R':>6} {'F1':>6}   tp/fp/fn")
    for (split, system), score in sorted(
        scores.items(), key=lambda kv: (SPLITS.index(kv[0][0]), kv[0][1] != "ours")
    ):
        for name in FIELDS:
            if name not in score.fields:
                continue
            c = score.fields[name]
            lines.append(
                f"{split:<8} {system:<7} {name:<14} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"
                f"   {c.tp}/{c.fp}/{c.fn}"
            )
    lines.append("")
    lines.append("attribute accuracy on matched mentions (ours)")
    for (split, system), score in sorted(scores.items()):
        if system != "ours":
            continue
        parts = [
            f"{name} {c.tp / (c.tp + c.fp):.3f} ({c.tp}/{c.tp + c.fp})"
            for name, c in sorted(score.attributes.items())
            if c.tp + c.fp
        ]
        lines.append(f"  {split}: " + "; ".join(parts))
    for (split, system), score in sorted(scores.items()):
        if system != "ours" and not peer_errors:
            continue
        lines.append("")
        lines.append(f"errors: {system} on {split} ({len(score.errors)})")
        lines.extend(f"  {e}" for e in score.errors)
    return "\n".join(lines)


def _as_json(scores: dict[tuple[str, str], Score]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for (split, system), score in scores.items():
        out.setdefault(split, {})[system] = {
            name: {
                "precision": c.precision,
                "recall": c.recall,
                "f1": c.f1,
                "tp": c.tp,
                "fp": c.fp,
                "fn": c.fn,
            }
            for name, c in score.fields.items()
        }
    return out


def _meaning_scores(articles: Sequence[GoldArticle], splits: Sequence[str]) -> dict[str, Any]:
    """What amounts mean (role, gift, giver, recipient; ``evaluation.real_roles``) on each split
    whose articles carry meaning gold; a split without any says so instead of scoring."""
    from evaluation.real_roles import evaluate_corpus, report

    out: dict[str, Any] = {}
    for split in splits:
        annotated = [
            a
            for a in articles
            if a.split == split and a.amounts and all(m.gift is not None for m in a.amounts)
        ]
        print()
        if not annotated:
            print(f"what amounts mean, {split}: no article of this split has meaning gold; not scored")
            continue
        score = evaluate_corpus(split)
        print(report(score, False, f"what amounts mean, {split} ({len(annotated)} articles annotated)"))
        out[split] = {
            "role_accuracy": score.role_accuracy,
            "gift_precision": score.gift_precision,
            "gift_recall": score.gift_recall,
            "gift_f1": score.gift_f1,
            "giver_accuracy": score.giver_accuracy,
            "recipient_accuracy": score.recipient_accuracy,
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all")
    parser.add_argument("--no-peers", action="store_true", help="score only our extractors")
    parser.add_argument("--peer-errors", action="store_true", help="list the peers' errors too")
    parser.add_argument("--json", type=Path, help="also write the scores as JSON")
    args = parser.parse_args(argv)
    missing = [] if args.no_peers else [p for p in PEER_MODULES if importlib.util.find_spec(p) is None]
    if missing:  # checked before scoring, so the user learns it in a second, not after the run
        print(
            f"python -m evaluation: the peers {', '.join(missing)} are not installed (the `eval` "
            "extra): run `make eval`, which installs them, or pass --no-peers to score only ours",
            file=sys.stderr,
        )
        return 2
    splits = SPLITS if args.split == "all" else (args.split,)
    articles = load_corpus(splits)
    if not articles:
        print("no corpus articles found", file=sys.stderr)
        return 1
    scores = evaluate(articles, with_peers=not args.no_peers)
    print(_report(scores, articles, args.peer_errors))
    meaning = _meaning_scores(articles, splits)
    if args.json:
        args.json.write_text(json.dumps(_as_json(scores) | {"meaning": meaning}, indent=2), encoding="utf-8")
    if not args.no_peers:
        from evaluation.peers import PEER_FAILURES

        for peer, count in PEER_FAILURES.items():
            print(f"note: {peer} raised on {count} text(s); those count as finding nothing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
