"""Money in flattened tables: ``金额(万元) |`` in a header row, bare numbers in the rows below.

Pages and e-papers lose their table markup and keep one line per row with ``|`` between cells.
The unit and currency then live only in the header cell, so a cell ``120`` under ``金额(万元)``
is 1,200,000 CNY.  Works on simplified text (run after normalization).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

_CELL_SEPARATOR = re.compile(r"[|｜]")
# A header cell naming a money column: a bracketed unit holding 元 or a currency word.
_MONEY_HEADER = re.compile(
    r"(?P<pre>人民币|港币|港元|澳门币|澳门元|新台币|美元)?[^()（）|｜]{0,12}[(（]\s*"
    r"(?P<scale>万|亿|千)?\s*(?P<unit>元人民币|人民币|港元|港币|澳门元|澳门币|新台币元|新台币|美元|元)\s*[)）]"
)
_TOTAL_ROW = re.compile(r"^(?:合计|总计|共计|小计|總計|合計|共計)")
_BARE_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_SCALE = {None: 1, "千": 1_000, "万": 10_000, "亿": 100_000_000}
_CURRENCY = {
    "人民币": "CNY",
    "元人民币": "CNY",
    "港币": "HKD",
    "港元": "HKD",
    "澳门币": "MOP",
    "澳门元": "MOP",
    "新台币": "TWD",
    "新台币元": "TWD",
    "美元": "USD",
}


@dataclass(frozen=True, slots=True)
class TableCell:
    start: int
    end: int
    value: Decimal
    currency: str
    # The line before the table and its header row (捐款芳名如下 / 捐赠单位 | 金额(万元)): what the
    # money in the column is, which the row itself does not say.
    heading: tuple[int, int]
    total_row: bool  # 合计, 总计: the sum of the rows above


def _cells(line: str, offset: int) -> list[tuple[int, int, str]]:
    """(start, end, stripped text) of each cell of one row, offsets into the whole text."""
    cells = []
    position = 0
    for piece in _CELL_SEPARATOR.split(line):
        stripped = piece.strip()
        lead = len(piece) - len(piece.lstrip())
        cells.append((offset + position + lead, offset + position + lead + len(stripped), stripped))
        position += len(piece) + 1
    return cells


def table_amounts(text: str, default_currency: str = "CNY") -> list[TableCell]:
    """Amounts in money columns of flattened tables, in text order."""
    found: list[TableCell] = []
    columns: dict[int, tuple[int, str]] = {}  # column index → (scale, currency) of the open table
    heading = (0, 0)
    previous_line_start = 0
    offset = 0
    for line in text.splitlines(keepends=True):
        line_start, offset = offset, offset + len(line)
        if not _CELL_SEPARATOR.search(line):
            columns = {}
            previous_line_start = line_start
            continue
        cells = _cells(line.rstrip("\r\n"), line_start)
        header = {}
        for index, (_, _, cell) in enumerate(cells):
            m = _MONEY_HEADER.search(cell)
            if m:
                word = m.group("pre") or m.group("unit")
                header[index] = (_SCALE[m.group("scale")], _CURRENCY.get(word, default_currency))
        if header:
            columns = header
            heading = (previous_line_start, offset)
            continue
        total_row = bool(cells) and _TOTAL_ROW.match(cells[0][2]) is not None
        for index, (start, end, cell) in enumerate(cells):
            if index in columns and _BARE_NUMBER.fullmatch(cell):
                scale, currency = columns[index]
                value = Decimal(cell.replace(",", "")) * scale
                found.append(TableCell(start, end, value, currency, heading, total_row))
    return found
