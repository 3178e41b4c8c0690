"""The locale of a loose traditional text, read from its own signals."""

import pytest

from transforms.extract import extract_article
from transforms.locale_guess import guess_locale


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("本港多個團體今日籌得善款。", "hk"),
        ("本澳社團向長者派發物資。", "mo"),
        ("縣府社會處發放紅包給弱勢家庭。", "tw"),
        # A Hong Kong, Macau or Taiwan body of the lexicon tells its place when nothing else does.
        ("東華三院年度籌款晚會籌得$1,234,567。", "hk"),
        ("鏡湖醫院慈善會舉行義賣。", "mo"),
        ("中共某某市委號召各界捐款。", "mainland"),
        ("今年籌得善款一百萬元。", "mainland"),  # no signal at all
    ],
)
def test_locale_from_the_text(text: str, locale: str) -> None:
    assert guess_locale(text, "traditional") == locale


def test_a_local_body_makes_a_bare_dollar_local() -> None:
    [amount] = extract_article("東華三院年度籌款晚會籌得$1,234,567。", None).amounts
    assert (amount.value, amount.currency) == (1234567, "HKD")
