"""``make eval``: score extraction on the real development set, ``<repo>/../shared/realdata/text``.

    python -m evaluation.real_text [--folder PATH] [--json PATH] [--quiet]

That folder holds real page excerpts written by other publishers, with gold organizations,
amounts and regions (its README gives the format and the matching rules, followed here).  It is
not part of the repository: when it is absent the run says so and scores nothing.  Each file is
read through ``charitynews extract --jsonl``'s own path (``extract_file``: detection, locale read
from the text), so the scores are those a user gets.

Rules, as the set's README has them:

- organizations: names NFKC-normalised, whitespace removed, simplified, de-duplicated; strict
  matches the gold ``name``, lenient the name or an alias; recall counts required entries, and a
  prediction matching any entry (required or optional) is no false positive;
- amounts: a multiset match on value (within max(1e-6 × value, 0.5)) and currency (none predicted
  is CNY; a gold currency of null accepts any); optional amounts are neither hits nor misses;
- regions: recall over required codes; a predicted code is right when it is a required or
  optional code, or the province or prefecture above a required code.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = REPO_ROOT.parent / "shared" / "realdata" / "text"
FIELDS = ("org_strict", "org_lenient", "amounts", "regions")
# Groups a file is scored in besides "all": its script, and its locale with its script.
_LOCALE_LABELS = {"mainland": "mainland", "hk": "HK", "mo": "MO", "tw": "TW"}


class RealSetError(ValueError):
    """The folder does not hold a readable development set."""


@dataclass(frozen=True, slots=True)
class GoldOrganization:
    name: str
    aliases: tuple[str, ...]
    required: bool


@dataclass(frozen=True, slots=True)
class GoldAmount:
    value: float
    currency: str | None
    optional: bool


@dataclass(frozen=True, slots=True)
class RealDocument:
    file: str
    path: Path
    script: str  # simplified | traditional
    locale: str  # mainland | hk | mo | tw
    variant: str
    published: str | None
    organizations: tuple[GoldOrganization, ...]
    amounts: tuple[GoldAmount, ...]
    required_regions: frozenset[str]
    optional_regions: frozenset[str]

    @property
    def groups(self) -> tuple[str, ...]:
        locale = _LOCALE_LABELS.get(self.locale, self.locale)
        return ("all", self.script, f"{self.script} {locale}")


@dataclass(slots=True)
class RealScore:
    fields: dict[str, SetCounts] = field(default_factory=lambda: {name: SetCounts() for name in FIELDS})
    variant_right: int = 0
    published_right: int = 0
    documents: int = 0


def load_real_set(folder: Path) -> list[RealDocument]:
    """The development set's documents with their gold, in file order."""
    try:
        gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
        sources_text = (folder / "sources.jsonl").read_text(encoding="utf-8")
    except (OSError, json.JSONDecodeError) as exc:
        raise RealSetError(f"{folder}: cannot read gold.json and sources.jsonl ({exc})") from exc
    sources = {}
    for number, line in enumerate(sources_text.splitlines(), 1):
        if line.strip():
            try:
                entry = json.loads(line)
                sources[entry["file"]] = entry
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise RealSetError(f"{folder / 'sources.jsonl'} line {number}: {exc}") from exc
    documents = []
    for file in sorted(gold):
        entry, source = gold[file], sources.get(file, {})
        try:
            documents.append(
                RealDocument(
                    file=file,
                    path=folder / file,
                    script=source.get("script", entry["variant"]),
                    locale=source.get("locale", "mainland"),
                    variant=entry["variant"],
                    published=entry.get("published"),
                    organizations=tuple(
                        GoldOrganization(
                            o["name"], tuple(o.get("aliases", ())), bool(o.get("required", True))
                        )
                        for o in entry.get("organizations", ())
                    ),
                    amounts=tuple(
                        GoldAmount(float(a["value"]), a.get("currency"), bool(a.get("optional", False)))
                        for a in entry.get("amounts", ())
                    ),
                    required_regions=frozenset(entry.get("regions", {}).get("required", ())),
                    optional_regions=frozenset(entry.get("regions", {}).get("optional", ())),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RealSetError(f"{folder / 'gold.json'}: entry {file}: {exc!r}") from exc
    return documents


def organization_key(name: str, to_simplified: Callable[[str], str]) -> str:
    """A name as the rules compare it: NFKC, no whitespace, simplified."""
    return to_simplified("".join(unicodedata.normalize("NFKC", name).split()))


@dataclass(slots=True)
class SetCounts:
    """Precision and recall with their own numerators, as the rules count them: predictions that
    are right over all predictions, and required gold entries found over all required ones."""

    right: int = 0
    predicted: int = 0
    found: int = 0
    required: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.required if self.required else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: SetCounts) -> None:
        self.right += other.right
        self.predicted += other.predicted
        self.found += other.found
        self.required += other.required


@dataclass(frozen=True, slots=True)
class FieldResult:
    counts: SetCounts
    spurious: tuple[str, ...]  # predictions that match nothing
    missed: tuple[str, ...]  # required gold entries not predicted


def score_organizations(
    gold: Sequence[GoldOrganization],
    predicted: Iterable[str],
    lenient: bool,
    to_simplified: Callable[[str], str],
) -> FieldResult:
    names = sorted({organization_key(p, to_simplified) for p in predicted if p.strip()})
    forms = [
        {organization_key(g.name, to_simplified)}
        | ({organization_key(a, to_simplified) for a in g.aliases} if lenient else set())
        for g in gold
    ]
    spurious = tuple(name for name in names if not any(name in f for f in forms))
    found = [g.required and any(name in f for name in names) for g, f in zip(gold, forms, strict=True)]
    missed = tuple(g.name for g, hit in zip(gold, found, strict=True) if g.required and not hit)
    required = sum(g.required for g in gold)
    return FieldResult(
        SetCounts(len(names) - len(spurious), len(names), sum(found), required), spurious, missed
    )


def _amount_matches(gold: GoldAmount, value: float, currency: str | None) -> bool:
    if abs(gold.value - value) > max(1e-6 * abs(gold.value), 0.5):
        return False
    return gold.currency is None or gold.currency == (currency or "CNY")


def score_amounts(gold: Sequence[GoldAmount], predicted: Sequence[tuple[float, str | None]]) -> FieldResult:
    """A prediction matching an optional amount is neither right nor wrong: it is not counted."""
    # Required amounts are matched before optional ones, and an amount with a currency before
    # one that accepts any, so a prediction is not spent on the looser entry.
    free = sorted(range(len(gold)), key=lambda i: (gold[i].optional, gold[i].currency is None))
    counts = SetCounts(required=sum(not g.optional for g in gold))
    spurious = []
    for value, currency in predicted:
        index = next((i for i in free if _amount_matches(gold[i], value, currency)), None)
        if index is None:
            counts.predicted += 1
            spurious.append(f"{_number(value)} {currency or 'CNY'}")
            continue
        free.remove(index)
        if not gold[index].optional:
            counts.predicted += 1
            counts.right += 1
            counts.found += 1
    missed = tuple(
        f"{_number(gold[i].value)} {gold[i].currency or 'any'}" for i in free if not gold[i].optional
    )
    return FieldResult(counts, tuple(spurious), missed)


def score_regions(
    required: frozenset[str], optional: frozenset[str], predicted: Iterable[str]
) -> FieldResult:
    accepted = required | optional
    accepted |= {code[:2] + "0000" for code in required} | {code[:4] + "00" for code in required}
    codes = set(predicted)
    spurious = tuple(sorted(codes - accepted))
    found = len(codes & required)
    return FieldResult(
        SetCounts(len(codes) - len(spurious), len(codes), found, len(required)),
        spurious,
        tuple(sorted(required - codes)),
    )


def _number(value: float) -> str:
    return f"{int(value)}" if value == int(value) else f"{value}"


def score_document(
    document: RealDocument,
    record: Mapping[str, Any],
    scores: dict[str, RealScore],
    errors: list[str],
    to_simplified: Callable[[str], str],
) -> None:
    """Adds one document's counts to each of its groups and its errors to ``errors``."""
    if "error" in record:
        errors.append(f"{document.file} unreadable: {record['error']}")
        record = {}
    names = [o["name"] for o in record.get("organizations", ())]
    results = {
        "org_strict": score_organizations(document.organizations, names, False, to_simplified),
        "org_lenient": score_organizations(document.organizations, names, True, to_simplified),
        "amounts": score_amounts(
            document.amounts, [(float(a["value"]), a.get("currency")) for a in record.get("amounts", ())]
        ),
        "regions": score_regions(
            document.required_regions,
            document.optional_regions,
            [r["code"] for r in record.get("regions", ())],
        ),
    }
    for group in document.groups:
        score = scores.setdefault(group, RealScore())
        score.documents += 1
        score.variant_right += record.get("variant") == document.variant
        score.published_right += record.get("published") == document.published
        for name, result in results.items():
            score.fields[name].add(result.counts)
    errors.extend(_organization_errors(document, results["org_strict"], results["org_lenient"]))
    for name, label in (("amounts", "amount"), ("regions", "region")):
        errors.extend(f"{document.file} {label} spurious: {item}" for item in results[name].spurious)
        errors.extend(f"{document.file} {label} missed: {item}" for item in results[name].missed)
    if record.get("variant") != document.variant:
        errors.append(f"{document.file} variant: {document.variant}, predicted {record.get('variant')}")


def _organization_errors(document: RealDocument, strict: FieldResult, lenient: FieldResult) -> list[str]:
    """Every organization error: a wrong name beside the gold name it overlaps (a boundary
    error), then names that match nothing, required names not found, and names found only
    through an alias (right when lenient, wrong when strict)."""
    file = document.file
    lines = []
    missed = list(lenient.missed)
    for name in lenient.spurious:
        near = next((g for g in missed if _overlap(name, g)), None)
        if near is None:
            lines.append(f"{file} organization spurious: {name}")
        else:
            missed.remove(near)
            lines.append(f"{file} organization wrong: predicted {name}, gold {near}")
    lines.extend(f"{file} organization missed: {name}" for name in missed)
    alias_only = [n for n in strict.spurious if n not in lenient.spurious]
    for name in strict.missed:
        if name not in lenient.missed:
            written = ", ".join(alias_only) or "?"
            lines.append(f"{file} organization alias only (strict miss): predicted {written}, gold {name}")
    return lines


def _overlap(predicted: str, gold: str) -> bool:
    """The two names share their end or one holds the other: one organization, bounded wrongly."""
    return predicted in gold or gold in predicted or (len(predicted) > 3 and predicted[-3:] == gold[-3:])


def evaluate(
    documents: Sequence[RealDocument],
    extract: Callable[[str], Mapping[str, Any]] | None = None,
    to_simplified: Callable[[str], str] | None = None,
) -> tuple[dict[str, RealScore], list[str]]:
    """Scores by group and every error; ``extract`` maps a path to its contract record."""
    if extract is None:
        from transforms.document import extract_file

        def extract(path: str) -> Mapping[str, Any]:
            return extract_file(path)[0]

    if to_simplified is None:
        from transforms.normalize import to_simplified
    scores: dict[str, RealScore] = {}
    errors: list[str] = []
    for document in documents:
        score_document(document, extract(str(document.path)), scores, errors, to_simplified)
    return scores, errors


def _group_order(group: str) -> tuple[int, str]:
    return (0 if group == "all" else 1 if " " not in group else 2, group)


def report(scores: Mapping[str, RealScore], errors: Sequence[str], folder: Path, quiet: bool = False) -> str:
    lines = [f"real development set: {folder}", ""]
    lines.append(f"{'group':<22} {'docs':>4}  {'field':<12} {'P':>6} {'R':>6} {'F1':>6}")
    for group in sorted(scores, key=_group_order):
        score = scores[group]
        for name in FIELDS:
            c = score.fields[name]
            lines.append(
                f"{group:<22} {score.documents:>4}  {name:<12} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"
            )
        lines.append(
            f"{group:<22} {score.documents:>4}  variant {score.variant_right}/{score.documents}, "
            f"published {score.published_right}/{score.documents}"
        )
    if not quiet:
        lines.append("")
        lines.append(f"errors ({len(errors)})")
        lines.extend(f"  {e}" for e in errors)
    return "\n".join(lines)


def as_json(scores: Mapping[str, RealScore]) -> dict[str, Any]:
    return {
        group: {
            name: {"precision": c.precision, "recall": c.recall, "f1": c.f1}
            for name, c in score.fields.items()
        }
        for group, score in scores.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evaluation.real_text", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help="the set's text/ folder")
    parser.add_argument("--json", type=Path, help="also write the scores as JSON")
    parser.add_argument("--quiet", action="store_true", help="the table only, no error list")
    args = parser.parse_args(argv)
    if not (args.folder / "gold.json").is_file():
        print(f"real development set not found at {args.folder}: skipped")
        return 0
    try:
        documents = load_real_set(args.folder)
    except RealSetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    scores, errors = evaluate(documents)
    print(report(scores, errors, args.folder, args.quiet))
    if args.json:
        args.json.write_text(json.dumps(as_json(scores), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
