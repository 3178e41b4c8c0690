"""Staging rows: mentions converted to plain dicts exactly as dataclasses.asdict would."""

from dataclasses import asdict, dataclass
from decimal import Decimal

from pipelines.staging import plain
from transforms.extract import extract_article


@dataclass(frozen=True, slots=True)
class _Inner:
    name: str
    share: Decimal | None


@dataclass(frozen=True)
class _Outer:
    inner: _Inner | None
    names: tuple[str, ...]
    parts: list[_Inner]
    extra: dict[str, _Inner]


def test_plain_equals_asdict_on_nested_dataclasses() -> None:
    value = _Outer(
        _Inner("甲", Decimal("1.5")), ("乙", "丙"), [_Inner("丁", None)], {"k": _Inner("戊", None)}
    )
    assert plain(value) == asdict(value)
    assert type(plain(value)["names"]) is tuple  # as asdict keeps it


def test_plain_equals_asdict_on_an_extraction() -> None:
    text = "本报讯 星河慈善基金会向青山县教育局捐赠人民币120万元，用于修缮三所乡村小学。"
    result = extract_article(text, "mainland", None)
    mentions = [*result.amounts, *result.organizations, *result.regions]
    assert mentions  # the sentence names an amount and bodies
    assert [plain(m) for m in mentions] == [asdict(m) for m in mentions]
