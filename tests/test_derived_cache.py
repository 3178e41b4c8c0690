"""Tables derived from big inputs are kept between processes, named by all they come from."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from transforms import derived_cache, normalize, regions


class Deriver:
    def __init__(self, text: str = "甲\n乙") -> None:
        self.text, self.calls = text, 0

    def __call__(self) -> str:
        self.calls += 1
        return self.text


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHARITYNEWS_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_a_text_is_derived_once_and_read_back_after(cache: Path) -> None:
    derive = Deriver()
    assert derived_cache.derived_text("kind", [b"input"], derive) == "甲\n乙"
    assert derived_cache.derived_text("kind", [b"input"], derive) == "甲\n乙"
    assert derive.calls == 1
    assert len(list(cache.glob("kind-*.txt"))) == 1


def test_other_inputs_name_another_file(cache: Path) -> None:
    derive = Deriver()
    derived_cache.derived_text("kind", [b"ab", b"c"], derive)
    derived_cache.derived_text("kind", [b"a", b"bc"], derive)  # the same bytes, split elsewhere
    derived_cache.derived_text("kind", [b"ab", b"c", b""], derive)
    assert derive.calls == 3


@pytest.mark.parametrize("damage", ["cut short", "a byte changed", "another file's header", "empty"])
def test_a_damaged_file_is_derived_again_and_replaced(
    cache: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    derive = Deriver("慈善总会\n基金会\n" * 50)
    derived_cache.derived_text("kind", [b"input"], derive)
    (path,) = cache.glob("kind-*.txt")
    data = bytearray(path.read_bytes())
    if damage == "cut short":
        data = data[:-7]
    elif damage == "a byte changed":
        data[-20] ^= 0x01
    elif damage == "another file's header":
        data[len(derived_cache._FORMAT)] ^= 0x01
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="transforms.derived_cache"):
        assert derived_cache.derived_text("kind", [b"input"], derive) == derive.text
    assert derive.calls == 2 and "deriving it again" in caplog.text
    assert derived_cache.derived_text("kind", [b"input"], derive) == derive.text
    assert derive.calls == 2  # the replaced file is good


def test_without_a_usable_cache_it_derives_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    derive = Deriver()
    monkeypatch.setenv("CHARITYNEWS_CACHE_DIR", "")
    derived_cache.derived_text("kind", [b"input"], derive)
    derived_cache.derived_text("kind", [b"input"], derive)
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")
    monkeypatch.setenv("CHARITYNEWS_CACHE_DIR", str(not_a_directory / "cache"))
    assert derived_cache.derived_text("kind", [b"input"], derive) == "甲\n乙"
    assert derive.calls == 3


def test_only_the_newest_files_of_a_kind_are_kept(cache: Path) -> None:
    for age in range(4):
        old = cache / f"kind-old{age}.txt"
        old.write_bytes(b"")
        os.utime(old, (1_000_000 + age, 1_000_000 + age))
    (cache / "other-kind-old.txt").write_bytes(b"")
    derived_cache.derived_text("kind", [b"input"], Deriver())
    kept = sorted(p.name for p in cache.glob("kind-*.txt"))
    assert len(kept) == derived_cache._FILES_KEPT and "kind-old3.txt" in kept
    assert (cache / "other-kind-old.txt").exists()


def test_the_rule_is_an_input_of_its_name() -> None:
    def one() -> str:
        return "a"

    def other() -> str:
        return "b"

    assert derived_cache.rule_source(one) != derived_cache.rule_source(other)
    # Without its source (an install without .py files) a rule is named by its compiled code.
    namespace: dict[str, object] = {}
    exec("def rule():\n    return 'a'\n", namespace)
    exec("def changed():\n    return 'b'\n", namespace)
    without_source = derived_cache.rule_source(namespace["rule"])  # type: ignore[arg-type]
    assert without_source and without_source != derived_cache.rule_source(namespace["changed"])  # type: ignore[arg-type]


def test_the_kept_tables_equal_the_ones_derived_in_the_process(cache: Path) -> None:
    regions._ordinary_words.cache_clear()
    normalize._one_script_characters.cache_clear()
    try:
        short = {s for r in regions.load_gazetteer().regions.values() for s in r.short_names}
        fresh_words = regions._ordinary_words()  # derived, then kept
        regions._ordinary_words.cache_clear()
        assert regions._ordinary_words() == fresh_words == frozenset(regions._read_ordinary(short))
        assert {"合作", "振兴"} & fresh_words  # our examples: jieba knows them as ordinary words
        traditional, simplified = normalize._one_script_characters()
        normalize._one_script_characters.cache_clear()
        kept = normalize._one_script_characters()
        assert kept[0].pattern == traditional.pattern and kept[1].pattern == simplified.pattern
        assert traditional.search("慈善總會") and not traditional.search("慈善总会")
        assert simplified.search("慈善总会") and not simplified.search("慈善總會")
        assert len(list(cache.glob("*.txt"))) == 2
    finally:
        regions._ordinary_words.cache_clear()
        normalize._one_script_characters.cache_clear()
