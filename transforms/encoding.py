"""Decode undeclared Chinese text bytes: UTF-8, GB18030 (GBK/GB2312) or Big5-HKSCS.

A BOM or valid UTF-8 settles it.  Otherwise both legacy decodings are tried: bytes in the wrong
one decode to rare characters, so the decoding whose text holds more of the most common Han
characters (in either script) wins.
"""

from __future__ import annotations

import codecs
from functools import cache

from transforms.normalize import to_traditional

# The most frequent Han characters of news text (simplified forms; traditional added below).
_COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使"
    "点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明"
    "看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料"
    "象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶"
    "善款捐赠慈助乡村振兴帮扶援救灾助学医疗养老基金会募筹万亿元港澳台币"
)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@cache
def _common_set() -> frozenset[str]:
    return frozenset(_COMMON) | frozenset(to_traditional(_COMMON))


def _score(text: str) -> float:
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not han:
        return 0.0
    common = _common_set()
    return sum(ch in common for ch in han) / len(han)


def decode_text(raw: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with; never raises (worst case: replacements)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace"), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in ("gb18030", "big5hkscs"):
        text = raw.decode(encoding, errors="replace")
        candidates.append((-text.count("\ufffd"), _score(text), encoding, text))
    _, _, encoding, text = max(candidates)
    return text, encoding
