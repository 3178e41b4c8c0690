"""More relation forms of what amounts mean, one table row per rule (fictional sentences in the
forms real reports use; the rules are in transforms/meaning.py and docs/warehouse.md)."""

from __future__ import annotations

from typing import Any

import pytest

from transforms.extract import extract_article
from transforms.meaning import Party


def _read(text: str, locale: str = "mainland") -> list[tuple[Any, ...]]:
    """(raw, role, cumulative, restates, gift) of every amount."""
    return [(a.raw, a.role, a.cumulative, a.restates, a.gift) for a in extract_article(text, locale).amounts]


def _givers(text: str, locale: str = "mainland") -> list[Party | None]:
    return [a.giver for a in extract_article(text, locale).amounts]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "松溪市农业局机关开展爱心活动，紧急募得捐款36万元。",
            [("36万元", "raised", False, None, True)],
            id="a collecting verb before a donation noun: 募得捐款 is raised",
        ),
        pytest.param(
            "青禾科技有限公司决定向灾区捐赠救灾资金200万元。",
            [("200万元", "pledged", False, None, True)],
            id="a decision to give is a pledge",
        ),
        pytest.param(
            "松溪市青少年发展基金会募集物资307万元，已陆续向受灾地区对接发放267万元物资。",
            [("307万元", "in_kind", False, None, True), ("267万元", "disbursed", False, 0, False)],
            id="goods handed out are part of the goods collected",
        ),
        pytest.param(
            "青禾科技有限公司承诺捐赠500万元。\n鹏远建设集团有限公司首批捐款120万元。",
            [("500万元", "pledged", False, None, True), ("120万元", "donated", False, None, True)],
            id="a first tranche is not part of another giver's pledge",
        ),
        pytest.param(
            "青禾科技有限公司承诺捐赠500万元。\n青禾科技有限公司首批捐款120万元。",
            [("500万元", "pledged", False, None, True), ("120万元", "donated", False, 0, False)],
            id="a first tranche is part of its own giver's pledge",
        ),
        pytest.param(
            "松溪市慈善总会今年接收捐赠收入12亿元，其中来自青禾科技有限公司的物资捐赠高达9亿元，"
            "现金捐赠仅占当年收入的四分之一，物资捐赠占比连续三年上升；另一家基金会的捐赠收入也有增长\n"
            "据悉，松溪市慈善总会今年共接收捐赠收入12亿元。\n",
            [
                ("12亿元", "raised", False, None, True),
                ("9亿元", "in_kind", False, 0, False),
                ("12亿元", "raised", False, 0, False),
            ],
            id="a long line of many clauses without a full stop is body text, not a heading",
        ),
        pytest.param(
            "自开展山海协作以来，八年多时间里，松溪市与青川县之间缔结的情谊真挚深厚，松溪市坚持把青川县的事"
            "当自己的事来办，多次组织结对帮扶活动，不遗余力促发展、倾囊相授传经验，与青川县携手并肩战贫困、"
            "建基础、兴产业、抓招商、援医疗，累计投入帮扶资金3亿余元。",
            [("3亿余元", "disbursed", True, None, False)],
            id="a multi-period total whose period opens a long sentence is cumulative",
        ),
        pytest.param(
            "自设立“青禾互助基金”以来，该基金已累计接收各界捐款8000万元。",
            [("8000万元", "raised", False, None, True)],
            id="a fund's own total since it was set up is its as-of total, not cumulative",
        ),
        pytest.param(
            "松溪市各界已向灾区捐款5000万元。\n"
            "灾害给当地群众造成重大损失。\n"
            "在单位捐款中，青禾科技有限公司捐款300万元。",
            [("5000万元", "donated", False, None, True), ("300万元", "donated", False, 0, False)],
            id="在…捐款中 opens a breakdown of a total stated sentences before",
        ),
        pytest.param(
            "Thanks to donors and the public, a record amount of $3,500,000 was raised.",
            [("$3,500,000", "raised", False, None, True)],
            id="an English sentence: was raised",
        ),
        pytest.param(
            "松溪市工商联合会除拨款20万元捐灾区同胞外，还发动会员捐款。",
            [("20万元", "donated", False, None, True)],
            id="拨款…捐灾区: a body's own money set aside to give is a donation",
        ),
        pytest.param(
            "青禾科技有限公司捐款45万元，受资助学生共三年，每年15万元。",
            [("45万元", "donated", False, None, True), ("15万元", "donated", False, 0, False)],
            id="a yearly share of a sum given just before restates it",
        ),
        pytest.param(
            "松溪市慈善总会向青川县拨付助学资金120万元。每名困难学生每年发放助学金3000元。",
            [("120万元", "disbursed", False, None, True), ("3000元", "disbursed", False, 0, False)],
            id="a per-head standard of a programme stated just before is part of it",
        ),
        pytest.param(
            "按照救助标准，每户受灾群众发放临时救助金1500元。",
            [("1500元", "disbursed", False, None, True)],
            id="a per-head standard with no programme sum stays a gift",
        ),
    ],
)
def test_relation_forms(text: str, expected: list[tuple[Any, ...]]) -> None:
    assert _read(text) == expected


def org(name: str) -> Party:
    return Party("organization", name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "青禾科技有限公司总经理一行来到松溪市红十字会，代表公司为灾区捐赠善款30万元。",
            [org("青禾科技有限公司")],
            id="a body visited (来到…) is not the giver",
        ),
        pytest.param(
            "在贫困的甘肃定西，当地中学师生捐赠了平时省吃俭用的2万元。",
            [Party("group", "师生")],
            id="the place setting the scene (在…，) is not the giver",
        ),
        pytest.param(
            "日本歌舞伎大师中村雪之丞捐赠的3万元已送达。",
            [Party("person", "中村雪之丞")],
            id="a five-character name right before 捐",
        ),
    ],
)
def test_givers(text: str, expected: list[Party | None]) -> None:
    assert _givers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "松溪市红十字会向菲律宾捐赠救灾款10万美元。",
            Party("region", "菲律宾"),
            id="a country abroad is a region without a code",
        ),
        pytest.param(
            "台风重创菲律宾中部，菲律宾多地受灾。\n青禾科技有限公司捐赠20万美元。",
            Party("region", "菲律宾"),
            id="the country abroad the article names most is served when no place of China is",
        ),
        pytest.param(
            "青禾科技有限公司向延边朝鲜族自治州捐赠30万元。",
            Party("region", "延边朝鲜族自治州", "222400"),
            id="朝鲜族 is no country",
        ),
    ],
)
def test_countries(text: str, expected: Party) -> None:
    assert extract_article(text).amounts[0].recipient == expected


def test_a_gift_abroad_counts_in_no_province() -> None:
    from warehouse.load import amount_meaning_columns

    abroad = {
        "role": "donated",
        "gift": True,
        "restates": None,
        "giver": None,
        "recipient": {"kind": "region", "name": "菲律宾", "code": None},
    }
    at_home = abroad | {"recipient": {"kind": "region", "name": "定西市", "code": "621100"}}
    nobody = abroad | {"recipient": None}
    provinces = {"621100": "620000"}
    assert (
        amount_meaning_columns(abroad, None, {}, provinces, "330000", None)["recipient_province_code"] is None
    )
    assert amount_meaning_columns(at_home, None, {}, provinces, "330000", None)[
        "recipient_province_code"
    ] == ("620000")
    assert amount_meaning_columns(nobody, None, {}, provinces, "330000", None)["recipient_province_code"] == (
        "330000"
    )
