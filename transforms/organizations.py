"""Organizations: full names found from their suffix, extended leftwards with jieba.

The suffix (基金会, 慈善总会, 民政厅, 有限公司…) marks where a name ends; jieba's part-of-speech
tags tell where it starts (the name is the run of nominal tokens before the suffix).  Short
forms that lean on context (市慈善总会, 省民政厅) are expanded with the article's own regions,
keeping the surface form as written.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from transforms.gazetteer import PLACES_OUTSIDE_GAZETTEER, NameScanner
from transforms.org_lexicon import load_lexicon
from transforms.sentences import clause_bounds, sentence_bounds
from transforms.tagger import WindowTagger

# The organization types of the extraction contract.
ORGANIZATION_TYPES = (
    "foundation",
    "charity_federation",
    "red_cross",
    "government",
    "party",
    "company",
    "bank",
    "school",
    "hospital",
    "media",
    "other",
)
# Suffix → organization type.  Longest suffixes are tried first (regex alternation order).
SUFFIX_TYPES: dict[str, str] = {
    "慈善联合总会": "charity_federation",
    "慈善联合会": "charity_federation",
    "慈善总会": "charity_federation",
    "慈善协会": "charity_federation",
    "慈善会": "charity_federation",
    "红十字会总会": "red_cross",
    "红十字会": "red_cross",
    "基金会": "foundation",
    # Funds named like foundations but without 会 (某某公益基金, 某某慈善基金); never the first
    # part of 公益基金会 (the lookahead after the alternation).
    "公益基金": "foundation",
    "慈善基金": "foundation",
    # Taiwan charitable trusts (a trust in law, no foundation), often named by the company that
    # set them up (某某股份有限公司社会福利公益信托).
    "公益信托": "other",
    "青基会": "foundation",
    "红基会": "foundation",
    "公益金": "other",
    "同善堂": "other",
    # Hong Kong and Macau charities named as halls and societies of charity: 乐善堂, 镜湖善会.
    "善堂": "other",
    "善会": "other",
    "人民政府": "government",
    "政府": "government",
    "港澳办": "government",
    "台办": "government",
    "侨办": "government",
    # Taiwan papers write a county's or city's government 县府, 市府: 花莲县府.
    "县府": "government",
    "市府": "government",
    "领导小组办公室": "government",
    "领导小组": "government",
    "工作队": "government",
    "指挥部": "government",
    "人民法院": "government",
    "地方法院": "government",
    "法院": "government",
    "检察院": "government",
    "有限责任公司": "company",
    "股份有限公司": "company",
    "有限公司": "company",
    "集团": "company",
    "分行": "bank",
    "支行": "bank",
    "分公司": "company",
    "集团公司": "company",
    "公司": "company",
    "银行": "bank",
    "大学": "school",
    "学院": "school",
    "中学": "school",
    "小学": "school",
    "中小学": "school",
    "学校": "school",
    "幼儿园": "school",
    "幼稚园": "school",
    "医院": "hospital",
    "卫生院": "hospital",
    "日报社": "media",
    "日报": "media",
    "晚报": "media",
    "晨报": "media",
    "早报": "media",
    "时报": "media",
    "商报": "media",
    "电视台": "media",
    "广播电视台": "media",
    "融媒体中心": "media",
    "新闻网": "media",
    "联合总会": "other",
    "社团总会": "other",
    "联合会": "other",
    # Units of a parent body: 某某基金会某区代表处, 某某会澳门分会, 某某大学校友会.
    "代表处": "other",
    "分会": "other",
    "校友会": "other",
    "同学会": "other",
    "公会": "other",
    "教育会": "other",
    "管理委员会": "government",
    "工商联": "other",
    "工商联会": "other",
    "商会": "other",
    "促进会": "other",
    "协会": "other",
    "联会": "other",
    "联谊会": "other",
    "同乡会": "other",
    "同乡总会": "other",
    "妇女会": "other",
    "互助会": "other",
    "福利会": "other",
    "助学会": "other",
    "研究会": "other",
    "学会": "other",
    "联盟": "other",
    "服务社": "other",
    "志工社": "other",
    "志工队": "other",
    "志工团": "other",
    "义工队": "other",
    "服务队": "other",
    "福利院": "other",
    "敬老院": "other",
    "服务中心": "other",
    "中心": "other",
    # Sheltered workshops and social enterprises of Taiwan and Hong Kong charities (某某烘焙工场,
    # 某某庇护工场, 某某烘焙坊), and the homes that run them (某某教养院).
    "烘焙工场": "other",
    "庇护工场": "other",
    "烘焙坊": "other",
    "教养院": "other",
    # School groups of Hong Kong and Macau that run several schools (某某教育机构).
    "教育机构": "school",
    # Not suffixes, so that no common character (北, 长, 家) starts the scan for one: a chapter
    # (某某会中区会, _CHAPTER), an elder academy (某某学院长者书院, _SCHOOL_UNIT), a charity's
    # county centre (南投家扶中心: 家扶 is kept whole by the tokenizer, _CHARITY_WORDS).
}
# Government departments: a field (民政, 教育…) and a rank (部, 厅, 局…), in either script's
# simplified form.  A bare 局 or 部 is too common a word to mark a name on its own.
# Government departments by their portfolio: 民政厅, 教育及青年发展局, 社会救助及社工司.
_DEPARTMENT_PORTFOLIOS = (
    "民政", "教育", "教育体育", "教育及青年发展", "教体", "财政", "卫生", "卫生健康", "卫生福利", "卫健",
    "人力资源和社会保障", "人社", "农业农村", "乡村振兴", "社会组织管理", "社会", "社会福利", "社会工作",
    "社会救助及社工", "统战", "宣传", "组织", "文化和旅游", "文旅", "应急管理", "住房和城乡建设", "住建",
    "商务", "公安", "审计", "税务", "统计", "医疗保障", "医保", "国民及学前教育", "发展和改革", "发改",
    "残疾人联合", "妇女联合", "退役军人事务", "水利", "交通运输", "生态环境", "自然资源", "市场监督管理",
    "侨务", "外事", "台湾事务", "港澳事务", "信访", "扶贫开发", "扶贫", "劳工及福利", "原住民族",
    "社会及家庭", "社会及劳动", "卫福",
    # Departments of provincial and central governments, present and past names.
    "广播电影电视", "广播电视", "新闻出版", "体育", "科学技术", "工业和信息化", "司法", "林业", "林业和草原",
    "人口和计划生育", "烟草专卖", "粮食", "旅游", "国土资源", "农业", "工商行政管理", "食品药品监督管理",
    "民族宗教事务", "民族事务", "宗教事务", "国有资产监督管理", "外事侨务", "港澳",
)  # fmt: skip
_DEPARTMENT_UNITS = ("部", "厅", "局", "署", "委员会", "委", "司", "处", "办公室", "办")
_DEPARTMENT = (
    "(?:" + "|".join(sorted(_DEPARTMENT_PORTFOLIOS, key=len, reverse=True)) + ")"
    "(?:" + "|".join(sorted(_DEPARTMENT_UNITS, key=len, reverse=True)) + ")"
)
_DEPARTMENT_PATTERN = re.compile(
    "(?P<portfolio>" + "|".join(sorted(_DEPARTMENT_PORTFOLIOS, key=len, reverse=True)) + ")"
    "(?P<unit>" + "|".join(sorted(_DEPARTMENT_UNITS, key=len, reverse=True)) + ")"
)
# Portfolios whose 部 is a ministry, a name on its own (民政部); 组织部, 宣传部 belong to a party
# committee and need it written.
_MINISTRIES = frozenset(
    {"民政", "教育", "财政", "商务", "公安", "农业农村", "人力资源和社会保障", "自然资源", "生态环境",
     "交通运输", "水利", "住房和城乡建设", "文化和旅游", "应急管理", "退役军人事务", "卫生福利", "卫福"}
)  # fmt: skip
# Bureaus and councils that are unique at the top of the Hong Kong and Taiwan governments.
_WHOLE_DEPARTMENTS = frozenset({"劳工及福利局", "原住民族委员会"})
# Every suffix begins with one of these: checking it first lets the scan skip other text fast.
_SUFFIX_START = "".join(sorted({word[0] for word in (*_DEPARTMENT_PORTFOLIOS, *SUFFIX_TYPES)}))
# After a suffix: 小学生, 大学生 are pupils, not schools; 福利会员 are members, 联合会议 and 北区会议
# are meetings; 某区政府网 is a
# website's name (its 网站 is the body's).
_SUFFIX_ALTERNATION = (
    _DEPARTMENT
    + "(?!门)|(?:"
    + "|".join(sorted(map(re.escape, SUFFIX_TYPES), key=len, reverse=True))
    + ")(?!生|(?<=会)[员议]|(?<=基金)会|网(?!站)|门户)"
)
# The lookahead changes no match: every suffix begins with one of these characters, and checking
# one character first lets a scan pass over other positions fast.
SUFFIX_PATTERN = re.compile(f"(?=[{re.escape(_SUFFIX_START)}])(?:{_SUFFIX_ALTERNATION})")
# Suffixes run together (集团有限公司, 银行股份有限公司) end one name.
# 某某小学暨幼稚园: one school under both names.
_SUFFIX_CHAIN = re.compile(
    f"(?=[{re.escape(_SUFFIX_START)}])(?:{_SUFFIX_ALTERNATION})(?:暨?(?:{_SUFFIX_ALTERNATION}))*"
)
# 中共某某市委 / 县委 / 省委 and their departments: party committees.
_PARTY_PATTERN = re.compile(
    r"(?:中共|共青团|民盟|民建|民进|民革|农工党|致公党|九三学社|台盟)[\u4e00-\u9fff]{1,12}?(?:省|市|县|区|州|盟|旗)委"
    r"(?:员会)?(?:统战部|宣传部|组织部|政法委|办公室)?"
)
# The other parties by their short names, after a seat (珠海民盟); 民进行, 民建设 are other words.
MINOR_PARTY_NAMES = ("民盟", "民建", "民进", "民革", "九三学社", "致公党", "农工党", "台盟")
_MINOR_PARTY = re.compile(f"(?:{'|'.join(MINOR_PARTY_NAMES)})(?![行入步取设房])")
# 团省委, 团市委: the Communist Youth League committee of the article's province or city.
_LEAGUE_SHORT_FORM = re.compile(r"团(?P<level>[省市县])委")
_LEAGUE_BEFORE = frozenset("和与及同由")  # or no Han character: 、团省委, not 集团省委
# Tokens that end a name when met walking leftwards from its suffix: verbs and function words
# that stand before organization names in news sentences.  Invented names are often tagged as
# verbs by jieba (启衡, 澄心), so the list is explicit rather than "every verb".
_BOUNDARY_WORDS = frozenset(
    [
        "向",
        "和",
        "与",
        "及",
        "以及",
        "为",
        "由",
        "的",
        "在",
        "对",
        "将",
        "把",
        "被",
        "给",
        "同",
        "跟",
        "并",
        "等",
        "从",
        "经",
        "据",
        "是",
        "了",
        "也",
        "还",
        "均",
        "各",
        "该",
        "其",
        "本",
        "这",
        "那",
        "已",
        "曾",
        "又",
        "再",
        "都",
        "就",
        "仅",
        "只",
        "让",
        "请",
        "帮",
        "替",
        "朝",
        "于",
        "至",
        "到",
        "即",
        "共",
        "每",
        "或",
        "而",
        "以",
        "按",
        "后",
        "前",
        "时",
        "向着",
        "针对",
        "按照",
        "根据",
        "依照",
        "经过",
        "随着",
        "获得",
        "联合",
        "携手",
        "会同",
        "捐赠",
        "捐款",
        "捐资",
        "捐出",
        "捐建",
        "收到",
        "发起",
        "主办",
        "承办",
        "协办",
        "指导",
        "支持",
        "委托",
        "通过",
        "依托",
        "来自",
        "包括",
        "其中",
        "邀请",
        "组织",
        "成立",
        "设立",
        "设有",
        "举办",
        "牵头",
        "联手",
        "共同",
        "感谢",
        "致谢",
        "表彰",
        "授予",
        "荣获",
        "获评",
        "当选",
        "成为",
        "作为",
        "加入",
        "参与",
        "参加",
        "代表",
        "出席",
        "发布",
        "公布",
        "公示",
        "显示",
        "介绍",
        "表示",
        "透露",
        "称",
        "说",
        "资助",
        "援助",
        "帮扶",
        "对接",
        "结对",
        "落户",
        "入驻",
        "位于",
        # Role nouns and verbs that introduce a name: 企业伙伴海晏保险, 合作机构某某银行.
        "伙伴",
        "机构",
        "大厂",
        "助力",
        "存入",
        "现有",
        "隶属",
        "旗下",
        "下属",
        "所属",
        "或者",
        "并且",
        "同时",
        "此外",
        "另外",
        "日前",
        "近日",
        "昨日",
        "今天",
        "今日",
        "目前",
        "此次",
        "本次",
        "这次",
        "记者",
        "日电",
        "讯",
        "报道",
        "消息",
        "获悉",
        "获",
        "受",
        "得到",
        "接受",
        "接收",
        "拨付",
        "下拨",
        "划拨",
        "发放",
        "投入",
        "筹集",
        "募集",
        "筹得",
        "募得",
        "认捐",
        "承诺",
        "签约",
        "签署",
        "启动",
        "开展",
        "实施",
        "推出",
        "建立",
        "新建",
        "援建",
        "共建",
        "创办",
        "运营",
        "负责",
        "会长",
        "理事长",
        "秘书长",
        "主任",
        "局长",
        "书记",
        "院长",
        "校长",
        "董事长",
        "总经理",
        "负责人",
        "工作人员",
        "志愿者",
        "员工",
        "职工",
        "党员",
        "干部",
        "联同",
        "夥同",
        "伙同",
        "携",
        "偕",
        "连同",
        "以及其",
        "已向",
        "还向",
        "分别",
        "分别向",
        "先后",
        "陆续",
        "再次",
        "首次",
        "正式",
        "积极",
        "踊跃",
        "纷纷",
        "专门",
        "特别",
        "一起",
        "一道",
        "率先",
        "捐给",
        "交给",
        "报",
        "捐",
        "交",
        "送",
        "个",
        "家",
        "所",
        "间",
        "名",
        "位",
        "批",
        "些",
        "项",
        "支",
        "座",
        "条",
        "户",
        "往",
        "来",
        "去",
        "用",
        "设",
        "找",
        "说",
        "问",
        "拿",
        "做",
        "办",
        "全部",
        "可",
        "有",
        # Verbs of government and newspaper prose that run into the name after them: 交由,
        # 报经, 落实, 予, 亲访, 邀得, 送交, 转自 (a reprint's source), 欢迎光临 (a site's banner).
        "交由",
        "报经",
        "落实",
        "予",
        "给予",
        "亲访",
        "走访",
        "探访",
        "拜访",
        "邀",
        "邀得",
        "邀请到",
        "送交",
        "交予",
        "转自",
        "来源",
        "欢迎光临",
        "光临",
        "积极参与",
        "勇夺",
        "夺得",
        "获颁",
        "颁发",
        "除",
        "除了",
        "得",
        "但",
        "另",
        "公设",
        "建设",
        "并由",
        "系",
        "乃",
        "暨",
        # Cantonese function words on Hong Kong pages: 喺 (at), 嘅 (of), 咗, 畀/俾 (give), 同埋 (and).
        "喺",
        "嘅",
        "咗",
        "畀",
        "俾",
        "同埋",
    ]
)
# Flags of tokens that never stand inside a name: prepositions, conjunctions, particles, adverbs,
# pronouns, classifiers, modal and interjection words.
_BOUNDARY_FLAGS = frozenset(
    {"p", "c", "u", "uj", "ul", "ud", "uz", "ug", "uv", "d", "r", "q", "y", "e", "o", "w", "f"}
)
# Generic words before a suffix make a description, not a name (乡村学校, 三甲医院, 社区服务中心).
_GENERIC_WORDS = (
    "山区|乡村|农村|寄宿制|寄宿|薄弱|三甲|乡镇|社区|村级|村小|村|当地|困难|贫困|留守|偏远|边远|基层|定点|对口|"
    "公立|民办|重点|周边|附近|全市|全县|全省|全区|各地|两地|三地|多地|各级|各类|多所|多家|一间|一所|一家|"
    "这所|这家|那所|该所|该|其|相关|有关|所在|定点|爱心|合作|伙伴|慈善|公益|大型|中小|小型|知名|本地|外地|"
    "附属|综合|专科|普通|示范|省级|市级|县级|区级|国家级|全州|村寨|家庭|临时|行政|护理|资金|保管|托管|结算|开户|"
    "受益|受助|帮扶|结对|援建|新建|捐建|中心|师范|地方|分拣|长者|食物|唔少|"
    # Kinds and plurals (全国性基金会, 部分行业协会, 各设区市民政局, 有关市县政府).
    "全国性|地方性|非公募|公募|私募|本年度|年度|受灾|部分|行业|所有|各个|上述|以上|其他|其它|众多|多个|若干|"
    "广大|不同|民间|设区的|设区|首批|首家|第一批|专项|[省市州县区乡镇]{2,}级?"
)
_GENERIC_BEFORE_SUFFIX = re.compile(
    rf"^(?:{_GENERIC_WORDS})+$|^(?:这|那|该|此|上述|其中|其余)?[一二两三四五六七八九十几数多]+[家所个间座位批]"
)
# 县（市、区）民政局, 市（州）民政局: a level and the other levels it stands for, many bodies.
_LEVELS_IN_BRACKETS = re.compile(r"[省市州县区][（(][省市州县区、]+[)）]")
# What 公司 alone ends when it is no name: 科技公司, 上市公司, 保险公司.
_COMPANY_KINDS = re.compile(
    r"^(?:科技|上市|保险|物流|快递|建筑|能源|互联网|房地产|地产|电力|国有|民营|外资|私人|航空|电商|子|母|总|分|"
    r"本|我|贵|该|这家|那家|两家|多家|各|控股|投资|合作|会员)+$"
)
# Common abbreviations, written out in the canonical name.
_ABBREVIATIONS = (
    (re.compile(r"^工行"), "中国工商银行"),
    (re.compile(r"^农行"), "中国农业银行"),
    (re.compile(r"^中行"), "中国银行"),
    (re.compile(r"^建行"), "中国建设银行"),
    (re.compile(r"^交行"), "交通银行"),
    (re.compile(r"^招行"), "招商银行"),
    (re.compile(r"县府$"), "县政府"),
    (re.compile(r"市府$"), "市政府"),
)
_ANY_ABBREVIATION = re.compile("|".join(pattern.pattern.strip("^$") for pattern, _ in _ABBREVIATIONS))
# Short names a body's own words are written with (舟山市工商联, 卫福部): the canonical name keeps
# them as written, as readers and the press do; the written-out form is kept as an alias.
_SHORT_WORDS = (
    (re.compile(r"工商联$"), "工商业联合会"),
    (re.compile(r"红会$"), "红十字会"),
    (re.compile(r"青基会$"), "青少年发展基金会"),
    (re.compile(r"红基会$"), "红十字基金会"),
    (re.compile(r"^卫福部"), "卫生福利部"),
)
_ANY_SHORT_WORD = re.compile("|".join(pattern.pattern.strip("^$") for pattern, _ in _SHORT_WORDS))
_ABBREVIATED = frozenset(p.pattern.strip("^$") for p, _ in (*_ABBREVIATIONS, *_SHORT_WORDS))
# A short form begins with one of these and relies on the article's region.
SHORT_FORM_MARKERS = "省市州县区"
_MAX_NAME = 32
# Words that end other names but belong inside names with these suffixes: a team named by its
# task and posting (珠海市驻福贡县帮扶工作队), a company by its line of business (农业开发有限公司).
_TASK_WORDS = frozenset(
    {"帮扶", "扶贫", "驻村", "结对", "对口", "定点", "援建", "支援", "协作", "振兴", "援疆", "援藏", "前方",
     "前线"}
)  # fmt: skip
_BUSINESS_WORDS = frozenset(
    {"开发", "发展", "管理", "投资", "建设", "服务", "咨询", "传播", "经营", "贸易", "制造", "设计", "运营",
     "营销", "工程", "研究", "生产", "销售", "加工", "种植", "养殖", "印刷", "租赁", "装饰", "运输", "培训",
     "供应", "批发", "零售", "开采", "检测", "维修", "配送", "出版", "发行", "联合", "制药"}
)  # fmt: skip
# A team named only by its task (乡村振兴工作队, 驻村工作队) is a description; with its posting
# or its parent body written (珠海市驻福贡县帮扶工作队) it is a name.
_TASK_ONLY = re.compile(
    f"^(?:{'|'.join(sorted(_TASK_WORDS | {'乡村振兴', '乡村', '志愿者', '志愿'}, key=len, reverse=True))})+$"
)
# A company named only by its line of business (开发有限公司) is no name.
_BUSINESS_ONLY = re.compile(f"^(?:{'|'.join(sorted(_BUSINESS_WORDS))})+$")
_NAME_INTERNAL_WORDS = {
    "银行": frozenset({"建设", "开发", "发展", "招商", "农业", "工商", "交通", "民生", "兴业", "商业"}),
    "工作队": _TASK_WORDS,
    "服务队": _TASK_WORDS,
    "指挥部": _TASK_WORDS,
    "company": _BUSINESS_WORDS,
}
# Place words that are no division at all but begin names (港九街坊会, 五邑乡亲会): kept whole
# by the tokenizer.  Places outside the gazetteer come with the gazetteer's own names.
_PLACE_WORDS = ("港九", "港澳", "五邑", "潮汕")
# Short names of Taiwan charities that begin the names of their own units (喜憨儿某某烘焙工场,
# 伊甸某某服务中心, 慈济某某分会): kept whole by the tokenizer, which reads 喜 as a verb.  They are
# no names on their own (喜憨儿 are also the people the charity serves).
# Two or three characters each (_without_charity_word looks up those lengths).
_CHARITY_WORDS = ("喜憨儿", "伊甸", "创世", "慈济", "励馨", "世展", "家扶", "善牧")
_BRACKETS = str.maketrans({"(": "（", ")": "）"})
_NONE: frozenset[str] = frozenset()
# A school's campus and section as Hong Kong and Macau schools write them: 第二校, （小学部）, 中文部,
# （小学部分教处） (a Macau school's annex), （北区分校）, 长者书院 (its elder academy),
# （协和）: a two-character campus in brackets.
_SCHOOL_UNIT = re.compile(
    r"(?:第[一二三四五六七八九十]{1,2}校)?"
    r"(?:[（(](?:[\u4e00-\u9fff]{1,6}(?:部|分校|分教处|校区|校舍)|[\u4e00-\u9fff]{2})[)）]|[中英葡]文部|[小中]学部|幼稚园部"
    r"|长者书院|长者学苑)"
    r"|第[一二三四五六七八九十]{1,2}校"
)
# Units named by their parent and their seat: 奉贤区代表处 is short for 某某基金会奉贤区代表处.
_UNIT_SUFFIXES = frozenset({"代表处", "分会", "分公司", "分行", "支行", "校友会"})
_ENUMERATION_JOIN = re.compile(r"[、和及与]$")
# 市场监督管理局, 区域…: a level character that begins an ordinary word, not a short form.
_NOT_SHORT_FORM = frozenset({"场监", "域", "长", "委", "政"})


@dataclass(slots=True, unsafe_hash=True)  # a value; not frozen, for speed (see AmountMention)
class OrganizationMention:
    start: int
    end: int
    surface: str
    name: str  # canonical simplified full name
    type: str
    sentence_start: int
    sentence_end: int
    expanded_from_context: bool = False
    # Other names of the body: its short words written out, its seat in full (新疆财政厅 →
    # 新疆维吾尔自治区财政厅); the canonical ``name`` is the name as written.
    aliases: tuple[str, ...] = ()


@cache
def _tagger(region_names: frozenset[str]) -> WindowTagger:
    """jieba's dictionary plus our suffixes and every place name, so both stay whole words."""
    return WindowTagger(
        [
            *((suffix, 2000, "n") for suffix in SUFFIX_TYPES),
            *((name, 3000, "ns") for name in (*sorted(region_names), *_PLACE_WORDS)),
            *((word, 3000, "nz") for word in _CHARITY_WORDS),
            # Lexicon names stay whole words too (阿里巴巴, 东华三院), unless jieba knows them.
            *((form, 3000, "nt") for form in sorted(load_lexicon().names) if form not in region_names),
        ]
    )


_LATIN_SPACE = re.compile(r"(?<=[A-Za-z0-9]) (?=[\u4e00-\u9fff])")


def canonical_name(name: str) -> str:
    """Full-width brackets and written-out bank and office abbreviations (工行 → 中国工商银行)."""
    name = name.translate(_BRACKETS).strip()
    if " " in name:
        name = _LATIN_SPACE.sub("", name)  # ASHRAE 澳门分会 → ASHRAE澳门分会
    if _ANY_ABBREVIATION.search(name):
        for pattern, full in _ABBREVIATIONS:
            name = pattern.sub(full, name)
    return name


def written_out(name: str) -> str:
    """``name`` with its short words written out (舟山市工商联 → 舟山市工商业联合会), an alias."""
    if _ANY_SHORT_WORD.search(name):
        for pattern, full in _SHORT_WORDS:
            name = pattern.sub(full, name)
    return name


_AGE_GROUPS = frozenset({"青年", "少年", "老年", "中年", "童年", "成年", "青少年", "中老年"})
_NUMERALS = frozenset("一二两三四五六七八九十百千万几数多")
_CLASSIFIERS = frozenset("所个家名间座位户批支")


# Not particles: 地 (ud) begins 地利亚…, read by jieba as a particle.
_SINGLE_BOUNDARY_FLAGS = frozenset({"p", "c", "r"})
_NUMERAL_WORD = re.compile(
    r"^[一二两三四五六七八九十百千万亿几数多余半整每零〇]+[所个家名间座位户批支项次类]?$"
)


def _is_count(word: str) -> bool:
    """A numeral word that counts (三家, 十几所, 一百) rather than one that begins a name by its
    meaning (三角轮胎, 一方制药, 七星, 万家)."""
    return _NUMERAL_WORD.match(word) is not None


def _is_boundary(word: str, flag: str, frequency: int) -> bool:
    if word in _BOUNDARY_WORDS:
        return True
    # Common function words and verbs end a name; rare ones are more likely parts of an invented
    # name that jieba happens to know as a verb (启衡, 澄心) or a classifier (泓).
    if len(word) > 1 and flag in _BOUNDARY_FLAGS and frequency >= 500:
        return True
    if len(word) > 1 and flag in ("v", "vd", "vi") and frequency >= 100:
        return True
    # A common one-character preposition, pronoun, conjunction or particle (除, 另, 自, 得)
    # is no part of a name; rarer ones may be (an invented name read character by character).
    # 某 stands for a withheld name inside one (浙江某科技有限公司).
    if len(word) == 1 and flag in _SINGLE_BOUNDARY_FLAGS and frequency >= 5000 and word != "某":
        return True
    if word.endswith(("月份", "年度", "年底", "年初")) or (word.startswith("第") and word.endswith("届")):
        return True  # 六月份公司, 第三十八届公益金: a time, not a name
    if any(ch.isdigit() for ch in word):
        return True  # dates and counts: 2023年苏州市慈善总会, 14个乡镇中心
    if flag in ("m", "mq") and not word.startswith("第") and _is_count(word):
        return True
    if any(ch in "年月日时" for ch in word) and flag in ("t", "i", "l", "m", "f") and word not in _AGE_GROUPS:
        return True  # 今年以来, 五月份: time expressions (青年, 老年 are people)
    if len(word) == 2 and word[0] in _NUMERALS and word[1] in _CLASSIFIERS:
        return True  # 十所乡村学校, 两家企业: a count
    return not any("\u4e00" <= ch <= "\u9fff" or ch.isalpha() for ch in word)


def _left_boundary(
    text: str,
    suffix_start: int,
    tagger: WindowTagger,
    inside: frozenset[str] = frozenset(),
    company: bool = False,
) -> int:
    """Start of the name whose suffix begins at ``suffix_start``; ``inside``: words that belong
    to names with this suffix even where they would end another (帮扶 in 驻村帮扶工作队, 开发 in
    某某农业开发有限公司)."""
    clause_start, _ = clause_bounds(text, suffix_start)
    window_start = max(clause_start, suffix_start - _MAX_NAME)
    # Most names are short: tag a short window first.  jieba's best route is computed from the
    # right, so tokens far enough from the window's left edge are the same as in the whole
    # window; a boundary found there stands, otherwise the whole window is tagged.
    short_start = suffix_start - _SHORT_WINDOW
    if short_start > window_start:
        start, token_start = _walk_left(text, short_start, suffix_start, tagger, inside, company)
        if token_start >= short_start + _SETTLED:
            return start
    return _walk_left(text, window_start, suffix_start, tagger, inside, company)[0]


# Short window and the distance from its edge beyond which jieba's route has settled.
_SHORT_WINDOW = 8
_SETTLED = 4


def _walk_left(
    text: str,
    window_start: int,
    suffix_start: int,
    tagger: WindowTagger,
    inside: frozenset[str],
    company: bool = False,
) -> tuple[int, int]:
    """Walk the tagged window leftwards from the suffix to the first token that ends a name.

    Returns the name's start and where the ending token starts (``window_start`` if none did).
    ``company``: the suffix is a company's, which a description may stand before (爱心企业).
    """
    tokens = tagger.tag(text[window_start:suffix_start])
    count = tagger.count
    decided = tagger.token_decisions
    start = suffix_start
    depth = 0
    for index in range(len(tokens) - 1, -1, -1):
        word, flag = tokens[index]
        if word in ("）", ")"):
            depth += 1
        elif word in ("（", "("):
            if depth == 0:
                return start, start - len(word)
            depth -= 1
        elif word in _ABBREVIATED:
            pass  # 建行 (a verb to jieba) is the bank: 建行和平支行
        elif company and depth == 0 and _describes_company(word, tokens[index - 1][0] if index else ""):
            return start, start - len(word)  # 爱心企业浙江恒远科技有限公司: the name follows
        elif word in inside:
            pass  # 甘肃省民政厅驻红崖村帮扶工作队, 月城农业开发有限公司: part of the name
        elif depth == 0 and len(word) == 1 and index and tokens[index - 1][0] + word in _BOUNDARY_WORDS:
            return start, start - 1 - len(tokens[index - 1][0])  # 亲访, 邀得 read as two characters
        elif depth == 0:
            # A bracketed seat like （上海） is kept; anything verbal or functional ends the name.
            ends = decided.get((word, flag))
            if ends is None:
                ends = decided[word, flag] = _is_boundary(word, flag, count(word))
            if ends and not (company and _names_the_body(word, flag, text[start:suffix_start])):
                return start, start - len(word)
        start -= len(word)
    return start, window_start


# What stands between a brand and a company suffix without naming anyone (远航|集团有限公司).
# A line of business (建设, 开发) names nobody either.
_GENERIC_STEM = re.compile(
    f"^(?:{'|'.join(sorted(_BUSINESS_WORDS | {'集团', '控股', '股份', '实业', '有限', '公司', '总'}))})*$"
)


def _names_the_body(word: str, flag: str, stem: str) -> bool:
    """A verb right before a company's generic stem is the company's own name, not a verb governing it:
    「远航建设集团有限公司捐赠」 reads 远航 as "sail far", but 建设集团有限公司 alone names nobody.
    The listed boundary words (交由, 建设) still end the name."""
    return flag in ("v", "vd", "vi") and word not in _BOUNDARY_WORDS and _GENERIC_STEM.match(stem) is not None


# Words that describe a company standing before its name (爱心企业, 会员企业, 德资企业).
_COMPANY_DESCRIPTORS = frozenset(
    {"爱心", "会员", "本地", "当地", "合作", "捐赠", "参与", "优秀", "知名", "龙头", "民营", "国有", "私营",
     "上市", "骨干", "重点", "共建", "结对", "帮扶", "外资", "合资", "独资", "外商", "涉农", "本土", "领军"}
)  # fmt: skip


def _describes_company(word: str, before: str) -> bool:
    """Whether ``word`` is a description of a company before its name: 民营企业 as one word, or
    企业 after a descriptor (爱心企业) or an origin of capital (德资企业, 港资企业)."""
    if not word.endswith("企业"):
        return False
    return len(word) > 2 or before in _COMPANY_DESCRIPTORS or before.endswith("资")


def _expand_short_form(name: str, regions: Mapping[str, str]) -> str | None:
    """市慈善总会 → 杭州市慈善总会, with ``regions`` mapping 省/市/州/县/区 to the article's own
    place of that kind (a 区 with its city), and 自治区 to its autonomous region: 自治区党委宣传部,
    and 区党委宣传部 where the article names no district, are the region's."""
    if name.startswith("自治区"):
        rest = name[3:]
        region = regions.get("自治区")
        return region + rest if region and _suffix_of(rest) else None
    if len(name) < 3 or name[0] not in SHORT_FORM_MARKERS:
        return None
    rest = name[1:]
    if not _suffix_of(rest) or rest[:2] in _NOT_SHORT_FORM or rest[0] in "省市州县区级（(":
        return None  # 县市政府, 县（市、区）民政局: several levels, many bodies
    region = regions.get(name[0])
    if region is None and name[0] == "区":
        region = regions.get("自治区")
    return None if region is None else region + rest


def _without_charity_word(stem: str) -> str:
    """``stem`` without a charity's short name it ends with, if any is left: 县市家扶 (中心) is
    every county's centre, 北台中家扶 (中心) one."""
    for length in (2, 3):  # the words' lengths: two set lookups, not one test per word
        if len(stem) > length and stem[-length:] in _CHARITY_WORD_SET:
            return stem[:-length]
    return stem


_CHARITY_WORD_SET = frozenset(_CHARITY_WORDS)


def _without_suffixes(stem: str) -> str:
    """``stem`` without the suffixes it still ends with (部分行业协会 → 部分行业), if any is left."""
    while (suffix := _suffix_of(stem)) and len(stem) > len(suffix):
        stem = stem[: -len(suffix)]
    return stem


def _well_formed(name: str) -> bool:
    """Brackets balanced and not first, no list inside: not 区）民政局, （集团）有限公司,
    县（市、区）民政局."""
    if "（" not in name and "）" not in name:
        return True  # most names: nothing to check
    depth = 0
    for ch in name:
        depth += ch == "（"
        depth -= ch == "）"
        if depth < 0:
            return False
    return depth == 0 and not name.startswith("（") and not _LEVELS_IN_BRACKETS.search(name)


# Words that begin a list of many bodies: 各设区市民政局、市慈善总会.
_PLURAL_START = re.compile(r"(?:各|有关|相关|部分|所有|全体)[^，,。；;：:、]{1,12}、$")


def _in_plural_list(text: str, start: int) -> bool:
    """Whether the name at ``start`` follows a plural member of a list (各… 、)."""
    return _PLURAL_START.search(text, max(0, start - 16), start) is not None


def _is_generic(stem: str, places: frozenset[str]) -> bool:
    """A stem (name without its suffix) that only describes: 乡村, 宁德山区, 两地."""
    if _GENERIC_BEFORE_SUFFIX.match(stem) or _TASK_ONLY.match(stem) or _BUSINESS_ONLY.match(stem):
        return True
    rest = _strip_places(stem + "·", places)[:-1]  # the marker keeps a whole-place stem whole
    return bool(rest) and bool(_GENERIC_BEFORE_SUFFIX.match(rest))


# What a place's own charitable foundation is named by (上海市慈善基金会, 某市爱心基金会): after a
# written place these words name one registered body, though alone they only describe.
_PLACE_FUND_WORDS = frozenset({"慈善", "爱心", "公益", "慈善事业", "公益事业", "扶贫", "助学", "教育"})


def _place_charity_fund(stem: str, suffix: str, places: frozenset[str]) -> bool:
    """A foundation named by its place and its purpose only: 上海市慈善基金会, 威海某某爱心基金会."""
    if suffix != "基金会":
        return False
    rest = _strip_places(stem + "·", places)[:-1]
    return rest != stem and rest in _PLACE_FUND_WORDS


def _enumerated(text: str, start: int, lexicon_regions: frozenset[str]) -> list[tuple[int, str]]:
    """Places listed before a name that shares their suffix: 宁波市、台州市慈善总会 → 宁波市.

    Returns (start, place) for each earlier member, nearest last.
    """
    members: list[tuple[int, str]] = []
    position = start
    while position > 0 and _ENUMERATION_JOIN.match(text[position - 1]):
        for length in range(min(position - 1, 12), 1, -1):
            candidate = text[position - 1 - length : position - 1]
            if candidate in lexicon_regions:
                members.append((position - 1 - length, candidate))
                position = position - 1 - length
                break
        else:
            break
    return members


_ENUMERATION_MARKER = re.compile(
    r"^(?P<place>[\u4e00-\u9fff]{2,12}?)(?:两地|三地|四地|多地|等地|各)(?P<rest>.+)$"
)


def extract_organizations(
    text: str,
    region_context: Mapping[str, str] | None = None,
    region_names: Iterable[str] = (),
    locale: str | None = None,
) -> list[OrganizationMention]:
    """Organization mentions in text order.

    ``locale`` (mainland, hk, mo, tw) tells what a bare local form names (公益金 on a Hong Kong
    page is 香港公益金).

    ``region_context`` maps the first character of a short form (省, 市, 州, 县, 区) to the place
    it stands for in this article, used to expand short forms such as 市慈善总会.
    ``region_names`` are added to the tokenizer's dictionary so place names stay whole.
    """
    context = region_context or {}
    # A frozenset caches its hash, so the cached tagger is found without rehashing every name.
    places = region_names if isinstance(region_names, frozenset) else frozenset(region_names)
    tagger = _tagger(places)
    found: list[OrganizationMention] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: str, name: str | None = None, whole: bool = False) -> None:
        surface = text[start:end]
        name = canonical_name(name or surface)
        if not whole and not _well_formed(name):
            return
        expanded = False
        # Suffixes are judged on the words written out (县红会 is a 县红十字会); the name keeps them.
        full_words = written_out(name)
        full = None if whole else _expand_short_form(full_words, context)
        if full is not None:
            if _in_plural_list(text, start):
                return  # 各设区市民政局、市慈善总会: every city's, not one
            # The place replaces the short form's marker, which it ends with (市 → 杭州市).
            place = full[: len(full) - len(full_words)]
            name, full_words, expanded = place + name, full, True
        elif not whole:
            suffix = _suffix_of(name)
            stem = name[: len(name) - len(suffix)]
            if len(stem) < 2 and kind != "party":
                return  # a bare suffix (基金会, 中心) is not a name
            if (
                kind != "party"
                and _is_generic(_without_charity_word(_without_suffixes(stem)), places)
                and not _place_charity_fund(stem, suffix, places)
            ):
                return  # 乡村学校; 部分行业协会商会 (suffixes run together)
            if suffix == "公司" and _COMPANY_KINDS.match(_strip_places(stem + "·", places)[:-1] or stem):
                return  # 科技公司, 该公司: a kind of company
        if kind == "company" and "银行（" in name:
            kind = "bank"  # 中国银行（香港）有限公司: a bank incorporated as a company
        s_start, s_end = sentence_bounds(text, start)
        aliases = (full_words,) if full_words != name else ()
        found.append(OrganizationMention(start, end, surface, name, kind, s_start, s_end, expanded, aliases))
        taken.append((start, end))

    for m in _PARTY_PATTERN.finditer(text):
        add(m.start(), m.end(), "party")
    for m in _LEAGUE_SHORT_FORM.finditer(text):
        place = context.get(m.group("level"))
        before = text[m.start() - 1 : m.start()]
        glued = bool(before) and _is_han(before) and before not in _LEAGUE_BEFORE
        if place is not None and not glued and not _inside(sorted(taken), m.start()):
            add(m.start(), m.end(), "party", f"共青团{place}委", whole=True)  # 团省委: the province's
    for m in _MINOR_PARTY.finditer(text):
        seat = next((n for n in range(7, 1, -1) if text[max(0, m.start() - n) : m.start()] in places), 0)
        if seat and not _inside(sorted(taken), m.start()):
            add(m.start() - seat, m.end(), "party", whole=True)  # 珠海民盟: a party's branch by its seat
    for start, end in _temples(text, places, locale):
        if not _inside(sorted(taken), start):
            add(start, end, "other", whole=True)  # 某某区南天宫: a temple by its district
    for start, end in _numbered_schools(text, places):
        add(start, end, "school", whole=True)  # 固原一中: a place's No. 1 middle school
    for m in _CHAPTER.finditer(text):
        start = _left_boundary(text, m.start(), tagger)
        if m.start() - start >= 2 and not _inside(sorted(taken), start):
            add(start, m.end(), "other", whole=True)  # 某某会全国某某会中区会: a club's chapter
    party_spans = sorted(taken)
    dashed = "—" in text or "－－" in text  # a name in apposition after a dash may follow
    for m in _SUFFIX_CHAIN.finditer(text):
        end = m.end()
        # Suffixes inside a party name already taken (中共…委员会) are part of it.
        if _inside(party_spans, m.start()):
            continue
        first = SUFFIX_PATTERN.match(m.group(0))
        kind = SUFFIX_TYPES.get(first.group(0) if first else "", "government")
        start = _left_boundary(
            text,
            m.start(),
            tagger,
            _inside_words(kind, _first_suffix(first)),
            company=kind == "company",
        )
        start = _place_start(text, start, m.start(), places, tagger)
        if start and text[start - 1] in _LATIN_BEFORE:
            start = _acronym_start(text, start, m.start(), places)
        if dashed:
            start = _apposition_start(text, start, tagger)
        if locale == "tw" and kind not in ("government", "party") and _TW_SEAT_SHORT.match(text, start):
            start += 2  # 竹县某某基金会 in a headline: the story's county, no part of the name
        if kind == "school" and (unit := _SCHOOL_UNIT.match(text, end)) is not None:
            end = unit.end()  # 某某中学第五校（中学部）: the school's own unit, one name
        if start == m.start() and text[max(0, start - 1) : start] in SHORT_FORM_MARKERS:
            start -= 1
        if start == m.start():
            if _is_whole_department(m.group(0)):
                add(start, end, kind, whole=True)  # 民政部, 社会福利署, 卫生福利部社会救助及社工司
            elif (local := _taiwan_local_body(m.group(0), text, locale)) is not None:
                add(start, end, kind, local, whole=True)  # 社会处 on a Keelung page: 基隆市政府社会处
            continue
        surface = text[start:end]
        marked = _ENUMERATION_MARKER.match(surface)
        if marked and marked.group("place") in places:
            # 宁波、台州两地慈善总会: one organization per place.
            rest = marked.group("rest")
            for member_start, place in _enumerated(text, start, places):
                add(member_start, member_start + len(place), kind, place + rest)
            add(start, end, kind, marked.group("place") + rest)
            continue
        members = _enumerated(text, start, places)
        leading = _leading_place(surface, places) if members else None
        # Places before the first member are every member's (佛山市顺德区、南海区慈善会).
        shared = _place_before(text, members[-1][0], places) if leading is not None else ""
        for member_start, place in members if leading is not None else ():
            add(member_start, member_start + len(place), kind, shared + place + surface[len(leading) :])
        add(start, end, kind, shared + surface if shared else None)
    found = _registered_short_forms(text, found)
    found = _with_lexicon(text, found, locale, tagger, places)
    found.sort(key=lambda o: o.start)
    return _merge_aliases(_drop_nested(found), places)


def _registered_short_forms(text: str, found: list[OrganizationMention]) -> list[OrganizationMention]:
    """A registered name written once in full is written without 财团法人 after (财团法人达成慈善
    基金会 … 达成慈善基金会), where the rules may cut it short (达成 is a verb): each such mention,
    under the full name, in place of the rule-found names inside it."""
    result = list(found)
    for o in found:
        short = o.name[4:]
        if not o.name.startswith(("财团法人", "社团法人")) or len(short) < 4:
            continue
        for m in re.finditer(re.escape(short), text):
            overlapping = [x for x in result if x.start < m.end() and m.start() < x.end]
            if any(x.start < m.start() or x.end > m.end() for x in overlapping):
                continue  # inside a longer name (the full one itself)
            result = [x for x in result if x not in overlapping]
            s_start, s_end = sentence_bounds(text, m.start())
            result.append(OrganizationMention(m.start(), m.end(), short, o.name, o.type, s_start, s_end))
    return result


def _with_lexicon(
    text: str,
    found: list[OrganizationMention],
    locale: str | None,
    tagger: WindowTagger,
    places: frozenset[str],
) -> list[OrganizationMention]:
    """The rule-found names and the lexicon's.  A lexicon name inside a rule-found one is part of
    it (阿里巴巴 in 阿里巴巴公益基金会), unless the rule-found one only adds words before it that
    are no place (除阿里巴巴公益基金会): then the lexicon's bounds are right.

    A lexicon name is kept as written (全国总工会, 香港中联办: the guideline expands no other
    abbreviations); forms of one body in the same article take the longest one written.  A bare
    local form takes its place (公益金 → 香港公益金) unless the article names a longer body
    ending so (晴港公益金)."""
    lexicon = load_lexicon()
    spans = sorted((o.start, o.end, index) for index, o in enumerate(found))
    dropped: set[int] = set()
    added: list[tuple[str, OrganizationMention]] = []  # (lexicon entry, mention)
    for start, end, form, names in lexicon.scanner.scan(text):
        if _glued(text, start, end, tagger):
            continue  # 美团 inside 优美团队, 华为 inside 东华为善
        widened = False
        if names:
            entry, kind = lexicon.names[form]
            if kind == "company" and (extent := _brand_extent(text, start, end)) != (start, end):
                start, end = extent  # 台湾嘉里投资, 丽珠医药: the brand's own company, as written
                widened = True
            elif kind == "media" and (channel := _CHANNEL.match(text, end)) is not None:
                end = channel.end()  # 香港电台第五台: the station's channel, a unit of it
                widened = True
        covering = next(((s, e, i) for s, e, i in spans if s <= start and end <= e), None)
        if names:
            # An abbreviation the guideline writes out (卫福部) takes the entry's name; any other
            # form stays as written (卫福部社工司, not a half-expanded 卫生福利部社工司).
            name = text[start:end] if widened else entry if canonical_name(form) == entry else form
            if covering is not None:
                s, e, i = covering
                if e != end or not _verb_before(text[s:start], tagger):
                    continue  # 阿里巴巴 in 阿里巴巴公益基金会; 香港 + 红十字会; the same span
                dropped.add(i)
        else:
            local = lexicon.local_name(form, locale)
            if local is None:
                continue
            if covering is not None:
                s, e, i = covering
                if (s, e) != (start, end) or found[i].name != form:
                    continue  # 晴港公益金, 澳门红十字会: the rule's name is whole
                dropped.add(i)
            # The article's own longer name ending so is the one meant (晴港公益金 … 公益金).
            written = next((o for o in found if o.name.endswith(form) and o.name != form), None)
            entry = name = written.name if written else local
            kind = written.type if written else lexicon.types.get(local, "other")
        s_start, s_end = sentence_bounds(text, start)
        mention = OrganizationMention(start, end, text[start:end], name, kind, s_start, s_end, not names)
        if widened:
            # A company or channel of its own, not one more form of the brand's entry; a channel
            # keeps its station as an alias (香港电台第五台 → 香港电台).
            aliases = (form,) if kind == "media" else ()
            mention, entry = replace(mention, aliases=aliases), name
        added.append((entry, mention))
    longest: dict[str, str] = {}
    for entry, mention in added:
        if len(mention.name) > len(longest.get(entry, "")):
            longest[entry] = mention.name
    kept = [o for i, o in enumerate(found) if i not in dropped]
    if added:
        # A form of the entry found by the rules in the same article (its full name, 金沙中国 …
        # 金沙中国有限公司; 汇丰 … 汇丰银行) counts among the forms written.
        for o in kept:
            entry = lexicon.names.get(o.name, ("",))[0]
            if entry in longest and len(o.name) > len(longest[entry]):
                longest[entry] = o.name
    return kept + [_named(m, longest[entry], entry) for entry, m in added]


# A line of business written right after a brand names the brand's company (嘉里投资, 丽珠医药,
# 远岫建设): newspapers write groups so, without a registered suffix.  Words that begin other
# phrases (发展, 国际, 公益) are left out: 腾讯公益 is a platform.
_BRAND_BUSINESS = re.compile(
    r"(?:投资|物流|建设|地产|置业|医药|制药|药业|科技|电子|电器|保险|证券|控股|实业|金控|航空|电信|食品|能源)"
    r"(?![\u4e00-\u9fff]{0,2}(?:有限|股份|公司|集团))"  # a registered name: the suffix rules' own
)
# Seats written before a brand's local company: 台湾嘉里投资, 香港某某地产.
_BRAND_SEATS = ("台湾", "香港", "澳门", "中国")
# A radio or television station's channel: 第5台, 第五台, 普通话台.
_CHANNEL = re.compile(r"第[0-9０-９一二三四五六七八九十]{1,2}台|普通话台|英文台")


def _brand_extent(text: str, start: int, end: int) -> tuple[int, int]:
    """A brand's bounds widened to its company as written: the line of business after it, and
    a seat right before it when that is written too (台湾嘉里投资)."""
    business = _BRAND_BUSINESS.match(text, end)
    if business is None:
        return start, end
    seat = next((s for s in _BRAND_SEATS if text.startswith(s, start - len(s))), "")
    before = text[start - len(seat) - 1 : start - len(seat)] if start > len(seat) else ""
    if seat and before and _is_han(before) and before not in _BOUNDARY_WORDS:
        seat = ""  # the seat belongs to the word before it
    return start - len(seat), business.end()


# A temple as Taiwan pages write it among donors: its district (or township) and a two-character
# name before 宫, 庙 or 寺 (某某区南天宫, 某某乡福德宫), or on Taiwan pages its city or county
# (基隆北圣宫, 嘉义县某某宫).  Without a seat 宫 is too common a character (故宫, 子宫, 皇宫) to
# mark a name.
_TEMPLE = re.compile(r"(?P<seat>[\u4e00-\u9fff]{2}[区乡镇])(?P<name>[\u4e00-\u9fff]{2}[宫庙寺])")
# After the temple's last character: 宫殿, 宫廷, 庙会, 寺内 are other words.
_NOT_AFTER_TEMPLE = frozenset("殿廷颈内外中前后里会口门")
# Characters that make the two before a district word no district name (社区, 山区, 景区, 园区…).
_NOT_DISTRICT = frozenset("社山景园校城郊市省灾矿林牧营军辖片街专特")


def _temples(text: str, places: frozenset[str], locale: str | None) -> list[tuple[int, int]]:
    """Spans of temples named by their seat: the seat must begin after a non-Han character or a
    conjunction (、某某区南天宫及某某区东安宫), and a city before a district is kept."""
    spans: list[tuple[int, int]] = []
    position = 0
    while (hit := _TEMPLE_END.search(text, position)) is not None:
        position = end = hit.end()
        if text[end : end + 1] in _NOT_AFTER_TEMPLE or not _is_name_chars(text[end - 3 : end - 1]):
            continue
        m = _TEMPLE.fullmatch(text, max(0, end - 6), end)
        if m is not None and text[m.start("seat") + 1] not in _NOT_DISTRICT:
            start = m.start()
            start -= len(_place_before(text, start, places))  # 基隆市仁爱区南天宫
        elif locale == "tw" and len(place := _place_before(text, end - 3, places)) >= 2:
            start = end - 3 - len(place)  # 基隆北圣宫: a temple by its city
        else:
            continue
        before = text[start - 1 : start] if start else ""
        if before and _is_han(before) and before not in _BOUNDARY_WORDS:
            continue  # the seat is the tail of another word
        spans.append((start, end))
    return spans


_TEMPLE_END = re.compile("[宫庙寺]")


def _is_name_chars(name: str) -> bool:
    """No function word inside a temple's name (的, 在, 和…)."""
    return not any(ch in _BOUNDARY_WORDS for ch in name[:2])


# A club's regional chapter, written after the club (某某商会全国某某会中区会).
_CHAPTER = re.compile(r"[东南西北中]区会(?![员议友])")  # 会友: its members


# A middle school by its place and number, as mainland papers write it (某某一中, 某某二中, 某某
# 十一中): the numeral and 中 end no other word there (一中心, 二中学 are other words).
_NUMBERED_SCHOOL = re.compile(r"[一二三四五六七八九十]{1,3}中(?![心央国华间部学医文外期层段级])")


def _numbered_schools(text: str, places: frozenset[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    position = 0
    while (m := _NUMBERED_SCHOOL.search(text, position)) is not None:
        position = m.end()
        place = _place_before(text, m.start(), places)
        if len(place) >= 2 and text[m.start() - 1] not in "省":  # a city or county, not 某省一中
            spans.append((m.start() - len(place), m.end()))
    return spans


# A Latin acronym written before a name that is only its seat and suffix (ASHRAE 澳门分会,
# ABC 香港分会): the acronym is the body's own name; without it the unit names no one.
_ACRONYM_BEFORE = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z0-9&]{1,9} ?$")


# What may stand right before a name that follows an acronym: its last letter or a space.
_LATIN_BEFORE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789& ")


def _acronym_start(text: str, start: int, suffix_start: int, places: frozenset[str]) -> int:
    """The name's start moved back over a Latin acronym when the words before the suffix are
    places only."""
    if start == suffix_start:
        return start
    if _strip_places(text[start:suffix_start] + "·", places) != "·":
        return start
    acronym = _ACRONYM_BEFORE.search(text, max(0, start - 11), start)
    return acronym.start() if acronym is not None else start


# A name written out after a dash, in apposition to the name before it (某会——供暖制冷及空调
# 工程师学会): the words between the dash and the name are its own, though they hold a verb or
# a 及 that would end another name.
_APPOSITION = re.compile(r"(?:——|—|－－)(?P<words>[\u4e00-\u9fff]{2,12})$")
_JOINING = frozenset({"及", "与", "和"})


def _apposition_start(text: str, start: int, tagger: WindowTagger) -> int:
    if not start or not _is_han(text[start - 1]):
        return start  # the name already begins after punctuation
    m = _APPOSITION.search(text, max(0, start - 14), start)
    if m is None or SUFFIX_PATTERN.search(m.group("words")):
        return start  # no dash, or a list of bodies (某会——青禾学会和…)
    if any(word in _BOUNDARY_WORDS and word not in _JOINING for word, _ in tagger.tag(m.group("words"))):
        return start  # an aside (——由青禾学会主办): the name begins where the rules put it
    return m.start("words")


def _named(mention: OrganizationMention, name: str, entry: str) -> OrganizationMention:
    """``mention`` under ``name``, the lexicon's entry (卫生福利部 for 卫福部) kept as an alias."""
    aliases = (entry,) if entry != name else mention.aliases
    if (name, aliases) == (mention.name, mention.aliases):
        return mention
    return replace(mention, name=name, aliases=aliases)


def _verb_before(prefix: str, tagger: WindowTagger) -> bool:
    """Whether the words a rule put before a lexicon name end in a verb or a function word
    (除, 送交): then they are no part of it."""
    tokens = tagger.tag(prefix)
    if not tokens:
        return False
    word, flag = tokens[-1]
    return (
        flag.startswith("v")
        or flag in _BOUNDARY_FLAGS
        or flag in _SINGLE_BOUNDARY_FLAGS
        or word in _BOUNDARY_WORDS
    )


@cache
def _inside_words(kind: str, suffix: str) -> frozenset[str]:
    """Words inside names of this kind and suffix that would end other names; 建设 (build) ends
    only the names of what is built (捐资建设某镇中学), not 中国老区建设促进会."""
    words = _NAME_INTERNAL_WORDS.get("company" if kind == "company" else suffix, _NONE)
    return words if kind in ("school", "hospital") else words | {"建设"}


def _first_suffix(match: re.Match[str] | None) -> str:
    return match.group(0) if match else ""


def _glued(text: str, start: int, end: int, tagger: WindowTagger) -> bool:
    """Whether a common word runs across either edge of [start, end): 东华 | 为 (东华为善), 优美 |
    团 (优美团队), 伊利 | 沙伯."""
    count = tagger.count
    edges = (
        text[max(0, start - 1) : start + 1] if start else "",
        text[max(0, start - 2) : start + 1] if start > 1 else "",
        text[end - 1 : end + 1],
        text[end - 1 : end + 2],
    )
    return any(len(word) > 1 and all(map(_is_han, word)) and count(word) >= 50 for word in edges if word)


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


# Where a registered Taiwan name begins: 公设财团法人赈灾基金会 → 财团法人赈灾基金会.
_REGISTERED_FORM = re.compile(r"(?:财团|社团)法人")
_REGISTERED_BEFORE = re.compile(r"(?:财团|社团)法人(?P<words>[\u4e00-\u9fff]{1,10})$")


def _place_start(
    text: str, start: int, suffix_start: int, places: frozenset[str], tagger: WindowTagger
) -> int:
    """The name's start moved to the first place inside it when what stands before that place is
    a verb phrase jieba did not stop at (送交澳门红十字会, 欢迎光临某区政府), or to 财团法人."""
    if text.find("法人", max(0, start - 14), suffix_start) != -1:
        before = _REGISTERED_BEFORE.search(text, max(0, start - 14), start)
        if before is not None and not SUFFIX_PATTERN.search(before.group("words")):
            return before.start()  # 财团法人达成慈善基金会: a registered name keeps its verb (达成)
        registered = _REGISTERED_FORM.search(text, start, suffix_start)
        if registered is not None and registered.start() > start:
            return registered.start()
    if suffix_start - start < 4 or not places:
        return start  # no room for words before a place
    position = _first_place(text, start, suffix_start, _place_scanner(places))
    if position is None or position == start:
        return start  # no place, or the name begins with its seat: 浙江省驻甘孜工作队
    prefix = text[start:position]
    if "（" in prefix or "(" in prefix or SUFFIX_PATTERN.search(prefix) or _ANY_ABBREVIATION.search(prefix):
        return start  # a seat in brackets (某某（上海）科技); a parent before its unit (招商银行深圳分行)
    if any(flag.startswith("v") or word in _BOUNDARY_WORDS for word, flag in tagger.tag(prefix)):
        return position
    return start


def _first_place(text: str, start: int, end: int, scanner: NameScanner) -> int | None:
    """Where the first place name in text[start:end] begins."""
    position = start
    while (candidate := scanner.candidates.search(text, position, end)) is not None:
        position = candidate.start()
        for length in scanner.lengths.get(text[position : position + 2], ()):
            if position + length <= end and text[position : position + length] in scanner.codes:
                return position
        position += 1
    return None


@cache
def _place_scanner(places: frozenset[str]) -> NameScanner:
    return NameScanner.of({place: () for place in places if len(place) >= 2})


# Taiwan's counties and cities, whose governments' departments a county paper writes bare.
_TAIWAN_SEATS = re.compile(
    "|".join(sorted((p for p in PLACES_OUTSIDE_GAZETTEER if p[-1] in "县市"), key=len, reverse=True))
)


# Taiwan papers' two-character short forms of counties and cities (竹县 for 新竹县, 中市 for
# 台中市), never part of a registered name, which writes the seat in full; followed by a Han
# character, so a lone short form is not taken.
_TW_SEAT_SHORT = re.compile(r"(?:[竹苗彰投云嘉屏宜花][县]|[北桃中南高竹嘉][市])(?=[\u4e00-\u9fff])")


def _taiwan_local_body(chain: str, text: str, locale: str | None) -> str | None:
    """On a Taiwan page, a bare 县府/市府 or a government department (社会处, 社会局) is the body of
    the county or city the page names most: 基隆市政府社会处, 花莲县政府."""
    if locale != "tw":
        return None
    department = _DEPARTMENT_PATTERN.fullmatch(chain)
    if chain not in ("县府", "市府") and (department is None or department.group("unit") not in ("处", "局")):
        return None
    seats = Counter(_TAIWAN_SEATS.findall(text))
    if not seats:
        return None
    seat = seats.most_common(1)[0][0]
    if chain in ("县府", "市府"):
        return seat + "政府" if seat[-1] == chain[0] else None
    return seat + "政府" + chain


def _place_before(text: str, position: int, places: frozenset[str]) -> str:
    """The longest place name ending right at ``position``, or ""."""
    for length in range(min(position, 12), 1, -1):
        if text[position - length : position] in places:
            return text[position - length : position]
    return ""


def _leading_place(name: str, places: frozenset[str]) -> str | None:
    """The longest place name ``name`` starts with."""
    for length in range(min(len(name), 12), 1, -1):
        if name[:length] in places:
            return name[:length]
    return None


def _is_whole_department(chain: str) -> bool:
    """A department that is a name on its own, without a seat before it: a ministry (民政部),
    an office of the Hong Kong or Taiwan government (社会福利署, 劳工及福利局), or a department
    written with its ministry (卫生福利部社会救助及社工司)."""
    parts = [m.group(0) for m in SUFFIX_PATTERN.finditer(chain)]
    if not parts or not all(_DEPARTMENT_PATTERN.fullmatch(part) for part in parts):
        return False
    if len(parts) > 1 or parts[0] in _WHOLE_DEPARTMENTS:
        return True
    portfolio_unit = _DEPARTMENT_PATTERN.fullmatch(parts[0])
    assert portfolio_unit is not None
    return portfolio_unit.group("unit") == "署" or (
        portfolio_unit.group("unit") == "部" and portfolio_unit.group("portfolio") in _MINISTRIES
    )


def _inside(spans: list[tuple[int, int]], position: int) -> bool:
    """Whether ``position`` falls in one of the sorted, non-overlapping ``spans``."""
    index = bisect_right(spans, (position, 1 << 62)) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


@lru_cache(maxsize=4096)  # an article asks about the same few names many times
def _suffix_of(name: str) -> str:
    """The suffix that ends ``name`` (基金会 in 青禾基金会), or ""."""
    ending = [m.group(0) for m in SUFFIX_PATTERN.finditer(name) if m.end() == len(name)]
    return ending[0] if ending else ""


def _drop_nested(mentions: list[OrganizationMention]) -> list[OrganizationMention]:
    """A name inside a longer one (长沙分行 inside 中国银行长沙分行) is part of it."""
    kept: list[OrganizationMention] = []
    for mention in mentions:
        if kept and mention.start < kept[-1].end:
            if mention.end - mention.start > kept[-1].end - kept[-1].start:
                kept[-1] = mention
            continue
        kept.append(mention)
    return kept


def _merge_aliases(mentions: list[OrganizationMention], places: frozenset[str]) -> list[OrganizationMention]:
    """A shortened name takes the canonical name of the full one in the same article: same
    suffix and the short stem inside the long one (芳华基金会 → 财团法人芳华社会福利慈善事业基金会),
    or the same name but for how its seat is written (深圳岭云… → 深圳市岭云…), or the name
    without its registered company form (瓯越电气集团 → 浙江瓯越电气集团有限公司)."""
    names = {m.name for m in mentions}
    if len(names) < 2:
        return mentions  # no other name to be a shortening of
    # Per-name work done once, not once per pair of names.
    stripped: dict[str, str] = {}
    stems: dict[str, str] = {}

    def stripped_of(name: str) -> str:
        if name not in stripped:
            stripped[name] = _strip_places(name, places)
        return stripped[name]

    def stem_of(name: str) -> str:
        if name not in stems:
            stems[name] = _stem(name)
        return stems[name]

    canonical: dict[str, str] = {}
    for short in names:
        if (full := written_out(short)) != short and full in names:
            canonical[short] = full  # 区工商联 where the article also writes 某区工商业联合会
            continue
        suffix = _suffix_of(short)
        stem = short[: len(short) - len(suffix)]
        if len(stem) < 2 or not suffix:
            continue
        key = stripped_of(short)
        if key == suffix and suffix not in _UNIT_SUFFIXES:
            continue  # 杭州市慈善总会 is its own name, not a shortening of a longer one
        longer = []
        for n in names:
            if len(n) <= len(short):
                continue  # also n == short
            if n.endswith(suffix):
                registered = None  # decided only if the other tests fail
            else:
                registered = _registered_form_of(short, n, places)
                if not registered:
                    continue
            if (
                stem in n[: len(n) - len(suffix)]
                or (
                    len(key) > len(suffix) + 1
                    and stripped_of(n) == key
                    and _seat_written(short, key).rstrip("省市县区")
                    == _seat_written(n, key).rstrip("省市县区")
                )
                or (registered if registered is not None else _registered_form_of(short, n, places))
            ):
                longer.append(n)
        # Several longer names that are themselves one name written longer and shorter
        # (远岫文教基金会, 财团法人远岫文教基金会): the longest of them.
        longest = max(longer, key=len, default="")
        if longer and all(stem_of(n) in stem_of(longest) for n in longer):
            canonical[short] = longest
    return [replace(m, name=canonical[m.name]) if m.name in canonical else m for m in mentions]


def _registered_form_of(short: str, long: str, places: frozenset[str]) -> bool:
    """``long`` is ``short`` as registered: a seat before it, the company form after it
    (瓯越电气集团 → 浙江瓯越电气集团有限公司, 海汇银行 → 海汇银行（香港）有限公司)."""
    index = long.find(short)
    return (
        index >= 0
        and _strip_places(long[:index] + "·", places) == "·"  # the marker lets a lone place go
        and _COMPANY_FORM.fullmatch(long[index + len(short) :]) is not None
    )


_COMPANY_FORM = re.compile(r"(?:（[^）]{1,8}）)?(?:股份)?有限(?:责任)?公司")


def _seat_written(name: str, rest: str) -> str:
    """The places ``name`` starts with, before ``rest``."""
    return name[: len(name) - len(rest)]


def _stem(name: str) -> str:
    return name[: len(name) - len(_suffix_of(name))]


@cache
def _place_lengths(places: frozenset[str]) -> dict[str, tuple[int, ...]]:
    """The lengths of the places (two characters or more) by their first two, longest first."""
    lengths: dict[str, set[int]] = {}
    for place in places:
        if len(place) >= 2:
            lengths.setdefault(place[:2], set()).add(len(place))
    return {head: tuple(sorted(found, reverse=True)) for head, found in lengths.items()}


def _strip_places(name: str, places: frozenset[str]) -> str:
    """``name`` without the place names it starts with."""
    # The lengths of the places beginning with the name's first two characters, longest first:
    # the same longest place as trying every length, with a lookup or two instead of nine.
    lengths = _place_lengths(places)
    for _ in range(4):
        longest = min(len(name) - 1, 10)
        for length in lengths.get(name[:2], ()):
            if length <= longest and name[:length] in places:
                name = name[length:]
                break
        else:
            break
    return name
