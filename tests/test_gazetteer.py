"""The gazetteer's name scan: leftmost-longest, non-overlapping, names at the text's very end."""

from __future__ import annotations

import random

import pytest

from transforms.gazetteer import load_gazetteer


def _leftmost_longest(text: str, names: dict[str, tuple[str, ...]]) -> list[tuple[int, int, str]]:
    """The plain definition, every position and every length tried."""
    hits = []
    position = 0
    while position < len(text):
        for end in range(len(text), position + 1, -1):
            if text[position:end] in names:
                hits.append((position, end, text[position:end]))
                position = end
                break
        else:
            position += 1
    return hits


def test_scan_matches_the_definition_on_random_name_soup() -> None:
    gazetteer = load_gazetteer()
    names = gazetteer.scanner.codes
    pool = sorted(names)
    rng = random.Random(7)
    for _ in range(3000):
        # Pieces of names glued together: prefixes, suffixes and overlaps of real names.
        text = "".join(rng.choice(pool)[rng.randint(0, 1) :] for _ in range(rng.randint(1, 6)))
        got = [(start, end, surface) for start, end, surface, _ in gazetteer.scanner.scan(text)]
        assert got == _leftmost_longest(text, names), text


def test_scan_finds_a_name_that_ends_the_text_and_places_outside_the_gazetteer() -> None:
    scanner = load_gazetteer().scanner
    assert [h[2] for h in scanner.scan("捐给洞口")] == ["洞口"]
    hits = scanner.scan("新北市政府")
    assert [(h[2], h[3]) for h in hits] == [("新北市", ("710000",))]  # Taiwan, not Changzhou's 新北区


def test_places_inside_taiwan_hong_kong_and_macau_are_mentions_of_them() -> None:
    from transforms.extract import extract_article

    text = "善款送往台中与花莲，另拨款给沙田区及氹仔的长者中心。"
    codes = {r.code for r in extract_article(text, "tw").regions}
    assert {"710000", "810000", "820000"} <= codes
    # Too plain to stand for Hong Kong alone: 北区 of a mainland campus, 湾仔 a town of Zhuhai.
    plain = {r.code for r in extract_article("校园北区的食堂和湾仔码头的仓库。", "mainland").regions}
    assert "810000" not in plain


def test_compiled_scan_equals_the_python_scan() -> None:
    """transforms/_native.c's scan against NameScanner's own Python loop, hit for hit (codes
    included), on name soup with other text, astral characters and names cut at the end."""
    scanner = load_gazetteer().scanner
    if scanner.native is None:
        pytest.skip("transforms/_native is not built (no C compiler)")
    pool = sorted(scanner.codes)
    noise = ["，", "捐赠", "a1", "😀", "\n", "市", "县", "区", ""]
    rng = random.Random(13)
    for _ in range(3000):
        pieces = [rng.choice(pool)[rng.randint(0, 2) :] + rng.choice(noise) for _ in range(rng.randint(1, 6))]
        text = "".join(pieces)
        text = text[: rng.randint(0, len(text))]  # a name cut short by the text's end
        assert scanner.scan(text) == scanner._scan_in_python(text), text
    assert scanner.scan("") == []
