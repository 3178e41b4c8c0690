"""Parse Chinese numerals: everyday (三百六十), formal cheque digits (叁拾), 两/〇/零, and the
colloquial shortenings 四万五 (= 45,000) and 千二 (= 1,200)."""

from __future__ import annotations

from decimal import Decimal

DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "洞": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "貳": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "叁": 3,
    "參": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "陸": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
SMALL_UNITS: dict[str, int] = {
    "十": 10,
    "拾": 10,
    "百": 100,
    "佰": 100,
    "千": 1000,
    "仟": 1000,
}
BIG_UNITS: dict[str, int] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}

NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)


def _section(text: str) -> int:
    """Value of a run below 万 such as 三千五百零八, 十五, 千二 (= 1200), 四万五's 五."""
    total = 0
    digit: int | None = None
    last_unit = 0
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in SMALL_UNITS:
            unit = SMALL_UNITS[ch]
            total += (1 if digit is None else digit) * unit
            digit = None
            last_unit = unit
        else:
            raise ValueError(f"not a Chinese numeral character: {ch!r} in {text!r}")
    if digit is not None:
        # A trailing digit right after a unit is one order below it: 千二 = 1200, 三百五 = 350.
        # After 零 it is units (三百零五 = 305).
        if last_unit and not text.endswith(tuple("零〇○")) and text[-2] not in "零〇○":
            total += digit * last_unit // 10
        else:
            total += digit
    return total


def parse_chinese_number(text: str) -> int:
    """Parse an integer written in Chinese numerals (二千零四十六万三千五百零八 → 20463508)."""
    if not text:
        raise ValueError("empty numeral")
    if all(ch in DIGITS for ch in text) and len(text) > 1:
        # Digit-by-digit form, e.g. 二〇二四.
        return int("".join(str(DIGITS[ch]) for ch in text))
    total = 0
    rest = text
    for big_char, big_value in (
        ("亿", 100_000_000),
        ("億", 100_000_000),
        ("万", 10_000),
        ("萬", 10_000),
    ):
        if big_char in rest:
            head, rest = rest.split(big_char, 1)
            head_value = parse_chinese_number(head) if head else 1
            total += head_value * big_value
            if rest and all(ch in DIGITS for ch in rest) and len(rest) == 1 and rest not in "零〇○":
                # 四万五 = 45,000: a lone digit after 万/亿 is one order below it.
                return total + DIGITS[rest] * big_value // 10
    if rest:
        if len(rest) == 4 and all(ch in DIGITS for ch in rest):
            # A full group of four digits read one by one below 万/亿
            # (四亿九三七七万四六六三 = 493,774,663); shorter runs stay spoken forms.
            total += int("".join(str(DIGITS[ch]) for ch in rest))
        else:
            total += _section(rest)
    return total


def parse_number(text: str) -> Decimal:
    """Parse Arabic digits (with separators and decimals) or Chinese numerals."""
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "")
    if cleaned and (cleaned[0].isdigit() or cleaned[0] == "."):
        return Decimal(cleaned)
    return Decimal(parse_chinese_number(cleaned))
