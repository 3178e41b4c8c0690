"""Normalize Chinese news text to simplified script while keeping a map back to the original.

Every mention found downstream is located in the *simplified* text and reported with offsets
into the *original* text, so a researcher can always highlight the exact characters the site
published.  Each edit step below therefore returns a ``MappedText``: the new text plus, for every
character of it, the index of the original character it came from.
"""

from __future__ import annotations

import importlib.metadata
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

import opencc

from transforms.derived_cache import derived_text, rule_source
from transforms.furniture import blank_furniture

ScriptVariant = Literal["simplified", "traditional", "mixed", "none"]

_PINYIN_LETTERS = "a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# A parenthesised pinyin syllable (with tone marks) injected after a Han character by some
# mirror sites: 善款(kuǎn), 超過(guò), 25萬(wàn)元.  Removed before anything else.
# (This pattern and the last two begin with a plain character set, the character before or the
# first one read again by a lookbehind: the engine then skips text in C rather than trying every
# position; same matches as written the plain way, see tests/test_fast_paths.py.)
_INJECTED_PINYIN = re.compile(rf"[(（](?<=[\u4e00-\u9fff][(（])\s*[{_PINYIN_LETTERS}]{{1,7}}\s*[)）]")
# Variant characters that OpenCC leaves alone but that make a name differ: 褔 for 福.
_VARIANTS = re.compile("[褔衞峯羣眞]")
_VARIANT_TEXT = {"褔": "福", "衞": "卫", "峯": "峰", "羣": "群", "眞": "真"}
# Leftover HTML entities that survive a bad export, e.g. &rdquo;
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6});")
_ENTITY_TEXT = {"&rdquo;": "”", "&ldquo;": "“", "&nbsp;": " ", "&amp;": "&", "&quot;": '"'}
# Markup fragments left in exported text.
_LEFTOVER_MARKUP = re.compile(r"\]\]>|<!\[CDATA\[|</?(?:p|br|span|div|strong|b|font)\s*/?>", re.I)
# Mojibake where a quotation mark stood: a run of ?, ! or ; (a broken multi-byte quote).  It is
# read as one neutral quote so it neither ends a sentence nor glues to a number.
_MOJIBAKE_QUOTE = re.compile(
    r"[?？!！;；](?:(?<=[?？])[?？]+[!！;；?？]*|(?<=[!！;；])[?？]{2,}[!！;；?？]*)"
)
# Doubled or clashing punctuation from careless editing: ,, ,。 ,、
_DOUBLED_COMMA = re.compile(r"[,，](?:[,，]*(?=[,，。、；])|(?<=[，,][,，])[,，]*)")


# What any of the repairs above needs in the text (each alternative is necessary for one of
# them), in one scan: a text without it is left as it is without running each repair.  The
# pattern begins with a plain character set, which the engine skips text with in C; each
# alternative then asks by a lookbehind which character the set matched.
_REPAIR_HINT = re.compile(
    r"[(（&<\]褔衞峯羣眞?？!！;；,，]"
    rf"(?:(?<=[(（])\s*[{_PINYIN_LETTERS}]|(?<=&)[a-zA-Z#]|(?<=<)|(?<=\])\]>|(?<=[褔衞峯羣眞])"
    r"|(?<=[?？!！;；])[?？]|(?<=[,，])[,，。、；])"
)


@dataclass(frozen=True, slots=True)
class MappedText:
    """Text plus, for each character, the offset of the original character it stands for."""

    text: str
    origin: Sequence[int]  # a range while nothing has moved (indexes and slices as a tuple)
    original_length: int

    @classmethod
    def identity(cls, text: str) -> MappedText:
        return cls(text, range(len(text)), len(text))

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the half-open span [start, end) of this text back to the original."""
        if start >= end:
            pos = self.origin[start] if start < len(self.origin) else self.original_length
            return pos, pos
        return self.origin[start], self.origin[end - 1] + 1

    def replace(self, pattern: re.Pattern[str], repl: dict[str, str] | str) -> MappedText:
        """Replace matches of ``pattern``; replacement characters map to the match start."""
        if pattern.search(self.text) is None:
            return self
        pieces: list[str] = []
        origin: list[int] = []
        last = 0
        for match in pattern.finditer(self.text):
            pieces.append(self.text[last : match.start()])
            origin.extend(self.origin[last : match.start()])
            new = repl if isinstance(repl, str) else repl.get(match.group(0), "")
            pieces.append(new)
            origin.extend([self.origin[match.start()]] * len(new))
            last = match.end()
        pieces.append(self.text[last:])
        origin.extend(self.origin[last:])
        return MappedText("".join(pieces), tuple(origin), self.original_length)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    original: str
    simplified: str
    variant: ScriptVariant
    mapped: MappedText

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.mapped.original_span(start, end)


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@cache
def _one_script_characters() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Patterns for the Han characters that t2s changes (traditional-only) and that s2t changes
    (simplified-only), kept between processes (deriving them converts 20,000 characters twice)."""
    inputs = (importlib.metadata.version("OpenCC").encode(), rule_source(_derive_one_script_characters))
    traditional, simplified = derived_text("one-script-han", inputs, _derive_one_script_characters).split(
        "\n"
    )
    return re.compile(f"[{traditional}]"), re.compile(f"[{simplified}]")


def _derive_one_script_characters() -> str:
    """The traditional-only characters, a line break, the simplified-only ones: each character
    converted on its own line, so no phrase rule applies."""
    han = [chr(code) for code in range(0x4E00, 0xA000)]
    joined = "\n".join(han)
    to_simplified = _converter("t2s").convert(joined).split("\n")
    to_traditional = _converter("s2t").convert(joined).split("\n")
    traditional = "".join(ch for ch, simple in zip(han, to_simplified, strict=True) if simple != ch)
    simplified = "".join(ch for ch, trad in zip(han, to_traditional, strict=True) if trad != ch)
    return f"{traditional}\n{simplified}"


@lru_cache(maxsize=8)
def _script_counts(text: str) -> tuple[int, int]:
    """Han characters that t2s would change (traditional-only) and that s2t would change
    (simplified-only); (0, 0) when none is traditional-only.  Cached for the last few texts:
    locale guessing and normalization both ask about the same one."""
    traditional, simplified = _one_script_characters()
    traditional_only = len(traditional.findall(text))
    if traditional_only == 0:
        return 0, 0  # simplified-only characters then decide nothing: not counted
    return traditional_only, len(simplified.findall(text))


def detect_script(text: str) -> ScriptVariant:
    """Classify text by the Han characters that differ between the two scripts.

    Counting characters that change under t2s (traditional-only) and under s2t (simplified-only)
    is robust to the leaks real pages have (用于 inside traditional text).
    """
    if _HAN_RUN.search(text) is None:
        return "none"
    traditional_only, simplified_only = _script_counts(text)
    if traditional_only == 0 and simplified_only == 0:
        return "simplified"
    share = traditional_only / (traditional_only + simplified_only)
    # Leaks (用于, 并 in traditional text) are a few percent of a real article; a mix well beyond
    # that is a page assembled from both scripts.
    if share >= 0.7:
        return "traditional"
    if share <= 0.3:
        return "simplified"
    return "mixed"


def _has_traditional(text: str) -> bool:
    return _script_counts(text)[0] > 0


# Full-width digits, Latin letters, ．and ＄ to half width; the ideographic space to a space.
_WIDTH = str.maketrans(
    {
        **{chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF10, 0xFF1A)},
        **{chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF21, 0xFF3B)},
        **{chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF41, 0xFF5B)},
        "．": ".",
        "＄": "$",
        "\u3000": " ",
    }
)
_WIDE_CHARACTER = re.compile(
    "[" + "".join(sorted(ch for ch in map(chr, _WIDTH) if ch != "\u3000")) + "\u3000]"
)
# A thousands separator typed full width or as a Chinese comma: ５０，０００, 50，000.
# (Each written to begin with the comma, the digit before it read by a lookbehind: a first
# character the engine can skip to makes the scan several times faster, same matches.)
_WIDE_SEPARATOR = re.compile(r"[，,](?<=[0-9０-９][，,])(?=[0-9０-９]{3}(?![0-9０-９]))")
_CHINESE_COMMA_SEPARATOR = re.compile(r"，(?<=[0-9０-９]，)(?=[0-9０-９]{3}(?![0-9０-９]))")


def _fold_width(mapped: MappedText) -> MappedText:
    """Full-width digits, Latin letters and money signs to half width (same length)."""
    if _WIDE_CHARACTER.search(mapped.text) is None and _CHINESE_COMMA_SEPARATOR.search(mapped.text) is None:
        # The usual case (half-width 50,000 needs nothing): translating costs more than looking.
        return mapped
    # Only the runs of wide characters are translated: str.translate looks every character up.
    text = _WIDE_RUN.sub(_fold_run, _WIDE_SEPARATOR.sub(",", mapped.text))
    return MappedText(text, mapped.origin, mapped.original_length)


_WIDE_RUN = re.compile(_WIDE_CHARACTER.pattern + "+")


def _fold_run(run: re.Match[str]) -> str:
    return run.group().translate(_WIDTH)


# Characters that are standard in simplified script for names (通用规范汉字表) but that OpenCC
# folds into another (昇 → 升), and characters that t2s keeps but tw2sp translates as Taiwan
# vocabulary rather than script (矽 silicon → 硅, 埠 port → 端口), which would rename 矽品…:
# hidden behind private-use stand-ins while converting.
_NAME_CHARACTERS = "昇矽埠"
_HIDE = str.maketrans({ch: chr(0xE000 + i) for i, ch in enumerate(_NAME_CHARACTERS)})
_SHOW = str.maketrans({chr(0xE000 + i): ch for i, ch in enumerate(_NAME_CHARACTERS)})


def _opencc(config: str, text: str) -> str:
    if not any(ch in text for ch in _NAME_CHARACTERS):
        return _converter(config).convert(text)  # the usual case: nothing to hide
    return _converter(config).convert(text.translate(_HIDE)).translate(_SHOW)


def _convert_script(mapped: MappedText, config: str) -> MappedText:
    """Convert with OpenCC line by line, keeping a per-character map where lengths agree.

    Character configs keep length; phrase configs (tw2sp, hk2s) occasionally do not.  For such a
    line the map is stretched proportionally, which keeps every span inside the right line.
    """
    # One call for the whole text: OpenCC's phrases hold no line break, so its conversion is the
    # lines' conversions joined (one call costs about half as much as one per line).
    whole = _opencc(config, mapped.text)
    if config == "t2s" and len(whole) == len(mapped.text):
        # t2s maps phrases to phrases of the same length, so the map stays exact.
        return MappedText(whole, mapped.origin, mapped.original_length)
    lines = mapped.text.splitlines(keepends=True)
    converted_lines = whole.splitlines(keepends=True)
    if len(converted_lines) != len(lines) or any(
        a[-1:] != b[-1:] for a, b in zip(lines, converted_lines, strict=True)
    ):
        converted_lines = [_opencc(config, line) for line in lines]  # never seen; kept safe
    elif all(len(a) == len(b) for a, b in zip(lines, converted_lines, strict=True)):
        return MappedText(whole, mapped.origin, mapped.original_length)  # every line kept its length
    out: list[str] = []
    origin: list[int] = []
    pos = 0
    for line, converted in zip(lines, converted_lines, strict=True):
        line_origin = mapped.origin[pos : pos + len(line)]
        if len(converted) == len(line):
            origin.extend(line_origin)
        else:
            for i in range(len(converted)):
                origin.append(line_origin[min(len(line) - 1, i * len(line) // len(converted))])
        out.append(converted)
        pos += len(line)
    return MappedText("".join(out), tuple(origin), mapped.original_length)


def opencc_config(variant: ScriptVariant, locale: str | None) -> str:
    """Phrase-aware configs for Taiwan and Hong Kong vocabulary, plain t2s otherwise."""
    if variant == "simplified" or variant == "none":
        return "t2s"
    if locale == "tw":
        return "tw2sp"
    if locale in ("hk", "mo"):
        return "hk2s"
    return "t2s"


def normalize(text: str, locale: str | None = None, plain_text: bool = False) -> NormalizedText:
    """Repair noise and convert ``text`` to simplified script, keeping offsets to ``text``.

    ``plain_text``: the text is a whole page as plain text, so furniture lines (menus, footers,
    related headlines) are blanked first; blanking keeps the length, so offsets still hold.
    """
    mapped = MappedText.identity(text)
    if plain_text:
        mapped = MappedText(blank_furniture(text), mapped.origin, len(text))
    if _REPAIR_HINT.search(mapped.text) is not None:  # most texts need none of these repairs
        mapped = mapped.replace(_INJECTED_PINYIN, "")
        mapped = mapped.replace(_ENTITY, _ENTITY_TEXT)
        mapped = mapped.replace(_LEFTOVER_MARKUP, "")
        mapped = mapped.replace(_VARIANTS, _VARIANT_TEXT)
        mapped = mapped.replace(_MOJIBAKE_QUOTE, '"')
        mapped = mapped.replace(_DOUBLED_COMMA, "")
    mapped = _fold_width(mapped)
    variant = detect_script(text)
    # Simplified text with traditional leaks (萬, 億, 約 in a pasted quote) is converted too:
    # t2s leaves simplified characters alone.
    if variant in ("traditional", "mixed") or (variant == "simplified" and _has_traditional(text)):
        mapped = _convert_script(mapped, opencc_config(variant, locale))
    return NormalizedText(original=text, simplified=mapped.text, variant=variant, mapped=mapped)


def to_simplified(text: str) -> str:
    """Plain character conversion, for names and short strings."""
    return _opencc("t2s", text)


def to_traditional(text: str) -> str:
    return _converter("s2t").convert(text)
