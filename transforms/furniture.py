"""Site furniture inside article text: lines that belong to the page, not to the report.

Works line by line on plain text (a copied page, an e-paper dump) and on the paragraphs taken from
HTML.  ``furniture_spans`` returns character spans so callers can blank them and keep offsets.
"""

from __future__ import annotations

import re

from transforms.prefilter import prefiltered

# One line that is furniture wherever it stands.
_FURNITURE_LINE = re.compile(
    r"""^(?:
      [【\[]?(?:字体|字體|字号|字號|打印|列印|关闭|關閉|纠错|糾錯|分享到|收藏|返回顶部|返回頂部)
      [^】\]]{0,16}[】\]]?.{0,24}                           # 【字体大小:大 中 小】【打印】【关闭】
    | (?:浏览|瀏覽|阅读|閱讀|点击|點擊|访问量|訪問量)(?:量|次数|次數)?[:：]?\s*\d+\s*次?
    | (?:当前位置|當前位置|您的位置|您现在的位置|您現在的位置|所在位置)[:：].*
    | 首页\s*[>＞›»].*|首頁\s*[>＞›»].*                    # breadcrumbs without a label
    | (?:下转|下轉|上接|接上)[A-Z]?\d{1,3}版?               # print jump markers
    | 第\s?[A-Z]?\d{1,3}\s?版\s*[:：]?\s*\S{0,12}            # e-paper page menus: 第05版:新闻
    | [A-Z]?\d{1,3}版[:：]\S{0,12}
    | (?:联系电话|聯繫電話|聯絡電話|电话|電話|传真|傳真|举报电话|舉報電話|地址|郵箱|邮箱|E-?mail)[:：].{0,80}
    | [（(]?(?:责任编辑|責任編輯|责编|責編|编辑|編輯|审核|審核|校对|校對)[:：]\s?\S{1,16}?[）)]?
    | [（(]?(?:来源|來源|稿源|出处|出處|供稿)[:：]\s?\S{1,30}(?:\s+\S{1,30})*[）)]?
    | (?:分享|分享到|转发|轉發)[:：]?(?:\s*(?:微信|微博|QQ|QQ空间|朋友圈|Facebook
      |WhatsApp|Line|複製連結|复制链接))+
    | [A-Za-z0-9_\-]{24,}                                    # tracking strings
    | (?:上一篇|下一篇|上一則|下一則|前一篇|后一篇|後一篇)[:：].*
    | [【\[]?(?:展开全文|展開全文|阅读全文|閱讀全文|查看全文|点击展开|點擊展開|收起全文|展开剩余\s?\d{1,3}%)
      [】\]]?\s*[>»∨]?                                     # the fold of a folded article
    )$""",
    re.I | re.X,
)
# Furniture lines whose pattern begins with a run of any characters: each is tried at every
# position of a line, so they are tried only on lines holding a character each of them needs
# (_LOOSE_HINT: ., _, 被, b of trackback, 引 of 引用通告, 源 of 来源, 星 of 星期).
_LOOSE_FURNITURE_LINE = re.compile(
    r"""^(?:
      \S+\.(?:jpe?g|png|gif|bmp|webp)                       # image file names: 3.jpg, IMG_2041.JPG
    | \S*_fororder_\S*                                       # xxx_fororder_图片1
    | .{0,40}(?:已被|被)(?:阅读|閱讀|浏览|瀏覽|点击|點擊)\s*\d+\s*次.{0,20}  # (本文发表于…, 已被阅读178次)
    | .{0,40}(?:trackback|引用通告).{0,80}                 # blog trackback links
    | [^。！？!?]{0,40}?\s(?:来源|來源|稿源)[:：][^。！？!?]{1,80}  # 2024-05-21 08:30 来源:某某网 作者:…
    | \S{2,16}\s+\d{4}年\d{1,2}月\d{1,2}日\s+星期[一二三四五六日天]  # e-paper masthead
    )$""",
    re.I | re.X,
)
# Under re.I only B folds to b (no other character does), so b and B stand for trackback.
_LOOSE_HINT = re.compile("[._被bB引源星]")
# A copyright or licence line (ICP备…, 版权所有, ©) is furniture too: any line holding one of
# these.  Searched on its own, behind a first-character check, rather than as ``.*(?:…).*``
# inside _FURNITURE_LINE, which tries every alternative at every position of every line.
_COPYRIGHT = prefiltered(
    re.compile(r"ICP备|ICP證|ICP证|公网安备|公網安備|版权所有|版權所有|Copyright|©|\(c\)\s?\d{4}", re.I)
)
# A heading that opens a list of other stories: every short line after it is furniture.
_RELATED_HEADING = re.compile(
    r"^[【\[]?(?:相关新闻|相關新聞|相关阅读|相關閱讀|延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|相关报道|相關報導|"
    r"相關報道|热点新闻|熱點新聞|更多新闻|更多新聞|猜你喜欢|猜你喜歡|热门文章|熱門文章|"
    r"评论|評論|网友评论|網友評論|相关评论|相關評論|发表评论|發表評論|最新评论|最新評論|留言|读者留言|讀者留言|"
    r"网友回复|網友回覆|全部回复|全部回覆|最新回复|最新回覆|回复列表)"
    r"[】\]]?(?:\s*[(（]\d+[)）])?[:：]?$"
)
# Navigation menus: several very short items in one line, nothing like a sentence.
_MENU_SEPARATORS = re.compile(r"^(?:[^\s|｜/·•>＞]{1,6}(?:\s*[|｜/·•>＞]\s*|\s+)){3,}[^\s|｜/·•>＞]{1,6}$")
_SENTENCE_END = re.compile(r"[。！？!?；;”」』）)]$")
_DATE_LINE = re.compile(r"\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}")


def is_furniture_line(line: str) -> bool:
    """Whether one stripped line is page furniture on its own."""
    line = line.strip()
    if not line:
        return False
    if _FURNITURE_LINE.match(line):
        return True
    if _LOOSE_HINT.search(line) and _LOOSE_FURNITURE_LINE.match(line):
        return True
    # ``.`` stops at a line break: the pattern held a copyright word only on a line without one.
    if "\n" not in line and _COPYRIGHT.search(line):
        return True
    return bool(_MENU_SEPARATORS.match(line)) and not _SENTENCE_END.search(line)


def _looks_like_headline(line: str) -> bool:
    """A line in a related-stories list: short, no sentence end."""
    return 0 < len(line) <= 60 and not _SENTENCE_END.search(line)


def furniture_flags(lines: list[str]) -> list[bool]:
    """For each line, whether it is furniture; a related-stories heading takes the short lines
    after it, up to the first blank line or real paragraph."""
    flags: list[bool] = []
    in_related = False
    for raw_line in lines:
        line = raw_line.strip()
        if not line:
            in_related = False
            flags.append(False)
        elif _RELATED_HEADING.match(line):
            in_related = True
            flags.append(True)
        elif in_related and (_looks_like_headline(line) or bool(_DATE_LINE.search(line))):
            flags.append(True)
        else:
            in_related = False
            flags.append(is_furniture_line(line))
    return flags


def furniture_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of furniture lines in ``text`` (line breaks excluded), in order."""
    lines = text.splitlines(keepends=True)
    spans: list[tuple[int, int]] = []
    position = 0
    for raw_line, flag in zip(lines, furniture_flags(lines), strict=True):
        if flag:
            spans.append((position, position + len(raw_line.rstrip("\r\n"))))
        position += len(raw_line)
    return spans


def blank_furniture(text: str) -> str:
    """``text`` with furniture lines replaced by spaces: same length, so offsets still hold."""
    # Joined from slices rather than from a list of every character; a text without furniture
    # is returned as it is.
    pieces = []
    last = 0
    for start, end in furniture_spans(text):
        pieces += (text[last:start], " " * (end - start))
        last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)
