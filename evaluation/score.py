"""Scoring a system's output against the gold: counts, precision/recall/F1, and every error.

Amounts are matched as a multiset of (value, currency) per article, so a repeated sum must be
found as often as it is written; organizations by canonical name and regions by code, once per
article.  Attributes (approximate, range end, role, conversion, type, region role) are scored
only on matched mentions and reported as accuracy.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from evaluation.corpus import GoldArticle

CENT = Decimal("0.01")


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


@dataclass(frozen=True, slots=True)
class PredictedAmount:
    value: Decimal
    currency: str
    raw: str
    approximate: bool | None = None
    high: Decimal | None = None
    role: str | None = None
    cumulative: bool | None = None
    conversion: bool | None = None

    @property
    def key(self) -> tuple[Decimal, str]:
        return self.value.quantize(CENT), self.currency


@dataclass(slots=True)
class Prediction:
    """One system's output on one article; None for a field the system does not extract."""

    amounts: list[PredictedAmount] | None = None
    organizations: dict[str, str] | None = None  # canonical name → type
    regions: dict[str, str] | None = None  # code → role
    title: str | None = None
    published: str | None = None


@dataclass(slots=True)
class Score:
    fields: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    attributes: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))  # tp=right, fp=wrong
    errors: list[str] = field(default_factory=list)


def _attribute(score: Score, name: str, right: bool) -> None:
    counts = score.attributes[name]
    if right:
        counts.tp += 1
    else:
        counts.fp += 1


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():,f}"


def score_amounts(article: GoldArticle, predicted: list[PredictedAmount], score: Score) -> None:
    gold_by_key: dict[tuple[Decimal, str], list[Any]] = defaultdict(list)
    for g in article.amounts:
        gold_by_key[(g.value.quantize(CENT), g.currency)].append(g)
    pred_by_key: dict[tuple[Decimal, str], list[PredictedAmount]] = defaultdict(list)
    for p in predicted:
        pred_by_key[p.key].append(p)
    counts = score.fields["amounts"]
    for key in gold_by_key.keys() | pred_by_key.keys():
        golds, preds = gold_by_key.get(key, []), pred_by_key.get(key, [])
        matched = min(len(golds), len(preds))
        counts.tp += matched
        for g, p in zip(golds, preds, strict=False):
            if p.approximate is not None:
                _attribute(score, "amount.approximate", p.approximate == g.approximate)
            if p.conversion is not None:
                _attribute(score, "amount.conversion", p.conversion == g.conversion)
            if p.approximate is not None:
                same_high = (p.high is None and g.high is None) or (
                    p.high is not None
                    and g.high is not None
                    and p.high.quantize(CENT) == g.high.quantize(CENT)
                )
                _attribute(score, "amount.range_high", same_high)
            if g.role is not None and p.approximate is not None:
                _attribute(score, "amount.role", p.role == g.role)
                if p.role != g.role:
                    score.errors.append(f"{article.id} amount role: {g.raw} is {g.role}, predicted {p.role}")
            if p.cumulative is not None:
                _attribute(score, "amount.cumulative", p.cumulative == g.cumulative)
        for g in golds[matched:]:
            counts.fn += 1
            score.errors.append(f"{article.id} amount missed: {g.raw} = {_fmt(g.value)} {g.currency}")
        for p in preds[matched:]:
            counts.fp += 1
            score.errors.append(f"{article.id} amount spurious: {p.raw} = {_fmt(p.value)} {p.currency}")


def _score_set(
    article: GoldArticle, name: str, gold: dict[str, str], predicted: dict[str, str], score: Score, label: str
) -> None:
    counts = score.fields[name]
    for key in gold.keys() & predicted.keys():
        counts.tp += 1
        _attribute(score, label, gold[key] == predicted[key])
        if gold[key] != predicted[key]:
            score.errors.append(f"{article.id} {label}: {key} is {gold[key]}, predicted {predicted[key]}")
    for key in sorted(gold.keys() - predicted.keys()):
        counts.fn += 1
        score.errors.append(f"{article.id} {name[:-1]} missed: {key}")
    for key in sorted(predicted.keys() - gold.keys()):
        counts.fp += 1
        score.errors.append(f"{article.id} {name[:-1]} spurious: {key}")


def score_article(
    article: GoldArticle, prediction: Prediction, score: Score, region_names: dict[str, str]
) -> None:
    if prediction.amounts is not None:
        score_amounts(article, prediction.amounts, score)
    if prediction.organizations is not None:
        gold_orgs = {o.name: o.type for o in article.organizations}
        _score_set(article, "organizations", gold_orgs, prediction.organizations, score, "organization.type")
    if prediction.regions is not None:
        gold_regions = {f"{r.code} {r.name}": r.role for r in article.regions}
        predicted = {
            f"{code} {region_names.get(code, '?')}": role for code, role in prediction.regions.items()
        }
        _score_set(article, "regions", gold_regions, predicted, score, "region.role")
    if article.title is not None and prediction.title is not None:
        _attribute(score, "title", prediction.title.strip() == article.title.strip())
    if article.published is not None:
        right = prediction.published == article.published
        _attribute(score, "published", right)
        if not right:
            score.errors.append(
                f"{article.id} published: {article.published}, predicted {prediction.published}"
            )
