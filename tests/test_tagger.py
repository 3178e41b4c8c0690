"""The window tagger must agree with jieba's own tagger (posseg, HMM off) word for word."""

from __future__ import annotations

import logging
import os
import pickle
import tomllib
from pathlib import Path

import jieba
import jieba.posseg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms import tagger as tagger_module
from transforms.tagger import WindowTagger

ROOT = Path(__file__).resolve().parent.parent
EXTRA_WORDS = [("慈善总会", 2000, "n"), ("基金会", 2000, "n"), ("凉山州", 3000, "ns"), ("启衡", 3000, "ns")]


def _reference() -> jieba.posseg.POSTokenizer:
    base = jieba.Tokenizer()
    base.initialize()
    for word, frequency, tag in EXTRA_WORDS:
        base.add_word(word, freq=frequency, tag=tag)
    return jieba.posseg.POSTokenizer(base)


def _windows() -> list[str]:
    texts = [
        tomllib.loads(path.read_text("utf-8"))["body"]
        for path in sorted((ROOT / "sample_sites").glob("*/articles/*.toml"))
    ]
    texts.append("2024年凉山州慈善总会向ABC公司、启衡基金会（上海）捐赠US$3,000.5万元。\r\n  第05版 B2")
    # Windows of every length from 1 to 40 at staggered starts, including punctuation and Latin.
    return [text[i : i + 1 + (i * 7) % 40] for text in texts for i in range(0, len(text), 17)]


def test_window_tags_equal_jieba_posseg_without_hmm() -> None:
    ours = WindowTagger(EXTRA_WORDS)
    reference = _reference()
    windows = _windows()
    assert len(windows) > 500
    for window in windows:
        expected = tuple((pair.word, pair.flag) for pair in reference.cut(window, HMM=False))
        assert ours.tag(window) == expected, window


def test_cached_and_fresh_tags_agree() -> None:
    tagger = WindowTagger(EXTRA_WORDS)
    window = "凉山州慈善总会联合启衡基金会"
    first = tagger.tag(window)
    tagger.forget()
    assert tagger.tag(window) == first
    assert ("凉山州", "ns") in first


def test_short_first_windows_find_the_same_name_start_as_whole_windows() -> None:
    """Organization names are delimited on a short tagged window first; jieba's route is scored
    from the right, so a boundary found away from the window's edge must be the whole window's."""
    import random

    from transforms import organizations
    from transforms.gazetteer import load_gazetteer
    from transforms.sentences import clause_bounds

    tagger = organizations._tagger(load_gazetteer().names())
    rng = random.Random(11)
    words = sorted(w for w, f in tagger.frequency.items() if f > 50 and 1 <= len(w) <= 4)
    suffixes = sorted(organizations.SUFFIX_TYPES)
    checked = 0
    for _ in range(3000):
        text = "".join(rng.choice(words) for _ in range(rng.randint(2, 12))) + rng.choice(suffixes)
        for match in organizations._SUFFIX_CHAIN.finditer(text):
            clause_start, _ = clause_bounds(text, match.start())
            window_start = max(clause_start, match.start() - organizations._MAX_NAME)
            whole = organizations._walk_left(text, window_start, match.start(), tagger, frozenset())[0]
            assert organizations._left_boundary(text, match.start(), tagger) == whole, text
            checked += 1
    assert checked >= 3000


# --- The compiled route table (transforms/_native.c) against the same rule in Python ----------

_TAGGER = WindowTagger(EXTRA_WORDS)
# Characters of every kind a window holds: dictionary words' Han characters, Latin letters and
# digits, the symbols jieba keeps in a block (+#&._), punctuation, CR and LF, Han beyond the
# block's range (U+9FD6…), an astral character, and a character outside the BMP's Han.
_HAN = sorted({ch for word in list(_TAGGER.frequency)[:4000] for ch in word if "\u4e00" <= ch <= "\u9fd5"})
_ALPHABET = [
    *_HAN[:300],
    *"慈善总会基金凉山州启衡",
    *"aZ09x+#&._",
    *"，。（）() 、",
    "\r",
    "\n",
    "\u9fd6",
    "\u9fff",
    "😀",
    "é",
]


@pytest.mark.skipif(not _TAGGER.compiled, reason="transforms/_native is not built (no C compiler)")
@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_ALPHABET), max_size=40).map("".join))
def test_compiled_tags_equal_the_python_rule(window: str) -> None:
    assert _TAGGER._tag(window) == _TAGGER._tag_in_python(window)


@pytest.mark.skipif(not _TAGGER.compiled, reason="transforms/_native is not built (no C compiler)")
def test_compiled_routes_equal_the_python_rule_on_dictionary_words() -> None:
    import random

    rng = random.Random(5)
    words = [w for w, f in _TAGGER.frequency.items() if f and len(w) <= 5]
    for _ in range(3000):
        block = "".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        assert _TAGGER._native.route(block) == _TAGGER._route(block), block


def test_the_compiled_table_is_built_in_ci() -> None:
    """`make env` builds it; CI (and any machine with a C compiler) must not fall back silently."""
    if os.environ.get("CI") != "true":
        pytest.skip("checked under CI=true, where `make test` has built it")
    assert _TAGGER.compiled


# --- The built tables' cache -------------------------------------------------------------------


def _cache_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("tagger-*.pickle"))


def test_a_tagger_read_from_its_cache_equals_one_built_from_jieba(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARITYNEWS_CACHE_DIR", str(tmp_path))
    built = WindowTagger(EXTRA_WORDS)
    assert len(_cache_files(tmp_path)) == 1

    def build_again(words: object) -> None:
        raise AssertionError("the tables were built again instead of read")

    monkeypatch.setattr(tagger_module, "build_tables", build_again)
    cached = WindowTagger(EXTRA_WORDS)
    assert cached.frequency == built.frequency
    assert cached._flags == built._flags
    assert cached._log_probability == built._log_probability
    for window in _windows()[:400]:
        assert cached.tag(window) == built.tag(window), window


class _RunsACommand:
    """A pickle that would run a command when loaded by an unrestricted unpickler."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("damage", ["cut short", "not a pickle", "runs a command", "other words"])
def test_a_damaged_cache_file_is_rebuilt_and_never_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    monkeypatch.setenv("CHARITYNEWS_CACHE_DIR", str(tmp_path))
    key = tagger_module._cache_key(EXTRA_WORDS)
    path = tmp_path / f"tagger-{key}.pickle"
    marker = tmp_path / "command-ran"
    if damage == "cut short":
        tagger_module.cached_tables(EXTRA_WORDS)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "not a pickle":
        path.write_bytes(b"\x00 not the tables \xff")
    elif damage == "runs a command":
        path.write_bytes(pickle.dumps(_RunsACommand(marker)))
    else:  # a well-formed file of another word list, under this list's name
        other = tagger_module.build_tables(EXTRA_WORDS[:1])
        stored = ("0" * 32, other.frequency, other.flags, other.total, other.log_probability)
        path.write_bytes(pickle.dumps(stored))
    with caplog.at_level(logging.WARNING, logger="transforms.tagger"):
        tables = tagger_module.cached_tables(EXTRA_WORDS)
    assert "unreadable" in caplog.text and "rebuilding" in caplog.text
    assert not marker.exists()
    assert tables.frequency == _TAGGER.frequency and tables.flags == _TAGGER._flags
    # The file was replaced by good tables: the next process reads them.
    assert tagger_module._read_cache(path, key) == tables


def test_without_a_writable_cache_every_tagger_builds_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")
    monkeypatch.setenv("CHARITYNEWS_CACHE_DIR", str(not_a_directory / "cache"))
    assert tagger_module.cached_tables(EXTRA_WORDS).frequency == _TAGGER.frequency
    monkeypatch.setenv("CHARITYNEWS_CACHE_DIR", "")  # empty: no cache at all
    assert tagger_module.cache_dir() is None
    assert tagger_module.cached_tables(EXTRA_WORDS).flags == _TAGGER._flags


def test_the_cache_is_named_by_every_word_and_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tagger_module._cache_key(EXTRA_WORDS)
    assert tagger_module._cache_key(list(EXTRA_WORDS)) == key
    assert tagger_module._cache_key(EXTRA_WORDS[:-1]) != key
    assert tagger_module._cache_key([*EXTRA_WORDS[:-1], ("启衡", 3001, "ns")]) != key
    assert tagger_module._cache_key([*EXTRA_WORDS[:-1], ("启衡", 3000, "nt")]) != key
    assert tagger_module._cache_key(EXTRA_WORDS[::-1]) != key  # a later add_word of a word wins


def test_old_cache_files_are_removed_past_a_few(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARITYNEWS_CACHE_DIR", str(tmp_path))
    for age in range(6):
        old = tmp_path / f"tagger-old{age}.pickle"
        old.write_bytes(b"")
        os.utime(old, (1_000_000 + age, 1_000_000 + age))
    tagger_module.cached_tables(EXTRA_WORDS)
    kept = {p.name for p in _cache_files(tmp_path)}
    assert len(kept) == tagger_module._CACHE_FILES_KEPT
    assert f"tagger-{tagger_module._cache_key(EXTRA_WORDS)}.pickle" in kept
    assert "tagger-old5.pickle" in kept and "tagger-old0.pickle" not in kept


# --- The compiled table's own cache file (Routes.dumps / Routes.loads) ------------------------

needs_native = pytest.mark.skipif(
    not _TAGGER.compiled, reason="transforms/_native is not built (no C compiler)"
)


def _small_routes() -> object:
    """A table of a few words (built as the tagger builds its own), for byte-level damage."""
    counts = {
        "慈善": 900,
        "慈": 0,
        "慈善总会": 40,
        "慈善总": 0,
        "总会": 300,
        "总": 120,
        "ABC": 7,
        "AB": 0,
        "A": 0,
    }
    flags = {"慈善": "n", "慈善总会": "nt", "总会": "n", "总": "b", "ABC": "eng"}
    tables = tagger_module.Tables.of_counts(counts, flags, sum(counts.values()))
    return tagger_module._native.Routes(tables.log_probability, -7.5, tables.frequency, tables.flags)


@needs_native
def test_a_table_read_back_from_bytes_tags_and_counts_as_the_one_built() -> None:
    built = _TAGGER._native
    blob = built.dumps()
    read = type(built).loads(blob)
    assert read.size() == built.size() and read.dumps() == blob
    for window in _windows()[:600]:
        assert read.tag(window) == built.tag(window) == _TAGGER._tag_in_python(window), window
    for word, count in list(_TAGGER.frequency.items())[::50]:
        assert read.count(word) == count, word
    assert read.count("") == 0 and read.count("不是词也不是前缀ｘ") == 0


@needs_native
def test_counts_and_flags_come_from_the_table_the_python_dicts_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARITYNEWS_CACHE_DIR", str(tmp_path))
    WindowTagger(EXTRA_WORDS)  # builds both cache files
    assert len(list(tmp_path.glob("tagger-*.routes"))) == 1

    def read_tables(words: object, key: object = None) -> None:
        raise AssertionError("the Python tables were read for tagging")

    monkeypatch.setattr(tagger_module, "cached_tables", read_tables)
    fresh = WindowTagger(EXTRA_WORDS)
    assert fresh.tag("凉山州慈善总会联合启衡基金会") == _TAGGER.tag("凉山州慈善总会联合启衡基金会")
    assert (
        fresh.count("基金会") == _TAGGER.frequency["基金会"] and fresh.count("启") == _TAGGER.frequency["启"]
    )


@needs_native
@pytest.mark.parametrize("damage", ["cut short", "a byte changed", "other words", "not ours"])
def test_a_damaged_routes_file_is_rebuilt_and_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    monkeypatch.setenv("CHARITYNEWS_CACHE_DIR", str(tmp_path))
    key = tagger_module._cache_key(EXTRA_WORDS)
    path = tmp_path / f"tagger-{key}.routes"
    tagger_module.cached_routes(EXTRA_WORDS)
    data = bytearray(path.read_bytes())
    if damage == "cut short":
        data = data[: len(data) // 2]
    elif damage == "a byte changed":  # a log-probability: only the digest can tell
        head = len(tagger_module._ROUTES_FORMAT) + 66
        data[head + _layout(bytes(data[head:]))["value"] + 3] ^= 0x5A
        type(_TAGGER._native).loads(bytes(data[head:]))  # loads would take it
    elif damage == "other words":
        data[len(tagger_module._ROUTES_FORMAT)] ^= 1  # the key's first digit
    else:
        data = bytearray(b"\x00 not a table \xff" * 10)
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="transforms.tagger"):
        routes = tagger_module.cached_routes(EXTRA_WORDS)
    assert "unreadable" in caplog.text and "rebuilding" in caplog.text
    assert routes.tag("凉山州慈善总会联合启衡基金会") == _TAGGER.tag("凉山州慈善总会联合启衡基金会")
    assert tagger_module._read_routes(path, key) is not None  # replaced by a good file


@needs_native
def test_loads_refuses_bytes_that_are_not_a_table_and_never_reads_outside_them() -> None:
    import random

    routes = _small_routes()
    blob = routes.dumps()
    loads = type(routes).loads
    assert loads(blob).tag("慈善总会ABC总") == routes.tag("慈善总会ABC总")
    for cut in range(len(blob)):
        with pytest.raises(ValueError):
            loads(blob[:cut])
    with pytest.raises(ValueError):
        loads(blob + b"\x00")
    rng = random.Random(3)
    refused = 0
    for _ in range(3000):
        damaged = bytearray(blob)
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            table = loads(bytes(damaged))
        except ValueError:
            refused += 1
            continue
        # What passes the checks holds only indices inside its arrays: it tags without fault.
        for window in ("慈善总会ABC总", "总会慈善", "ABCD", "慈"):
            table.tag(window)
            table.route(window)
            table.count(window)
    assert refused > 300  # header, slot and index damage is caught by the checks themselves


def _layout(blob: bytes) -> dict[str, int]:
    """Where each array of a stored table starts (the header's sizes, _native.c's order)."""
    import struct

    slots, keys, pool, flag_bytes = struct.unpack_from("<4Q", blob, 16)
    (flags,) = struct.unpack_from("<I", blob, 48)
    at, where = 64, {"slots": slots, "keys": keys, "pool": pool, "flags": flags}
    for name, size in (
        ("slot", 4 * slots),
        ("hash", 8 * keys),
        ("offset", 4 * keys),
        ("length", 4 * keys),
        ("value", 8 * keys),
        ("is_word", keys),
        ("count", 8 * keys),
        ("flag_id", 2 * keys),
        ("code_point", 4 * pool),
        ("names", flag_bytes),
    ):
        where[name] = at
        at += size
    assert at == len(blob)
    return where


@needs_native
def test_loads_refuses_each_index_that_points_outside_its_array() -> None:
    import struct

    routes = _small_routes()
    blob = routes.dumps()
    loads, at = type(routes).loads, _layout(blob)

    def damaged(position: int, packed: bytes) -> bytes:
        return blob[:position] + packed + blob[position + len(packed) :]

    filled = next(i for i in range(at["slots"]) if struct.unpack_from("<I", blob, at["slot"] + 4 * i)[0])
    length = struct.unpack_from("<I", blob, at["length"])[0]
    cases = {
        "a slot past the keys": damaged(at["slot"] + 4 * filled, struct.pack("<I", at["keys"] + 1)),
        "a key past the pool": damaged(at["offset"], struct.pack("<I", at["pool"] - length + 1)),
        "a flag past the names": damaged(at["flag_id"], struct.pack("<H", at["flags"])),
        "as many keys as slots": damaged(24, struct.pack("<Q", at["slots"])),
        "a hash of another build": damaged(at["hash"], struct.pack("<Q", 12345)),
        "the last name unended": blob[:-1] + b"x",
        "a name not in UTF-8": damaged(at["names"], b"\xff"),
        "another byte order": damaged(12, struct.pack(">I", 0x01020304)),
        "another format": damaged(8, struct.pack("<I", 2)),
    }
    for case, data in cases.items():
        with pytest.raises(ValueError):
            loads(data)
        assert len(data) == len(blob) or case == "as many keys as slots", case
    # A changed log-probability points nowhere: the table loads; only the file's digest tells.
    assert loads(damaged(at["value"], b"\x00" * 8)).size() == routes.size()


@needs_native
def test_a_table_is_built_only_from_plain_strings_and_numbers() -> None:
    kind = type(_TAGGER._native)

    class Word(str):
        def __hash__(self) -> int:
            return 1

    with pytest.raises(TypeError):
        kind({Word("慈善"): -1.0}, -9.0)
    half = kind.__new__(kind)
    with pytest.raises(TypeError):
        half.__init__({"慈善": -1.0}, -9.0, {"慈善": -1}, None)  # a negative count
    with pytest.raises(RuntimeError, match="not built"):  # built half-way: refuses, reads nothing
        half.tag("慈善")


@needs_native
def test_an_unbuilt_table_refuses_instead_of_reading_nothing() -> None:
    kind = type(_TAGGER._native)
    empty = kind.__new__(kind)
    for call in (
        lambda: empty.tag("慈善"),
        lambda: empty.route("慈善"),
        lambda: empty.count("慈善"),
        empty.dumps,
    ):
        with pytest.raises(RuntimeError, match="not built"):
            call()


def test_without_the_compiled_table_the_python_rule_tags_from_the_tables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tagger_module, "_native", None)
    in_python = WindowTagger(EXTRA_WORDS)
    assert not in_python.compiled
    for window in _windows()[:300]:
        assert in_python.tag(window) == _TAGGER.tag(window), window
    assert in_python.count("基金会") == _TAGGER.count("基金会") == _TAGGER.frequency["基金会"]
    assert in_python.count("不是词") == 0
