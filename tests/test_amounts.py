"""Table-driven: every money form in FIELD-GUIDE.md, and look-alikes that are not money."""

from decimal import Decimal

import pytest

from transforms.amounts import extract_amounts

# text, expected [(raw, value, currency, qualifier, high)]
CASES: list[tuple[str, list[tuple[str, str, str, str, str | None]]]] = [
    ("共捐赠62万元。", [("62万元", "620000", "CNY", "exact", None)]),
    ("募集256.3万余元", [("256.3万余元", "2563000", "CNY", "lower_bound", None)]),
    ("达3.18亿元以上", [("3.18亿元以上", "318000000", "CNY", "lower_bound", None)]),
    ("收到0.45亿元", [("0.45亿元", "45000000", "CNY", "exact", None)]),
    ("共12余万元", [("12余万元", "120000", "CNY", "lower_bound", None)]),
    ("4000多万元", [("4000多万元", "40000000", "CNY", "lower_bound", None)]),
    ("近2.3亿元", [("近2.3亿元", "230000000", "CNY", "approximate", None)]),
    ("约87万元", [("约87万元", "870000", "CNY", "approximate", None)]),
    ("超9.2亿元", [("超9.2亿元", "920000000", "CNY", "lower_bound", None)]),
    ("逾3500万港元", [("逾3500万港元", "35000000", "HKD", "lower_bound", None)]),
    ("捐出536万4120元", [("536万4120元", "5364120", "CNY", "exact", None)]),
    ("3万2千元", [("3万2千元", "32000", "CNY", "exact", None)]),
    # 千/百 right after Arabic digits are units (5千元 is 5000, not 5 + 千).
    ("每户获赠8千元", [("8千元", "8000", "CNY", "exact", None)]),
    ("红包6百元", [("6百元", "600", "CNY", "exact", None)]),
    ("筹得7千万元", [("7千万元", "70000000", "CNY", "exact", None)]),
    ("共2千多元", [("2千多元", "2000", "CNY", "lower_bound", None)]),
    ("1千至3千元不等", [("1千至3千元", "1000", "CNY", "approximate", "3000")]),
    ("4亿2000万3千元", [("4亿2000万3千元", "420003000", "CNY", "exact", None)]),
    # Digits read one by one below 万/亿, mixed with Chinese units.
    ("台币三亿八二四一万五七零九元", [("台币三亿八二四一万五七零九元", "382415709", "TWD", "exact", None)]),
    ("善款二万零六五二元", [("二万零六五二元", "20652", "CNY", "exact", None)]),
    # A space before 元, as text taken from a PDF has it.
    ("本会筹得 2,345,678 元善款", [("2,345,678 元", "2345678", "CNY", "exact", None)]),
    # A bare $ before digits is the page's own dollar (the default currency).
    ("raised $3,456,789 in total", [("$3,456,789", "3456789", "CNY", "exact", None)]),
    ("HK$ 512,307.65", [("HK$ 512,307.65", "512307.65", "HKD", "exact", None)]),
    ("每户HK$50,000 × 3", [("HK$50,000", "50000", "HKD", "exact", None)]),
    (
        "NT$3,000与US$5,000",
        [("NT$3,000", "3000", "TWD", "exact", None), ("US$5,000", "5000", "USD", "exact", None)],
    ),
    ("¥2,000", [("¥2,000", "2000", "CNY", "exact", None)]),
    (
        "HK$5,000HK$35,000",
        [("HK$5,000", "5000", "HKD", "exact", None), ("HK$35,000", "35000", "HKD", "exact", None)],
    ),
    ("三百六十万元", [("三百六十万元", "3600000", "CNY", "exact", None)]),
    (
        "二千零四十六万三千五百零八元七角五分",
        [("二千零四十六万三千五百零八元七角五分", "20463508.75", "CNY", "exact", None)],
    ),
    ("二万○五十元", [("二万○五十元", "20050", "CNY", "exact", None)]),
    ("两千万元", [("两千万元", "20000000", "CNY", "exact", None)]),
    ("捐款四万五，", [("四万五", "45000", "CNY", "exact", None)]),
    ("千二万元", [("千二万元", "12000000", "CNY", "exact", None)]),
    (
        "澳门币贰拾叁万肆仟伍佰陆拾柒元正",
        [("澳门币贰拾叁万肆仟伍佰陆拾柒元正", "234567", "MOP", "exact", None)],
    ),
    ("肆万捌仟元正", [("肆万捌仟元正", "48000", "CNY", "exact", None)]),
    ("人民币50万元", [("人民币50万元", "500000", "CNY", "exact", None)]),
    ("320万元人民币", [("320万元人民币", "3200000", "CNY", "exact", None)]),
    (
        "欧元10万元、英镑2万元和日元300万元",
        [
            ("欧元10万元", "100000", "EUR", "exact", None),
            ("英镑2万元", "20000", "GBP", "exact", None),
            ("日元300万元", "3000000", "JPY", "exact", None),
        ],
    ),
    ("1000元至3000元不等", [("1000元至3000元", "1000", "CNY", "approximate", "3000")]),
    ("3000万元至5000万元(含)", [("3000万元至5000万元", "30000000", "CNY", "approximate", "50000000")]),
    ("100万-200万元", [("100万-200万元", "1000000", "CNY", "approximate", "2000000")]),
    ("捐款600万，", [("600万", "6000000", "CNY", "exact", None)]),
    ("认捐2024万", [("2024万", "20240000", "CNY", "exact", None)]),
    ("已筹3亿善款", [("3亿", "300000000", "CNY", "exact", None)]),
]

NOT_MONEY = [
    "2021年，全市有312个村、58家企业参与，惠及73户、3.41万户、2.05万人次。",
    "完成率98.5%，活动于6.30举行，4月2日启动，十一时十五分结束。",
    "咨询电话：0731-84561234，登记证号：53430000MJJ123456X，见第01版，编号1130815。",
    "受益群众达3.41万人，新建住房1200套。",
    "捐款活动吸引5千人参加，发放物资3百箱。",
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_money_forms(text: str, expected: list[tuple[str, str, str, str, str | None]]) -> None:
    found = [
        (a.raw, str(a.value), a.currency, a.qualifier, None if a.high is None else str(a.high))
        for a in extract_amounts(text)
    ]
    assert found == expected


@pytest.mark.parametrize("text", NOT_MONEY)
def test_look_alikes_are_not_money(text: str) -> None:
    assert extract_amounts(text) == []


def test_plain_yuan_is_the_local_currency() -> None:
    # extract_amounts reads simplified text (transforms.extract converts first).
    [hk] = extract_amounts("公益金筹得善款25万元。", default_currency="HKD")
    assert (hk.value, hk.currency) == (Decimal(250000), "HKD")
    [dollar] = extract_amounts("慈善步行筹得$1,234,567。", default_currency="HKD")
    assert (dollar.value, dollar.currency) == (Decimal(1234567), "HKD")
    [cny] = extract_amounts("公益金筹得善款人民币25万元。", default_currency="HKD")
    assert cny.currency == "CNY"


def test_conversion_in_brackets_links_to_main_amount() -> None:
    amounts = extract_amounts("港币2亿元(约合新台币8亿元)，另有320万元人民币（折合45万美元）。")
    assert [(a.currency, a.conversion_of) for a in amounts] == [
        ("HKD", None),
        ("TWD", 0),
        ("CNY", None),
        ("USD", 2),
    ]


@pytest.mark.parametrize(
    ("text", "role", "cumulative"),
    [
        ("基金会今年筹集善款120万元。", "raised", False),
        ("该企业向灾区捐赠300万元。", "donated", False),
        ("现场认捐2000万元。", "pledged", False),
        ("民政局已拨付救助资金80万元。", "disbursed", False),
        ("设立留本冠名基金500万元。", "fund_size", False),
        ("捐赠物资款物价值150万元。", "in_kind", False),
        ("五年来累计捐款2.3亿元。", "donated", True),
    ],
)
def test_role_from_the_sentence(text: str, role: str, cumulative: bool) -> None:
    [amount] = extract_amounts(text)
    assert (amount.role, amount.cumulative) == (role, cumulative)


def test_offsets_and_sentence_point_into_the_text() -> None:
    text = "第一句话。青禾基金会今天捐赠了620万元，用于助学。"
    [amount] = extract_amounts(text)
    assert text[amount.start : amount.end] == "620万元"
    assert text[amount.sentence_start : amount.sentence_end] == "青禾基金会今天捐赠了620万元，用于助学。"


def test_a_digit_before_a_bare_thousand_multiplies_it() -> None:
    """5千元 is five thousand (a table of household grants writes it so), not 5 + 1000."""
    assert [a.value for a in extract_amounts("每户发放5千元，另有3万2千元。")] == [5000, 32000]
