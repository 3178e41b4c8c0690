import pytest

from transforms.normalize import detect_script, normalize


@pytest.mark.parametrize(
    ("text", "variant"),
    [
        ("杭州市慈善总会向灾区捐赠物资。", "simplified"),
        ("香港公益金今年籌得善款，資助長者服務。", "traditional"),
        ("香港公益金今年籌得善款，用于資助長者。", "traditional"),  # a leaked 用于 stays traditional
        ("2026 HK$ 500", "none"),
    ],
)
def test_script_detection(text: str, variant: str) -> None:
    assert detect_script(text) == variant


def test_traditional_to_simplified_keeps_offsets_to_the_original() -> None:
    original = "港九公益金籌得善款(kuǎn)25萬(wàn)元，用於資助長者。"
    normalized = normalize(original, "hk")
    assert normalized.simplified == "港九公益金筹得善款25万元，用于资助长者。"
    start = normalized.simplified.index("25万元")
    s, e = normalized.original_span(start, start + len("25万元"))
    assert original[s:e] == "25萬(wàn)元"


def test_width_and_entities_are_repaired() -> None:
    normalized = normalize("捐款１２０万元&rdquo;")
    assert normalized.simplified == "捐款120万元”"
    assert len(normalized.mapped.origin) == len(normalized.simplified)


def test_taiwan_vocabulary_uses_the_phrase_config() -> None:
    assert normalize("這套軟體由基金會捐贈", "tw").simplified == "这套软件由基金会捐赠"


def test_taiwan_vocabulary_leaves_name_characters_alone() -> None:
    # 矽 (silicon) and 埠 (port) are Taiwan words tw2sp translates; inside a name they stay.
    normalized = normalize("矽峰志工社與商埠協會的軟體", "tw")
    assert normalized.simplified == "矽峰志工社与商埠协会的软件"
    assert len(normalized.mapped.origin) == len(normalized.simplified)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "gbk", "big5"])
def test_undeclared_bytes_are_decoded_with_the_right_charset(encoding: str) -> None:
    from transforms.encoding import decode_text

    text = (
        "港九公益金今年籌得善款，資助長者服務。"
        if encoding == "big5"
        else "杭州市慈善总会今年筹集善款，资助困难群众。"
    )
    decoded, _ = decode_text(text.encode(encoding))
    assert decoded == text
