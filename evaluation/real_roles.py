"""What each amount means, scored on the real development set (``make eval``).

    python -m evaluation.real_roles [--dir ../shared/realdata/text] [--errors]

Reads ``gold_roles.json`` beside the real texts (the README's section 3) and scores the CLI
contract's ``role``, ``gift``, ``giver`` and ``recipient`` of every amount with its matching rules:

- a predicted amount matches a gold one when the values agree (max(1e-6 × value, 0.5)) and its
  start lies inside the gold ``context``'s span; each is matched at most once;
- role accuracy over matched non-optional gold amounts;
- gift precision/recall/F1: a predicted gift matching a gold gift is a hit, one matching a
  non-gift or nothing is a false gift, a gold gift not predicted as one is a miss;
- giver / recipient accuracy over gold gifts whose giver (recipient) is not null: the prediction
  names the gold organization or one of its aliases (``gold.json``), one of the gold region codes,
  or, where the gold is a word for a kind of party rather than an organization (市民, 企业), any
  prediction of kind ``group``.  Where the gold joins several parties with 、 naming one of them
  counts, and a person's gold name is matched by the person named.

The texts are other publishers' pages: they are read here, never copied into the repository.
When the folder is absent the scorer says so and exits 0, so ``make eval`` runs anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opencc import OpenCC

from transforms.document import extract_file

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata" / "text"
_T2S = OpenCC("t2s")


@dataclass
class RoleScore:
    roles: int = 0
    roles_right: int = 0
    gift_tp: int = 0
    gift_fp: int = 0
    gift_fn: int = 0
    givers: int = 0
    givers_right: int = 0
    recipients: int = 0
    recipients_right: int = 0
    errors: list[str] = field(default_factory=list)

    @staticmethod
    def _share(right: int, total: int) -> float:
        return right / total if total else 1.0

    @property
    def role_accuracy(self) -> float:
        return self._share(self.roles_right, self.roles)

    @property
    def gift_precision(self) -> float:
        return self._share(self.gift_tp, self.gift_tp + self.gift_fp)

    @property
    def gift_recall(self) -> float:
        return self._share(self.gift_tp, self.gift_tp + self.gift_fn)

    @property
    def gift_f1(self) -> float:
        p, r = self.gift_precision, self.gift_recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def giver_accuracy(self) -> float:
        return self._share(self.givers_right, self.givers)

    @property
    def recipient_accuracy(self) -> float:
        return self._share(self.recipients_right, self.recipients)


def _norm(name: str) -> str:
    return _T2S.convert("".join(unicodedata.normalize("NFKC", name).split()))


def _values_agree(predicted: float, gold: float) -> bool:
    return abs(predicted - gold) <= max(1e-6 * abs(gold), 0.5)


def match_amounts(
    text: str, gold: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]
) -> list[int | None]:
    """For each gold amount, the index of the predicted amount it matches (or None)."""
    taken: set[int] = set()
    matches: list[int | None] = []
    for g in gold:
        begin = text.find(g["context"])
        end = begin + len(g["context"])
        found = None
        if begin >= 0:
            for i, p in enumerate(predicted):
                if i not in taken and begin <= p["start"] < end and _values_agree(p["value"], g["value"]):
                    found = i
                    break
        if found is not None:
            taken.add(found)
        matches.append(found)
    return matches


def _party_matches(party: dict[str, Any] | None, gold: str, aliases: dict[str, set[str]]) -> bool:
    if party is None:
        return False
    name = _norm(party["name"])
    parts = [p for p in (gold, *gold.replace(",", "、").split("、")) if p]
    codes = {p for p in parts if p.isdigit()}
    if party.get("code") and party["code"] in codes:
        return True
    if any(name == p or name in aliases.get(p, set()) for p in parts):
        return True
    is_word = not codes and not any(p in aliases for p in parts)
    if is_word and party["kind"] == "group":
        return True
    # A person, place or named body inside a phrase (国家某局 in 国家某局干部职工, 某区 in 某市某区).
    return is_word and len(name) >= 2 and name in gold


def score_file(
    name: str,
    text: str,
    gold: dict[str, Any],
    orgs: list[dict[str, Any]],
    record: dict[str, Any],
    score: RoleScore,
) -> None:
    aliases = {o["name"]: {o["name"], *(_norm(a) for a in o.get("aliases", []))} for o in orgs}
    predicted = record.get("amounts", [])
    score_matched(
        name, gold["amounts"], match_amounts(text, gold["amounts"], predicted), aliases, record, score
    )


def score_matched(
    name: str,
    gold_amounts: Sequence[dict[str, Any]],
    matches: list[int | None],
    aliases: dict[str, set[str]],
    record: dict[str, Any],
    score: RoleScore,
) -> None:
    predicted = record.get("amounts", [])
    matched = {i for i in matches if i is not None}
    for g, i in zip(gold_amounts, matches, strict=True):
        p = predicted[i] if i is not None else None
        where = f"{name} {g['value']:g} «{(g.get('context') or g['raw']).strip()[:24]}»"
        if p is not None and not g["optional"]:
            score.roles += 1
            if p["role"] == g["role"]:
                score.roles_right += 1
            else:
                score.errors.append(f"{where} role {g['role']}, predicted {p['role']}")
        predicted_gift = bool(p and p.get("gift"))
        if g["gift"] and predicted_gift:
            score.gift_tp += 1
        elif g["gift"]:
            score.gift_fn += 1
            score.errors.append(
                f"{where} gift missed (predicted {p and p['role']}, restates {p and p.get('restates')})"
            )
        elif predicted_gift:
            score.gift_fp += 1
            score.errors.append(
                f"{where} false gift (gold {g['role']}, restates {g['restates']}, "
                f"cumulative {g['cumulative']})"
            )
        if not g["gift"]:
            continue
        for side in ("giver", "recipient"):
            if g[side] is None:
                continue
            party = p.get(side) if p else None
            right = _party_matches(party, g[side], aliases)
            if side == "giver":
                score.givers += 1
                score.givers_right += right
            else:
                score.recipients += 1
                score.recipients_right += right
            if not right:
                score.errors.append(f"{where} {side} {g[side]}, predicted {party and party['name']}")
    for i, p in enumerate(predicted):
        if i not in matched and p.get("gift"):
            score.gift_fp += 1
            score.errors.append(f"{name} {p['value']:g} «{p['raw']}» false gift (no gold amount)")


def evaluate(folder: Path) -> RoleScore:
    roles = json.loads((folder / "gold_roles.json").read_text(encoding="utf-8"))
    entities = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    score = RoleScore()
    for name in sorted(roles):
        path = folder / name
        record, document = extract_file(str(path))
        text = document.text if document is not None else ""
        score_file(name, text, roles[name], entities.get(name, {}).get("organizations", []), record, score)
    return score


def evaluate_corpus(split: str = "dev") -> RoleScore:
    """The same scores on our own fictional corpus, over the articles whose gold says what each
    amount means (``gift`` given): amounts are matched by value and written form, in order."""
    import tempfile

    from evaluation.corpus import load_corpus

    score = RoleScore()
    with tempfile.TemporaryDirectory(prefix="charitynews-roles-") as tmp:
        for article in load_corpus((split,)):
            if not article.amounts or any(a.gift is None for a in article.amounts):
                continue
            path = Path(tmp) / f"{article.id}{article.suffix}"
            path.write_bytes(article.encoded())
            record, _ = extract_file(str(path))
            aliases = {o.name: {o.name, *(_norm(s) for s in o.surfaces)} for o in article.organizations}
            gold = [
                {
                    "value": float(a.value),
                    "raw": a.raw,
                    "optional": False,
                    "role": a.role or "other",
                    "gift": a.gift,
                    "restates": a.restates,
                    "cumulative": a.cumulative,
                    "giver": a.giver,
                    "recipient": a.recipient,
                }
                for a in article.amounts
            ]
            score_matched(
                article.id, gold, _match_written(gold, record.get("amounts", [])), aliases, record, score
            )
    return score


def _match_written(gold: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]) -> list[int | None]:
    """Gold amounts of our corpus carry their written form: match value and form, in order."""
    taken: set[int] = set()
    matches: list[int | None] = []
    for g in gold:
        found = next(
            (
                i
                for i, p in enumerate(predicted)
                if i not in taken and _values_agree(p["value"], g["value"]) and p["raw"] == g["raw"]
            ),
            None,
        )
        if found is not None:
            taken.add(found)
        matches.append(found)
    return matches


def report(score: RoleScore, errors: bool, title: str = "") -> str:
    lines = [
        title or "What amounts mean, on real text (../shared/realdata/text/gold_roles.json)",
        f"  role accuracy       {score.role_accuracy:.3f}  ({score.roles_right}/{score.roles})",
        f"  gift precision      {score.gift_precision:.3f}  recall {score.gift_recall:.3f}"
        f"  F1 {score.gift_f1:.3f}  (tp {score.gift_tp}, fp {score.gift_fp}, fn {score.gift_fn})",
        f"  giver accuracy      {score.giver_accuracy:.3f}  ({score.givers_right}/{score.givers})",
        f"  recipient accuracy  {score.recipient_accuracy:.3f}"
        f"  ({score.recipients_right}/{score.recipients})",
    ]
    if errors:
        lines += ["  errors:"] + [f"    {e}" for e in score.errors]
    else:
        lines.append(f"  {len(score.errors)} errors (--errors lists them)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evaluation.real_roles", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="the real text folder")
    parser.add_argument("--errors", action="store_true", help="list every error")
    args = parser.parse_args(argv)
    print(
        report(
            evaluate_corpus("dev"), args.errors, "What amounts mean, on our corpus (dev articles annotated)"
        )
    )
    if not (args.dir / "gold_roles.json").is_file():
        print(f"real-text role evaluation skipped: {args.dir / 'gold_roles.json'} not found")
        return 0
    print(report(evaluate(args.dir), args.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
