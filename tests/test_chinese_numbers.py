import pytest

from transforms.chinese_numbers import parse_chinese_number, parse_number

CASES = [
    ("三百六十万", 3_600_000),
    ("二千零四十六万三千五百零八", 20_463_508),
    ("二万○五十", 20_050),
    ("二万〇五十", 20_050),
    ("两千万", 20_000_000),
    ("四万五", 45_000),
    ("千二万", 12_000_000),
    ("千万", 10_000_000),
    ("贰拾叁万肆仟伍佰陆拾柒", 234_567),
    ("肆万捌仟", 48_000),
    ("壹拾捌萬柒仟參佰零伍", 187_305),
    ("十五", 15),
    ("一百零五", 105),
    ("三百五", 350),
    ("二〇二四", 2024),
    ("一亿零五百万", 105_000_000),
    ("三亿八二四一万五七零九", 382_415_709),
    ("七万零八", 70_008),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_chinese_numerals(text: str, expected: int) -> None:
    assert parse_chinese_number(text) == expected


def test_arabic_with_separators_and_decimals() -> None:
    assert str(parse_number("512,307.65")) == "512307.65"
    assert parse_number("0.45") * 100 == 45


def test_not_a_numeral_is_an_error() -> None:
    with pytest.raises(ValueError, match="not a Chinese numeral"):
        parse_chinese_number("三百块")
