"""Money columns of tables: in flattened text and in HTML pages, unit only in the header."""

from __future__ import annotations

from decimal import Decimal

from transforms.document import read_document
from transforms.extract import extract_article

PAGE = """<html><head><meta charset="utf-8"><title>县慈善会公布捐赠名单</title></head><body>
<div class="nav"><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/gs">公示</a></div>
<div class="article">
<h1>青川县慈善会公布“助学月”捐赠名单</h1>
<p>8月30日，青川县慈善会公布“助学月”期间单位捐赠情况，共募集善款86.4万元。</p>
<p>主要捐赠单位如下：</p>
<table>
<tr><th>序号</th><th>单位</th><th>金额（万元）</th></tr>
<tr><td>1</td><td>青川县木鱼茶业有限公司</td><td>30</td></tr>
<tr><td>2</td><td>广元市青竹建材有限公司</td><td>12.5</td></tr>
</table>
<p>善款将用于资助312名困难学生。</p>
</div>
<table><tr><td><p>版权所有 青川县慈善会</p></td><td><p>地址：青川县乔庄镇</p></td></tr></table>
</body></html>"""


def test_html_table_rows_keep_their_cells_and_header_unit() -> None:
    document = read_document(PAGE.encode("utf-8"), "page.html")
    assert "1 | 青川县木鱼茶业有限公司 | 30" in document.text
    amounts = extract_article(document.text, "mainland").amounts
    values = [(a.raw, a.value) for a in amounts]
    assert ("30", Decimal(300000)) in values
    assert ("12.5", Decimal(125000)) in values
    assert ("86.4万元", Decimal(864000)) in values
    # Counts in the table (序号) and in the text (312名) are not money.
    assert all(a.value >= 1000 for a in amounts)


def test_layout_tables_are_not_read_as_rows() -> None:
    page = (
        "<html><head><title>慰问金发放</title></head><body><table><tr><td><div class='c'>"
        "<p>某县慈善总会日前向困难群众发放慰问金20万元，"
        "惠及400户家庭。</p><p>活动由县民政局指导。</p></div></td><td>右栏</td></tr></table></body></html>"
    )
    document = read_document(page.encode("utf-8"), "layout.html")
    assert " | " not in document.text
    assert "慰问金20万元" in document.text
