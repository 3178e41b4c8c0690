# ruff: noqa: E501
"""Organization error classes seen on real pages, as table tests on our own fictional sentences.

Every name below is invented (青禾, 澄心, 远岫…) except the lexicon's real bodies, which are
facts (transforms/data/organizations.SOURCE.md).  Each row: text, locale, names expected and
names that must not appear.
"""

from __future__ import annotations

import pytest

from transforms.extract import extract_article

CASES = [
    # The left boundary runs into the verb or clause before the name.
    ("verb 交由", "善款将交由青禾县红十字会统一拨付。", "mainland", {"青禾县红十字会"}, set()),
    ("verb 积极参与", "企业积极参与中华慈善总会发起的项目。", "mainland", {"中华慈善总会"}, set()),
    ("verb 报经", "该基金会报经民政部批准成立。", "mainland", {"民政部"}, {"报经民政部"}),
    ("verb 送交", "商会将首笔善款送交澳门红十字会。", "mo", {"澳门红十字会"}, {"善款送交澳门红十字会"}),
    ("verb 邀得", "大会邀得社会福利署代表致辞。", "hk", {"社会福利署"}, {"大会邀得社会福利署"}),
    ("verb 予", "已拨款逾千万予澄心县政府。", "tw", {"澄心县政府"}, {"予澄心县政府"}),
    ("verb 建设", "捐资建设云岭镇中学。", "mainland", {"云岭镇中学"}, {"建设云岭镇中学"}),
    ("banner 欢迎光临", "欢迎光临青山区政府网", "mainland", set(), {"欢迎光临青山区政府"}),
    ("preposition 除", "除青禾公益基金会外，还有多家机构参与。", "mainland", {"青禾公益基金会"}, {"除青禾公益基金会"}),
    ("Cantonese 喺", "佢哋喺澄心银行搞咗个便服日。", "hk", {"澄心银行"}, {"喺澄心银行"}),
    ("adverb 另", "另远岫建设事业股份有限公司亦捐出物资。", "tw", {"远岫建设事业股份有限公司"}, set()),
    ("brand read as a verb", "远航建设集团有限公司承诺捐赠。", "mainland", {"远航建设集团有限公司"}, set()),
    ("brand read as a verb, seat first", "日前，浙江启远集团有限公司捐赠。", "mainland", {"浙江启远集团有限公司"}, set()),
    ("registered form", "公设财团法人远岫赈灾基金会开设专户。", "tw", {"财团法人远岫赈灾基金会"}, set()),
    # Broken brackets and generic plurals are not names; a short form in a plural list is not expanded.
    ("levels in brackets", "各县(市、区)民政局要加强监管。", "mainland", set(), {"区)民政局", "县(市、区)民政局"}),
    ("plural 各设区市", "杭州市召开会议，各设区市民政局、市慈善总会参加。", "mainland", set(), {"杭州市慈善总会"}),
    ("plural 有关市县", "有关市县政府负责落实。", "mainland", set(), {"有关市县政府", "市县政府"}),
    ("plural 部分行业", "部分行业协会商会也参与捐赠。", "mainland", set(), {"部分行业协会商会", "行业协会商会"}),
    ("kind 全国性", "全国性基金会和公募基金会数量增加。", "mainland", set(), {"全国性基金会", "公募基金会"}),
    ("count 这三家", "但这三家基金会都未回应。", "mainland", set(), {"这三家基金会", "但这三家基金会"}),
    ("time 六月份", "六月份公司开始裁员。", "tw", set(), {"六月份公司"}),
    # Names without a registered suffix: brands, HK/MO forms by locale, Taiwan 县府.
    ("brands", "阿里巴巴、腾讯和美团等企业纷纷捐款。", "mainland", {"阿里巴巴", "腾讯", "美团"}, set()),
    ("brand glued into a word", "活动以东华为善为主题。", "hk", set(), {"华为"}),
    ("HK 公益金", "今年公益金百万行筹得善款。", "hk", {"香港公益金"}, {"公益金"}),
    ("HK own longer name wins", "晴港公益金成立十年，公益金今年筹款创新高。", "hk", {"晴港公益金"}, {"香港公益金"}),
    ("MO 明爱", "明爱向受灾家庭发放物资。", "mo", {"澳门明爱"}, set()),
    ("TW bare 红十字会", "红十字会会长呼吁各界捐款。", "tw", {"中华民国红十字会"}, set()),
    ("bare 公益金 on a mainland page", "本市公益金项目启动。", "mainland", set(), {"香港公益金"}),
    ("TW 县府", "澄心县府开立赈灾专户。", "tw", {"澄心县政府"}, set()),
    ("TW bare 社会处 of the page's city", "基隆市中秋送暖活动，社会处处长代表市长致谢。", "tw", {"基隆市政府社会处"}, set()),
    ("TW bare 县府 of the page's county", "花莲县光复乡受灾，县府发放慰问金。", "tw", {"花莲县政府"}, set()),
    ("bare 社会处 elsewhere", "社会处处长致辞。", "mainland", set(), {"社会处"}),
    ("HK statutory bodies", "东华三院与保良局合办活动。", "hk", {"东华三院", "保良局"}, set()),
    # Branches and units of a parent; a school written with its kindergarten.
    ("unit of a parent", "青禾慈善基金会澄心区代表处支出物资。澄心区代表处表示。", "mainland",
     {"青禾慈善基金会澄心区代表处"}, set()),
    ("school 暨 kindergarten", "远岫英文小学暨幼稚园学生参与卖旗。", "hk", {"远岫英文小学暨幼稚园"}, {"幼稚园"}),
    # A first character jieba reads as a particle stays in the name.
    ("first character kept", "地利青修女纪念学校学生参加。", "hk", {"地利青修女纪念学校"}, {"利青修女纪念学校"}),
    ("numeral that begins a name", "金猴集团有限公司、三角星轮胎股份有限公司荣获奖项。", "mainland",
     {"三角星轮胎股份有限公司"}, {"轮胎股份有限公司"}),
    ("verb read as two characters", "理事们亲访同善堂并捐出善款。", "mo", {"澳门同善堂"}, {"亲访同善堂"}),
    ("ordinal 第某届", "第二十届公益金百万行周日举行。", "hk", {"香港公益金"}, {"第二十届公益金"}),
    ("members 会员", "善款拨给社会福利会员机构。", "hk", set(), {"社会福利会"}),
    ("level 市级", "各省、区、市级慈善会参加。", "mainland", set(), {"北京市级慈善会"}),
    # Central bodies and their branches; party and youth-league committees; departments.
    ("youth league committee", "共青团云岭省委联合省青基会发起。", "mainland", {"共青团云岭省委"}, set()),
    ("provincial office 港澳办", "澄江省政府港澳办负责联络。", "mainland", {"澄江省政府港澳办"}, set()),
    ("department portfolio", "云岭县广播电影电视局参与报道。", "mainland", {"云岭县广播电影电视局"}, set()),
    ("site banner 政府网", "欢迎访问青山区政府网！", "mainland", set(), {"青山区政府"}),
    ("league short form 团省委", "黑龙江省哈尔滨市各界捐款，团省委、省青基会共接收善款。", "mainland",
     {"共青团黑龙江省委", "黑龙江省青基会"}, set()),
    ("autonomous region's own press", "南宁市举行晚会，区党委宣传部、自治区民政厅主办。", "mainland",
     {"广西壮族自治区党委宣传部", "广西壮族自治区民政厅"}, set()),
    ("autonomous region short with 区", "广西区烟草专卖局捐款。", "mainland", {"广西区烟草专卖局"},
     {"广西壮族自治区区烟草专卖局"}),
    ("minor party by its seat", "珠海市工商联、珠海民盟等组织发动会员。", "mainland", {"珠海民盟"}, {"珠海市民盟"}),
    ("民进 inside another word", "杭州市民进行了捐款。", "mainland", set(), {"杭州市民进"}),
    # Hong Kong, Macau and Taiwan forms.
    ("school campus and section", "远岫中学第二校（中学部）学生参加。", "mo", {"远岫中学第二校（中学部）"}, set()),
    ("TW volunteer group", "澄心科技志工社到场服务。", "tw", {"澄心科技志工社"}, set()),
    ("TW bare 赈灾基金会", "赈灾基金会开设专户募款。", "tw", {"财团法人赈灾基金会"}, set()),
    ("a municipality's short form", "上海市民政局指导市慈善基金会募捐。", "mainland", {"上海市慈善基金会"}, {"市慈善基金会"}),
    # Names that the old rules already got right stay right.
    ("bank abbreviation before a branch", "基金会与建行北京朝阳支行签约。", "mainland", {"中国建设银行北京朝阳支行"}, set()),
    ("seat before a posted team", "浙江省驻甘孜工作队开展帮扶。", "mainland", {"浙江省驻甘孜工作队"}, set()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "locale", "expected", "forbidden"),
    [
        pytest.param(text, locale, expected, forbidden, id=label)
        for label, text, locale, expected, forbidden in CASES
    ],
)
def test_real_page_forms(text: str, locale: str, expected: set[str], forbidden: set[str]) -> None:
    names = {o.name for o in extract_article(text, locale).organizations}
    assert expected <= names, f"missing {expected - names}; found {names}"
    assert not (forbidden & names), f"should not find {forbidden & names}; found {names}"


@pytest.mark.parametrize(
    ("text", "name", "aliases"),
    [
        # The name as written; the seat in full and short words written out are aliases.
        ("云岭州民政局拨付救助金。", "云岭州民政局", set()),
        ("甘孜州红十字会接收捐款。", "甘孜州红十字会", {"甘孜藏族自治州红十字会"}),
        ("舟山市工商联组织企业捐款。", "舟山市工商联", {"舟山市工商业联合会"}),
        ("新疆财政厅下拨资金。", "新疆财政厅", {"新疆维吾尔自治区财政厅"}),
        ("鼓楼区民政局发放物资。", "鼓楼区民政局", set()),
        ("浙江省杭州市慈善总会发起募捐，省工商联参与。", "浙江省工商联", {"浙江省工商业联合会"}),
        # Forms of one body in one article take the longest written.
        (
            "延边朝鲜族自治州慈善总会发起募捐，延边州慈善总会表示感谢。",
            "延边朝鲜族自治州慈善总会",
            {"延边州慈善总会"},
        ),
        ("朝阳区工商业联合会牵头，区工商联会员企业捐款。", "朝阳区工商业联合会", set()),
        # Places before the first member of an enumeration are every member's.
        ("宁波市海曙区、江北区慈善总会联合捐款。", "宁波市江北区慈善总会", set()),
        ("宁波市海曙区、江北区慈善总会联合捐款。", "宁波市海曙区慈善总会", set()),
    ],
)
def test_the_canonical_name_is_as_written(text: str, name: str, aliases: set[str]) -> None:
    found = {o.name: set(o.aliases) for o in extract_article(text, "mainland").organizations}
    assert name in found, found
    assert aliases <= found[name], found
    assert not any(aliases & {other} for other in found if other != name), "one body, one entry"


def test_a_registered_name_is_found_again_without_its_legal_form() -> None:
    text = "财团法人达成远岫慈善基金会捐款。达成远岫慈善基金会表示，将持续关怀。"
    found = [(o.surface, o.name) for o in extract_article(text, "tw").organizations]
    assert found == [
        ("财团法人达成远岫慈善基金会", "财团法人达成远岫慈善基金会"),
        ("达成远岫慈善基金会", "财团法人达成远岫慈善基金会"),
    ]
