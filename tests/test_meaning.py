"""What each amount means, one table row per relation form (fictional sentences in the forms
real reports use; see docs/warehouse.md, "What the money means")."""

from __future__ import annotations

from typing import Any

import pytest

from transforms.extract import extract_article
from transforms.meaning import ROLES, Party


def _read(text: str, locale: str = "mainland") -> list[tuple[Any, ...]]:
    """(raw, role, cumulative, restates, gift) of every amount."""
    return [(a.raw, a.role, a.cumulative, a.restates, a.gift) for a in extract_article(text, locale).amounts]


def _parties(text: str) -> list[tuple[Party | None, Party | None]]:
    return [(a.giver, a.recipient) for a in extract_article(text).amounts]


def org(name: str) -> Party:
    return Party("organization", name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "截至9月30日，松溪市慈善总会共募集善款300万元，其中线上180万元，线下120万元。",
            [
                ("300万元", "raised", False, None, True),
                ("180万元", "raised", False, 0, False),
                ("120万元", "raised", False, 0, False),
            ],
            id="a drive's as-of-date total is the gift, its breakdown restates it",
        ),
        pytest.param(
            "鹏远建设集团有限公司承诺五年捐赠1亿元，首期拨付2000万元。",
            [("1亿元", "pledged", False, None, True), ("2000万元", "donated", False, 0, False)],
            id="a tranche restates its pledge",
        ),
        pytest.param(
            "两家企业各捐8万元，总计16万元。",
            [("8万元", "donated", False, 1, False), ("16万元", "donated", False, None, True)],
            id="per-donor shares restate the stated total",
        ),
        pytest.param(
            "青禾科技有限公司捐赠30万元，鹏远科技有限公司捐赠20万元，共计50万元。",
            [
                ("30万元", "donated", False, None, True),
                ("20万元", "donated", False, None, True),
                ("50万元", "donated", True, None, False),
            ],
            id="a sum of listed gifts is cumulative, the gifts count",
        ),
        pytest.param(
            "十年来青禾公益基金会累计捐赠2.6亿元。",
            [("2.6亿元", "donated", True, None, False)],
            id="a multi-year roll-up is cumulative",
        ),
        pytest.param(
            "港九慈善基金会捐款200万港元（约合182万元人民币），用于澳门长者服务。",
            [("200万港元", "donated", False, None, True), ("约合182万元人民币", "donated", False, 0, False)],
            id="a conversion restates the amount before it",
        ),
        pytest.param(
            "本次募捐目标为500万元，单笔1万元以上的捐款有12笔，全县教育预算2亿元。",
            [
                ("500万元", "target", False, None, False),
                ("1万元以上", "threshold", False, None, False),
                ("2亿元", "other", False, None, False),
            ],
            id="a target, a bracket and a budget are not gifts",
        ),
        pytest.param(
            "全市落实学生资助资金1.8亿元，比去年增加2300万元。",
            [("1.8亿元", "other", False, None, False), ("2300万元", "other", False, None, False)],
            id="fiscal spending and a comparison are not gifts",
        ),
        pytest.param(
            "活动每人收费50元，午餐自付5元。",
            [("50元", "other", False, None, False), ("5元", "other", False, None, False)],
            id="fees and co-pays are not gifts",
        ),
        pytest.param(
            "青禾公益基金会捐赠的500万元善款已到账。\n青禾公益基金会捐赠500万元\n日前，青禾公益基金会向槐安市慈善总会捐赠500万元，用于助学。",
            [
                ("500万元", "donated", False, None, True),
                ("500万元", "donated", False, 0, False),
                ("500万元", "donated", False, 0, False),
            ],
            id="a sub-heading and a later copy of the same gift restate it",
        ),
        pytest.param(
            "截至5月1日，松溪市红十字会共收到捐款80万元。其中，网络平台收到捐款30万元。"
            "至5月10日，该会收到的善款增至82万元。",
            [
                ("80万元", "raised", False, None, True),
                ("30万元", "raised", False, 0, False),
                ("82万元", "raised", False, 0, False),
            ],
            id="a later sum the same collector raised restates the drive's total",
        ),
        pytest.param(
            "去年槐安市慈善总会在义卖会上筹集善款6万元。全年槐安市慈善总会共募集善款900万元。",
            [("6万元", "raised", False, None, True), ("900万元", "raised", False, None, True)],
            id="a much larger later sum of the same collector is another period's",
        ),
        pytest.param(
            "青禾公益基金会为受灾户每户发放救助金3000元。\n凡登记在册的受灾户，发给救助金3000元。",
            [("3000元", "disbursed", False, None, True), ("3000元", "disbursed", False, 0, False)],
            id="a small standard said again is the same standard",
        ),
        pytest.param(
            "青禾公益基金会为受灾户发放救助金，每户由3000元提高为5000元。",
            [("3000元", "disbursed", False, None, True), ("5000元", "disbursed", False, 0, False)],
            id="a standard raised to a new level is one payment, not a difference",
        ),
        pytest.param(
            "截至3日，槐安市儿童基金会已募集资金物资价值120万元。",
            [("120万元", "raised", False, None, True)],
            id="money and goods collected together are the drive's raised total",
        ),
    ],
)
def test_how_amounts_relate(text: str, expected: list[tuple[Any, ...]]) -> None:
    assert _read(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "青禾科技有限公司通过槐安市慈善总会向定西市捐赠50万元。",
            [(org("青禾科技有限公司"), Party("region", "定西市", "621100"))],
            id="A through B to C: giver A, recipient C",
        ),
        pytest.param(
            "据槐安市民政局介绍，青禾科技有限公司捐赠30万元，鹏远科技有限公司捐赠20万元。",
            [(org("青禾科技有限公司"), None), (org("鹏远科技有限公司"), None)],
            id="reported speech is no giver; each amount its own giver",
        ),
        pytest.param(
            "记者从松溪市慈善总会了解到，市民王女士捐赠5万元。",
            [(Party("person", "王女士"), None)],
            id="the reporter's source is no giver; a person named with an honorific",
        ),
        pytest.param(
            "截至10月8日，槐安市慈善总会共接收社会各界捐赠的善款86万元。",
            [(Party("group", "社会各界"), org("槐安市慈善总会"))],
            id="money raised: the public gives, the fundraiser receives",
        ),
        pytest.param(
            "青禾公益基金会已向甘肃省定西市拨付救灾资金80万元，每户困难群众发放慰问金2000元。",
            [
                (org("青禾公益基金会"), Party("region", "定西市", "621100")),
                (org("青禾公益基金会"), Party("group", "困难群众")),
            ],
            id="a payout names the payer and the most specific place or group served",
        ),
        pytest.param(
            "槐安市慈善总会举行仪式，鹏远科技有限公司向该会捐款60万元。",
            [(org("鹏远科技有限公司"), org("槐安市慈善总会"))],
            id="该会 is the body named before it",
        ),
        pytest.param(
            "槐安市儿童基金会联合松溪市第一中学举办义卖，共筹得善款12万元。",
            [(None, org("槐安市儿童基金会"))],
            id="money raised: the charity collects, not the school beside it",
        ),
        pytest.param(
            "槐安市青禾商会、松溪市鹏远商会等团体发起募捐，至昨日，该会共收到善款50万元。",
            [(None, org("槐安市青禾商会"))],
            id="该会 in the sentence that lists bodies is its first, the subject",
        ),
        pytest.param(
            "松溪市青禾商会召开会议，当日向受灾乡镇卫生院和职工捐款80万元。",
            [(org("松溪市青禾商会"), Party("group", "职工"))],
            id="a group word inside the 向… phrase receives, it does not give",
        ),
        pytest.param(
            "槐安市慈善总会会长欧阳明华及家人捐赠10万元。",
            [(Party("person", "欧阳明华"), None)],
            id="a four-character name after a title gives",
        ),
        pytest.param(
            "松溪市第一中学举办义卖活动，筹得善款3万元，将支持槐安市儿童基金会的助学项目。",
            [(None, org("槐安市儿童基金会"))],
            id="money raised to be handed on: the body it goes to receives",
        ),
        pytest.param(
            "槐安市第二小学还收到了青禾公益基金会捐赠的价值5万元的图书。",
            [(org("青禾公益基金会"), org("槐安市第二小学"))],
            id="who stands before 收到 receives what the donor after it gives",
        ),
        pytest.param(
            "青禾公益基金会支出200万元，定向资助甘肃定西市的助学项目。",
            [(org("青禾公益基金会"), Party("region", "定西市", "621100"))],
            id="a place written right after its parent is the recipient, the more specific",
        ),
    ],
)
def test_giver_and_recipient(text: str, expected: list[tuple[Party | None, Party | None]]) -> None:
    assert _parties(text) == expected


def test_every_amount_gets_a_role_and_gifts_are_consistent() -> None:
    text = "青禾公益基金会今年筹集善款120万元，其中80万元用于助学，另有价格为30元的纪念品。"
    for amount in extract_article(text).amounts:
        assert amount.role in ROLES
        if amount.gift:
            assert amount.restates is None and not amount.cumulative
