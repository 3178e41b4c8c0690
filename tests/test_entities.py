"""Organizations and regions, with context-dependent cases from FIELD-GUIDE.md."""

from transforms.extract import extract_article
from transforms.organizations import extract_organizations
from transforms.regions import extract_regions


def _orgs(text: str, context: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    return [(o.surface, o.name, o.type) for o in extract_organizations(text, context)]


def test_full_names_types_and_bracketed_seat() -> None:
    text = (
        "近日，远山科技有限公司、青禾公益基金会与晨光(上海)科技有限公司向灾区捐款，中国农业银行长沙分行参与。"
    )
    assert _orgs(text) == [
        ("远山科技有限公司", "远山科技有限公司", "company"),
        ("青禾公益基金会", "青禾公益基金会", "foundation"),
        ("晨光(上海)科技有限公司", "晨光（上海）科技有限公司", "company"),
        ("中国农业银行长沙分行", "中国农业银行长沙分行", "bank"),
    ]


def test_short_forms_expand_from_the_article_region() -> None:
    found = _orgs("市慈善总会和省民政厅联合发起活动。", {"市": "株洲市", "省": "湖南省"})
    assert found == [
        ("市慈善总会", "株洲市慈善总会", "charity_federation"),
        ("省民政厅", "湖南省民政厅", "government"),
    ]


def test_party_committee_is_an_organization() -> None:
    assert _orgs("中共怀化市委召开会议。") == [("中共怀化市委", "中共怀化市委", "party")]


def test_same_district_name_resolved_by_city() -> None:
    fuzhou = extract_regions("福州市鼓楼区慈善总会走访困难家庭。")
    nanjing = extract_regions("南京市鼓楼区为老人送去棉衣。")
    assert [r.code for r in fuzhou if r.name == "鼓楼区"] == ["350102"]
    assert [r.code for r in nanjing if r.name == "鼓楼区"] == ["320106"]


def test_district_without_context_is_left_unresolved() -> None:
    assert [r for r in extract_regions("鼓楼区举行义卖。") if r.name == "鼓楼区"] == []


def test_city_versus_county_of_the_same_name() -> None:
    names = [r.name for r in extract_regions("长沙县与长沙市两地联合开展帮扶。")]
    assert names == ["长沙县", "长沙市"]
    assert [r.name for r in extract_regions("长沙举行慈善晚会。")] == ["长沙市"]


def test_short_names_and_special_regions() -> None:
    names = {r.name for r in extract_regions("延边、湘西两地与香港、澳门机构合作，台湾同胞也有参与。")}
    assert {"延边朝鲜族自治州", "湘西土家族苗族自治州", "香港特别行政区", "澳门特别行政区", "台湾省"} <= names


def test_region_roles_seat_beneficiary_mention() -> None:
    result = extract_article("杭州市慈善总会向湘西土家族苗族自治州捐赠100万元。会议在长沙市举行。")
    roles = {r.name: r.role for r in result.regions}
    assert roles == {"杭州市": "seat", "湘西土家族苗族自治州": "beneficiary", "长沙市": "mention"}


def test_traditional_article_offsets_point_at_original_characters() -> None:
    text = "港九公益金向深水埗區長者捐贈港幣120萬元。"
    result = extract_article(text, "hk")
    [amount] = result.amounts
    assert text[amount.start : amount.end] == "港幣120萬元"
    assert amount.currency == "HKD"
    assert [o.surface for o in result.organizations] == ["港九公益金"]


def test_every_suffix_maps_to_a_contract_type() -> None:
    from transforms.organizations import ORGANIZATION_TYPES, SUFFIX_TYPES

    assert set(SUFFIX_TYPES.values()) <= set(ORGANIZATION_TYPES)


def test_short_forms_take_the_home_place_not_the_beneficiary() -> None:
    text = (
        "义乌市举行慈善认捐活动，义乌市民踊跃参与。所得善款将资助四川省甘孜州理塘县的学校，"
        "甘孜州学校将添置图书。市慈善总会与区民政局共同发起此次活动，"
        "杭州市西湖区、上城区的企业也到场。"
    )
    names = {o.name for o in extract_article(text).organizations}
    assert "义乌市慈善总会" in names
    assert "杭州市西湖区民政局" in names  # a district comes with its own city


def test_a_description_before_a_company_is_not_its_name() -> None:
    text = (
        "爱心企业浙江恒远科技有限公司捐赠50万元，民营企业宁波华盛集团有限公司捐款100万元，"
        "德资企业博川（太仓）精密机械有限公司捐赠12万欧元。"
    )
    assert [name for _, name, _ in _orgs(text)] == [
        "浙江恒远科技有限公司",
        "宁波华盛集团有限公司",
        "博川（太仓）精密机械有限公司",
    ]


def test_enterprise_inside_a_name_stays() -> None:
    text = "浙江华盛企业管理有限公司与外资企业协会共同发起募捐。"
    assert [name for _, name, _ in _orgs(text)] == ["浙江华盛企业管理有限公司", "外资企业协会"]
