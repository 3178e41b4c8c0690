"""The real-set scorer (evaluation/real_text.py) on our own fictional mini-set in a tmp dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation import real_text
from evaluation.real_text import (
    GoldAmount,
    GoldOrganization,
    load_real_set,
    score_amounts,
    score_organizations,
)


def _same(name: str) -> str:
    return name


def _write_set(folder: Path) -> None:
    folder.mkdir()
    (folder / "01.txt").write_text("青禾基金会向云岭县捐赠50万元。", encoding="utf-8")
    (folder / "02.txt").write_text("澄心慈善會捐出港幣3萬元。", encoding="utf-8")
    gold = {
        "01.txt": {
            "variant": "simplified",
            "published": None,
            "amounts": [{"value": 500000, "currency": None, "optional": False}],
            "organizations": [
                {"name": "青禾基金会", "aliases": ["青禾"], "required": True},
                {"name": "云岭县政府", "aliases": [], "required": True},
            ],
            "regions": {"required": ["530000"], "optional": []},
        },
        "02.txt": {
            "variant": "traditional",
            "published": None,
            "amounts": [
                {"value": 30000, "currency": "HKD", "optional": False},
                {"value": 7, "currency": "HKD", "optional": True},
            ],
            "organizations": [{"name": "澄心慈善会", "aliases": [], "required": True}],
            "regions": {"required": ["810000"], "optional": []},
        },
    }
    (folder / "gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    sources = [
        {"file": "01.txt", "script": "simplified", "locale": "mainland"},
        {"file": "02.txt", "script": "traditional", "locale": "hk"},
    ]
    (folder / "sources.jsonl").write_text("\n".join(json.dumps(s) for s in sources), encoding="utf-8")


_PREDICTIONS = {
    "01.txt": {
        "variant": "simplified",
        "published": None,
        "amounts": [{"value": 500000, "currency": "CNY"}, {"value": 12, "currency": "CNY"}],
        "organizations": [{"name": "青禾"}, {"name": "捐赠青禾基金会"}],
        "regions": [{"code": "530000"}, {"code": "110000"}],
    },
    "02.txt": {
        "variant": "traditional",
        "published": None,
        "amounts": [{"value": 30000, "currency": "HKD"}, {"value": 7, "currency": "HKD"}],
        "organizations": [{"name": "澄心慈善會"}],
        "regions": [{"code": "810000"}],
    },
}


def test_scores_and_errors_on_a_fictional_set(tmp_path: Path) -> None:
    folder = tmp_path / "text"
    _write_set(folder)
    documents = load_real_set(folder)
    assert [(d.file, d.locale) for d in documents] == [("01.txt", "mainland"), ("02.txt", "hk")]
    scores, errors = real_text.evaluate(documents, extract=lambda path: _PREDICTIONS[Path(path).name])
    everything = scores["all"].fields
    # Strict: 青禾 is only an alias, 捐赠青禾基金会 is wrong, 澄心慈善會 is right once simplified.
    assert (everything["org_strict"].right, everything["org_strict"].predicted) == (1, 3)
    assert (everything["org_strict"].found, everything["org_strict"].required) == (1, 3)
    # Lenient: the alias finds 青禾基金会 too.
    assert (everything["org_lenient"].right, everything["org_lenient"].found) == (2, 2)
    # The optional HK$7 is neither a hit nor a false positive; 12 yuan is spurious.
    assert (everything["amounts"].right, everything["amounts"].predicted, everything["amounts"].found) == (
        2,
        3,
        2,
    )
    assert (everything["regions"].right, everything["regions"].predicted) == (2, 3)
    assert scores["traditional HK"].fields["org_strict"].f1 == 1.0
    assert scores["simplified mainland"].documents == 1
    assert "01.txt organization wrong: predicted 捐赠青禾基金会, gold 云岭县政府" not in errors
    assert "01.txt organization spurious: 捐赠青禾基金会" in errors
    assert "01.txt organization missed: 云岭县政府" in errors
    assert "01.txt amount spurious: 12 CNY" in errors
    assert "01.txt region spurious: 110000" in errors
    assert any(e.startswith("01.txt organization alias only") and "青禾基金会" in e for e in errors)
    # The report prints a row per group and field and the error list.
    text = real_text.report(scores, errors, folder)
    assert "traditional HK" in text and f"errors ({len(errors)})" in text


def test_a_boundary_error_is_listed_with_the_gold_name() -> None:
    gold = [GoldOrganization("青禾基金会", (), True)]
    result = score_organizations(gold, ["捐赠青禾基金会"], lenient=True, to_simplified=_same)
    assert result.spurious == ("捐赠青禾基金会",) and result.missed == ("青禾基金会",)


@pytest.mark.parametrize(
    ("gold", "predicted", "right"),
    [
        (GoldAmount(2500.0, None, False), (2500.4, "HKD"), 1),  # null currency accepts any, 0.5 tolerance
        (GoldAmount(2500.0, "TWD", False), (2500.0, None), 0),  # no currency is CNY
        (GoldAmount(2500.0, "CNY", False), (2500.0, None), 1),
        (GoldAmount(3e8, None, False), (3e8 + 200, None), 1),  # 1e-6 of the value
        (GoldAmount(3e8, None, False), (3e8 + 400, None), 0),
    ],
)
def test_amount_matching_rule(gold: GoldAmount, predicted: tuple[float, str | None], right: int) -> None:
    assert score_amounts([gold], [predicted]).counts.right == right


def test_absent_folder_is_skipped_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert real_text.main(["--folder", str(tmp_path / "nowhere")]) == 0
    assert "not found" in capsys.readouterr().out


def test_broken_gold_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "text"
    folder.mkdir()
    (folder / "gold.json").write_text("{not json", encoding="utf-8")
    (folder / "sources.jsonl").write_text("", encoding="utf-8")
    assert real_text.main(["--folder", str(folder)]) == 1
    assert "gold.json" in capsys.readouterr().err
