# ruff: noqa: E501
"""Organization forms of Hong Kong, Macau and Taiwan pages, as table tests on our own fictional
sentences in traditional characters (and a few simplified ones).

Every name is invented (青禾, 澄心, 遠岫…) except the lexicon's real bodies, which are facts
(transforms/data/organizations.SOURCE.md).  Each row: label, text, locale, names expected and
names that must not appear.
"""

from __future__ import annotations

import pytest

from transforms.extract import extract_article

CASES = [
    # Temples named by their district among Taiwan donors; 宮 alone marks no name.
    ("temple by its district", "另青禾事業股份有限公司、澄心區南華宮及遠岫區東寧宮等團體捐助。", "tw",
     {"澄心区南华宫", "远岫区东宁宫"}, set()),
    ("temple with its city", "基隆市澄心區南華宮捐出白米。", "tw", {"基隆市澄心区南华宫"}, set()),
    ("宮 without a district", "遊客參觀故宮與皇宮。", "tw", set(), {"故宫", "皇宫"}),
    ("temple by its city", "花蓮縣青雲宮捐出白米，基隆澄心宮管理委員會響應。", "tw", {"花莲县青云宫", "基隆澄心宫管理委员会"}, set()),
    ("a temple fair is no temple", "台北澄心寺舉辦廟會，台北宮殿開放。", "tw", {"台北澄心寺"}, {"台北宫殿"}),
    ("temple by its city only on Taiwan pages", "南京青雲宮開放參觀。", "mainland", set(), {"南京青云宫"}),
    ("a 社區 is no district", "這個老社區福德宮香火鼎盛。", "tw", set(), {"老社区福德宫"}),
    ("a real temple from the lexicon", "大甲鎮瀾宮捐款一千萬元。", "tw", {"大甲镇澜宫"}, set()),
    # Sheltered workshops and social enterprises, and the homes that run them.
    ("workshop of a charity", "縣長向喜憨兒澄心烘焙工場訂購月餅。", "tw", {"喜憨儿澄心烘焙工场"}, {"澄心烘焙工场"}),
    ("bakery of a home", "並向青禾紀念教養院青禾烘焙坊採購禮盒。", "tw", {"青禾纪念教养院青禾烘焙坊"}, set()),
    ("sheltered workshop", "遠岫庇護工場的學員參與義賣。", "tw", {"远岫庇护工场"}, set()),
    ("the charity's word alone", "喜憨兒們一起做月餅。", "tw", set(), {"喜憨儿"}),
    # A Latin acronym before a unit that is only its seat and suffix belongs to the name.
    ("acronym before a seat-only unit", "鳴謝：QXRA 澳門分會、澄心建築工程有限公司。", "mo", {"QXRA澳门分会"}, {"澳门分会"}),
    ("acronym glued to the unit", "由ABCS香港分會主辦。", "hk", {"ABCS香港分会"}, {"香港分会"}),
    ("acronym before a full name stays out", "WHO 青禾基金會捐款。", "hk", {"青禾基金会"}, {"WHO青禾基金会"}),
    # A name in apposition after a dash keeps the words before its 及.
    ("apposition after a dash", "包括：QXRA 澳門分會——暖通及製冷工程師學會、青禾中學。", "mo",
     {"暖通及制冷工程师学会"}, {"制冷工程师学会", "工程师学会"}),
    ("an aside after a dash", "活動——由青禾學會主辦。", "hk", {"青禾学会"}, {"由青禾学会"}),
    # Names without a registered suffix: brands with their line of business, casino operators'
    # charity arms, international agencies.
    ("brand and line of business", "最大筆捐款為台灣嘉里投資，共捐四千萬元。", "tw", {"台湾嘉里投资"}, {"嘉里"}),
    ("pharma brand", "丽珠医药向灾区捐赠药品。", "mainland", {"丽珠医药"}, {"丽珠"}),
    ("brand alone", "嘉里集團宣布捐款。", "hk", {"嘉里集团"}, set()),
    ("casino operator's charity arm", "鳴謝永利關愛、青禾中學。", "mo", {"永利关爱"}, set()),
    ("international agency", "美國國務院所屬的國際開發署宣布提供援助。", "tw", {"国际开发署"}, set()),
    ("Macau charity", "澳門明愛、澳門奧比斯合辦活動。", "mo", {"澳门明爱", "澳门奥比斯"}, set()),
    ("Hong Kong hall only on Hong Kong pages", "支持仁愛堂添置扶手。", "mo", set(), {"仁爱堂"}),
    ("school group", "澄心教育機構奪得獎項。", "hk", {"澄心教育机构"}, set()),
    ("school groups in general", "各教育機構踴躍參與。", "hk", set(), {"各教育机构", "教育机构"}),
    # Sub-units of a parent: a station's channel, a club's regional chapter, an elder academy,
    # a school's annex, a county branch centre, a company's trust.
    ("station channel", "由宣明會及香港電台第5台合辦。", "hk", {"香港电台第5台"}, {"香港电台"}),
    ("chapter of a club", "青禾商會全國聯誼會中區會捐贈月餅。", "tw", {"青禾商会全国联谊会中区会"}, {"青禾商会"}),
    ("a meeting is no chapter", "北區會議昨日召開。", "tw", set(), {"北区会"}),
    ("members are no chapter", "感謝青禾商會全國聯誼會中區會友的愛心。", "tw", set(), {"青禾商会全国联谊会中区会"}),
    ("elder academy", "聚餐上還有澳門理工學院長者書院的表演。", "mo", {"澳门理工学院长者书院"}, {"澳门理工学院"}),
    ("school annex", "青禾中學(小學部分教處)、青禾中學。", "mo", {"青禾中学（小学部分教处）", "青禾中学"}, set()),
    ("county branch centre", "將捐贈北台中家扶中心月餅。", "tw", {"北台中家扶中心"}, set()),
    ("every county's centre", "愛心列車將巡迴中部四縣市家扶中心。", "tw", set(), {"县市家扶中心"}),
    ("company trust", "感謝遠岫建設事業股份有限公司社會福利公益信託長期支持。", "tw",
     {"远岫建设事业股份有限公司社会福利公益信托"}, {"远岫建设事业股份有限公司"}),
    ("trust without its founder", "設立公益信託。", "tw", set(), {"设立公益信托", "公益信托"}),
    # Funds named without 会; 公益基金会 stays whole.
    ("fund without 会", "设立青禾公益基金，用于助学。", "mainland", {"青禾公益基金"}, set()),
    ("foundation with 会", "青禾公益基金会捐款。", "mainland", {"青禾公益基金会"}, {"青禾公益基金"}),
    ("a kind of fund", "设立专项慈善基金。", "mainland", set(), {"专项慈善基金"}),
    # A place's own charitable foundation is a name; a description stays none.
    ("place and purpose", "项目(烟台市慈善基金会)、青禾集团捐款。", "mainland", {"烟台市慈善基金会"}, set()),
    ("city fund", "杭州爱心基金会捐款。", "mainland", {"杭州爱心基金会"}, set()),
    ("description of a fund", "当地爱心基金会和各地慈善基金会参与。", "mainland", set(), {"当地爱心基金会", "各地慈善基金会"}),
    # A middle school by its place and number; other words with 一中, 三中 are none.
    ("numbered school", "固原一中师生和杭州十四中的学生捐款。", "mainland", {"固原一中", "杭州十四中"}, set()),
    ("numbered school beside its full name", "会宁县第二中学和会宁二中", "mainland", {"会宁县第二中学", "会宁二中"}, set()),
    ("no school", "十八届三中全会在北京一中心城区召开。", "mainland", set(), {"北京一中", "三中"}),
    # A county short form in a headline is the story's place, not part of the name.
    ("county short form", "竹縣澄心基金會助弱勢\n澄心愛心基金會在中秋節前捐贈。", "tw", {"澄心爱心基金会"}, {"竹县澄心基金会"}),
    ("county short form of a government body", "高市社會局發放物資。", "tw", {"高市社会局"}, set()),
    ("county written in full", "新竹縣青禾協會捐款。", "tw", {"新竹县青禾协会"}, set()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "locale", "expected", "forbidden"),
    [
        pytest.param(text, locale, expected, forbidden, id=label)
        for label, text, locale, expected, forbidden in CASES
    ],
)
def test_local_forms(text: str, locale: str, expected: set[str], forbidden: set[str]) -> None:
    names = {o.name for o in extract_article(text, locale).organizations}
    assert expected <= names, f"missing {expected - names}; found {names}"
    assert not (forbidden & names), f"should not find {forbidden & names}; found {names}"


@pytest.mark.parametrize(
    ("text", "locale", "name"),
    [
        # 金沙中国 is the lexicon's short form of 金沙中国有限公司, which the suffix rules find here.
        ("金沙中國有限公司捐款。金沙中國表示支持。", "mo", "金沙中国有限公司"),
        # 汇丰银行 is another form of the entry 汇丰, found by its suffix.
        ("滙豐銀行舉辦跑步賽，滙豐員工參與。", "hk", "汇丰银行"),
    ],
)
def test_a_short_form_takes_the_full_name_written_in_the_article(text: str, locale: str, name: str) -> None:
    assert {o.name for o in extract_article(text, locale).organizations} == {name}


def test_a_channel_keeps_its_station_as_an_alias() -> None:
    (found,) = extract_article("香港電台第五台播出節目。", "hk").organizations
    assert (found.name, found.aliases) == ("香港电台第五台", ("香港电台",))


def test_a_brand_company_is_no_form_of_the_brand() -> None:
    # The brand's local company is a body of its own: the brand written alone stays the brand.
    found = {o.name for o in extract_article("台灣嘉里投資捐款，嘉里集團亦響應。", "tw").organizations}
    assert found == {"台湾嘉里投资", "嘉里集团"}


def test_aliases_survive_the_way_back_to_traditional_text() -> None:
    # Normalization rewrites the text (聯 → 联): the mention is rebuilt on the original, with its aliases.
    found = {o.name: o for o in extract_article("舟山市工商聯組織企業捐款。", "mainland").organizations}
    assert found["舟山市工商联"].surface == "舟山市工商聯"
    assert "舟山市工商业联合会" in found["舟山市工商联"].aliases
