"""The workbook reader (crm.text.xlsx_reader) gives, cell for cell, what openpyxl's read-only
mode gives with data_only=True and iter_rows(values_only=True): workbooks built in code, then
rewritten as Excel, WPS and other programs write their parts."""
from __future__ import annotations

import re
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from crm.text import xlsx_reader
from crm.text.errors import NotAWorkbook
from crm.text.ledgers import read
from tests.workbooks import rewrite, xlsx


def openpyxl_rows(path: Path) -> dict[str, tuple[str, list[tuple[Any, ...]]]]:
    with path.open("rb") as stream:
        book = load_workbook(stream, read_only=True, data_only=True)
        try:
            found = {}
            for sheet in book.worksheets:
                sheet.reset_dimensions()
                found[sheet.title] = (sheet.sheet_state, list(sheet.iter_rows(values_only=True)))
            return found
        finally:
            book.close()


def our_rows(path: Path) -> dict[str, tuple[str, list[tuple[Any, ...]]]]:
    with zipfile.ZipFile(path) as archive:
        book = xlsx_reader.Workbook(archive)
        return {s.title: (s.state, list(book.rows(s))) for s in book.sheets}


def same(path: Path) -> dict[str, tuple[str, list[tuple[Any, ...]]]]:
    theirs, ours = openpyxl_rows(path), our_rows(path)
    assert list(ours) == list(theirs)
    for title, (state, rows) in theirs.items():
        assert ours[title][0] == state
        assert ours[title][1] == [tuple(r) for r in rows], title
        for mine, their in zip(ours[title][1], rows, strict=True):
            assert [type(v) for v in mine] == [type(v) for v in their], title
    return ours


def test_values_of_every_kind(tmp_path):
    path = xlsx(tmp_path / "kinds.xlsx", {"台账": [
        ["项目名称", "投资方", "计划投资（万元）", "签约日期", "时刻", "时长", "是否", "说明"],
        ["华锂新材", "华锂集团", 35000, datetime(2021, 3, 5), time(9, 30), timedelta(hours=30), True,
         "  前后有空格  "],
        ["甲", None, 0.1 + 0.2, date(2021, 3, 5), datetime(2021, 3, 5, 14, 5, 6), 1.5, False, "多行\n文字"],
        [None, None, -1e-7, 44260, 44260.5, 12345678901234, "=A2", "x005F_x000D_"],
        [],
        [None, None, None, None, None, None, None, "最后一格"],
    ]}, formats={"台账": {"D4": 'yyyy"年"m"月"d"日"', "E4": "yyyy-mm-dd hh:mm", "F3": "[h]:mm:ss",
                          "C3": "0.00%"}})
    rows = same(path)["台账"][1]
    assert rows[1][0] == "华锂新材" and rows[1][3] == datetime(2021, 3, 5)
    assert rows[3][3] == datetime(2021, 3, 5) and rows[4] == ()


def test_a_1904_workbook_and_hidden_sheets(tmp_path):
    path = xlsx(tmp_path / "mac.xlsx", {"可见": [["日期"], [datetime(2021, 3, 5)]],
                                        "隐藏": [["a"]], "很隐藏": [["b"]]},
                hidden=("隐藏",))
    rewrite(path, "xl/workbook.xml", lambda xml: xml.replace(
        "<workbookPr", '<workbookPr date1904="1"', 1).replace(
        'name="很隐藏" sheetId="3" state="visible"', 'name="很隐藏" sheetId="3" state="veryHidden"'))
    found = same(path)
    assert [state for state, _ in found.values()] == ["visible", "hidden", "veryHidden"]
    assert found["可见"][1][1][0] == datetime(2025, 3, 6)  # its serial, counted from 1904


def shared_strings(path: Path, items: list[str]) -> None:
    """Give the workbook a shared string table, as Excel and WPS write strings."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(items)}" uniqueCount="{len(items)}">{"".join(items)}</sst>').encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_zh_cn_built_in_formats_stay_serial_numbers(tmp_path):
    path = xlsx(tmp_path / "zh.xlsx", {"台账": [["签约日期"], [44260]]},
                formats={"台账": {"A2": 'yyyy"年"m"月"d"日"'}})
    rewrite(path, "xl/styles.xml", lambda xml: re.sub(r'numFmtId="16\d"', 'numFmtId="31"',
                                                      re.sub(r"<numFmts.*?</numFmts>", "", xml)))
    assert same(path)["台账"][1][1] == (44260,)


def test_strings_as_excel_and_wps_write_them(tmp_path):
    """Rich text runs joined, phonetic guides left out, inline strings, a formula's text, an
    error, a cell with no value, cells and rows out of the usual order."""
    path = xlsx(tmp_path / "s.xlsx", {"台账": [["项目名称", "投资方", "备注"], ["甲", "乙", "丙"]]})
    shared_strings(path, [
        "<si><t>项目名称</t></si>", "<si><t>投资方</t></si>", "<si><t>备注</t></si>",
        '<si><t xml:space="preserve"> 甲 x005F_x000D_ &amp;</t></si>',
        ('<si><r><rPr><b/></rPr><t>华锂</t></r><r><t xml:space="preserve"> 集团</t></r>'
         '<rPh sb="0" eb="1"><t>ホア</t></rPh></si>'),
        "<si><t>前</t><r><t>后</t></r></si>", "<si><t/></si>"])
    rewrite(path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(
        r'<row r="1">.*?</row>', '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>6</v></c></row>',
        xml, flags=re.DOTALL))

    def sheet(xml: str) -> str:
        return re.sub(r'<row r="2"[^>]*>.*?</row>', (
            '<row r="2"><c r="A2" t="inlineStr"><is><t>内联</t></is></c><c r="B2" t="s"><v>4</v></c>'
            '<c r="C2" t="s"><v>5</v></c><c r="D2" t="str"><f>A2&amp;"x"</f><v>内联x</v></c>'
            '<c r="E2" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="F2" t="b"><v>1</v></c>'
            '<c r="G2"><f>1+1</f></c><c r="H2" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c>'
            '<c t="inlineStr"><is><t/></is></c><c r="K2" t="d"><v>2021-03-05T00:00:00</v></c></row>'
            '<row r="5"><c r="C5"><v>3</v></c><c r="A5"><v>1</v></c></row>'
            '<row r="4"><c r="A4"><v>9</v></c></row>'
            '<row><c r="B6"><v>7.5</v></c></row><row r="7"/>'), xml, flags=re.DOTALL)

    rewrite(path, "xl/worksheets/sheet1.xml", sheet)
    rows = same(path)["台账"][1]
    assert rows[0] == ("项目名称", "投资方", "备注", " 甲 x000D_ &", "")
    assert rows[1][:3] == ("内联", "华锂 集团", "前后") and rows[1][7] == "富文本"
    assert rows[4] == (1,)  # as wide as its last cell
    assert len(rows) == 7 and rows[3] == rows[5] == rows[6] == ()  # row 4 and the unnumbered one: late


def test_prefixed_parts_and_a_relative_part_name(tmp_path):
    """Parts written with a namespace prefix (x:row), a sheet part named relative to the
    workbook's."""
    path = xlsx(tmp_path / "p.xlsx", {"台账": [["项目名称", "投资方"], ["甲", 1]]})
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rewrite(path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(
        r"<(/?)(?!\?)(\w+)", r"<\1x:\2", xml.replace(f'xmlns="{main}"', f'xmlns:x="{main}"')))
    rewrite(path, "xl/_rels/workbook.xml.rels", lambda xml: xml.replace(
        "/xl/worksheets/sheet1.xml", "worksheets/sheet1.xml"))
    found = same(path)
    assert found["台账"][1][1] == ("甲", 1)


def test_a_sheet_without_a_header_or_rows_and_a_wide_sheet(tmp_path):
    book = Workbook(write_only=True)
    book.create_sheet("空")
    wide = book.create_sheet("宽")
    for n in range(30):
        wide.append([n * 1000 + x if x % 7 else f"文{x}" for x in range(40)])
    path = tmp_path / "w.xlsx"
    book.save(path)
    found = same(path)
    assert found["空"][1] == [] and len(found["宽"][1]) == 30


@pytest.mark.parametrize("part, change", [
    ("xl/workbook.xml", lambda xml: xml.replace("<sheets>", "<sheets><sheet")),
    ("xl/worksheets/sheet1.xml", lambda xml: xml.replace("</sheetData>", "")),
    ("xl/workbook.xml", lambda xml: re.sub(r'r:id="rId\d"', 'r:id="rId99"', xml)),
    ("xl/worksheets/sheet1.xml", lambda xml: xml.replace('r="A2"', 'r="2A"')),
    ("xl/worksheets/sheet1.xml", lambda xml: xml.replace('<row r="2"', '<row r="2.5"')),
])
def test_a_damaged_workbook_is_not_a_workbook(tmp_path, part, change):
    path = xlsx(tmp_path / "bad.xlsx", {"台账": [["项目名称", "投资方"], ["甲", "乙"]]})
    rewrite(path, part, change)
    with pytest.raises(NotAWorkbook):
        read(path)
