"""The workbook reader: the values openpyxl's own reader gives, faster, and no document types."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.reader.strings import read_string_table

from model.sheetxml import NO_CACHED_VALUE, UnsafeXmlError, open_workbook, read_rows, refuse_doctype, shared_strings
from model.template import write_template
from model.workbook import read_workbook
from tests.helpers import BASE, SAMPLE, write

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def openpyxl_rows(ws: Any) -> list[tuple[int, tuple[Any, ...]]]:
    """What openpyxl's own data-only reader gives for every row (its reading before model.sheetxml)."""
    if not hasattr(ws, "iter_rows"):  # a chart sheet: no cells
        return []
    ws.reset_dimensions()
    return [(i, tuple(row)) for i, row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)]


def both(path: Path) -> dict[str, tuple[list, list]]:
    """Per sheet: (ours with the formula marker read as openpyxl's None, openpyxl's)."""
    mine, theirs = open_workbook(path), load_workbook(path, read_only=True, data_only=True)
    try:
        out = {}
        for ws in mine.worksheets:
            ours = [(i, tuple(None if v is NO_CACHED_VALUE else v for v in row)) for i, row in read_rows(ws)]
            out[ws.title] = (ours, openpyxl_rows(theirs[ws.title]))
        return out
    finally:
        mine.close()
        theirs.close()


@pytest.mark.parametrize("which", ["sample", "template", "records"])
def test_same_values_as_openpyxl_on_the_projects_workbooks(tmp_path: Path, which: str) -> None:
    path = {
        "sample": lambda: SAMPLE,
        "template": lambda: write_template(tmp_path / "t.xlsx"),
        "records": lambda: write(tmp_path, BASE),
    }[which]()
    sheets = both(path)
    assert sheets
    for title, (ours, theirs) in sheets.items():
        assert ours == theirs, title
    assert sum(len(o) for o, _ in sheets.values()) > 10


cell_values = st.one_of(
    st.none(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(lambda x: abs(x) > 1e-9 or x == 0),
    st.booleans(),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn")), max_size=12),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
)
grids = st.lists(st.lists(cell_values, min_size=0, max_size=6), min_size=1, max_size=8)


def _write_openpyxl(path: Path, grid: list[list[Any]]) -> None:
    wb = Workbook()
    ws = wb.active
    for i, row in enumerate(grid, start=1):
        for j, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(i, j, v)
    wb.save(path)


def _write_xlsxwriter(path: Path, grid: list[list[Any]]) -> None:
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            if isinstance(v, dt.datetime):
                ws.write_datetime(i, j, v, when)
            elif isinstance(v, str):
                ws.write_string(i, j, v)
            elif v is not None:
                ws.write(i, j, v)
    book.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grid=grids)
def test_same_values_as_openpyxl_on_any_grid(tmp_path: Path, grid: list[list[Any]]) -> None:
    """Numbers, text (inline from openpyxl, shared from XlsxWriter), booleans, dates, gaps."""
    for writer in (_write_openpyxl, _write_xlsxwriter):
        path = tmp_path / f"{writer.__name__}.xlsx"
        writer(path, grid)
        for title, (ours, theirs) in both(path).items():
            assert ours == theirs, (writer.__name__, title)


def _with_sheet_xml(tmp_path: Path, body: str, prolog: str = '<?xml version="1.0" encoding="UTF-8"?>') -> Path:
    """A one-sheet workbook whose sheet XML is replaced by ``body`` (the children of <worksheet>)."""
    path = tmp_path / "hand.xlsx"
    wb = Workbook()
    wb.active.title = "Data"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = f'{prolog}<worksheet xmlns="{MAIN}">{body}</worksheet>'.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def test_hand_written_cells(tmp_path: Path) -> None:
    """Cells and rows without references, gaps, a repeated row, every cell type, formulas."""
    body = (
        "<sheetData>"
        '<row r="1"><c r="A1" t="inlineStr"><is><t>plain</t></is></c>'
        '<c r="C1" t="inlineStr"><is><r><t>ri</t></r><r><t>ch</t></r>'
        '<rPh sb="0" eb="1"><t>ignored</t></rPh></is></c></row>'
        '<row r="3"><c><v>7</v></c><c><v>2.5</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c>'
        '<c t="str"><f>A1</f><v>plain</v></c><c><f>1+1</f></c><c t="d"><v>2024-05-01T00:00:00</v></c>'
        '<c><v></v></c><c r="K3"><v>1E3</v></c></row>'
        "<row><c><v>-4</v></c></row>"
        '<row r="2"><c r="A2"><v>99</v></c></row>'
        "</sheetData>"
    )
    path = _with_sheet_xml(tmp_path, body)
    with open_workbook(path) as wb:
        ours = read_rows(wb["Data"])
    assert ours == [
        (1, ("plain", None, "rich")),
        (2, ()),
        (3, (7, 2.5, True, "#N/A", "plain", NO_CACHED_VALUE, dt.datetime(2024, 5, 1), None, None, None, 1000.0)),
        (4, (-4,)),
    ]
    (mine, theirs) = both(path)["Data"]
    assert mine == theirs


def test_shared_strings_as_openpyxl_reads_them() -> None:
    table = (
        f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="6" uniqueCount="6">'
        '<si><t>plain</t></si><si><t xml:space="preserve">  spaced  </t></si><si><t/></si>'
        '<si><r><rPr><b/></rPr><t>bo</t></r><r><t>ld</t></r><rPh sb="0" eb="1"><t>x</t></rPh></si>'
        "<si><t>a_x005F_b</t></si><si><t>&lt;&amp;&gt;</t></si></sst>"
    ).encode()
    expected = read_string_table(io.BytesIO(table))
    assert shared_strings(io.BytesIO(table)) == expected == ["plain", "  spaced  ", "", "bold", "a_b", "<&>"]
    with pytest.raises(UnsafeXmlError):
        shared_strings(io.BytesIO(b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "b">]>' + table[21:]))


@pytest.mark.parametrize(
    "part",
    [
        "xl/worksheets/sheet2.xml",
        "xl/sharedStrings.xml",
        "xl/workbook.xml",
        "xl/styles.xml",
        "xl/_rels/workbook.xml.rels",
        "_rels/.rels",
    ],
)
def test_a_document_type_in_any_part_is_refused(tmp_path: Path, part: str) -> None:
    """Refused with the plain-words message, in every part the reader parses: when the workbook is
    opened (workbook, relationships, shared strings, styles), or when the sheet is read."""
    path = write(tmp_path, BASE)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = part
    xml = parts[name].decode()
    root = xml.index("<", xml.index("?>") + 2 if xml.startswith("<?xml") else 0)
    bomb = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    parts[name] = (xml[:root] + bomb + xml[root:]).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    with pytest.raises(Exception) as info:
        read_workbook(path)
    errors = [str(e) for e in info.value.errors]
    assert any("unsafe XML" in e for e in errors), errors


class _Counting(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_bytes = 0

    def read(self, n: int | None = -1) -> bytes:
        chunk = super().read(n)
        self.read_bytes += len(chunk)
        return chunk


def test_refuse_doctype_reads_only_the_prolog() -> None:
    body = b"<sheetData>" + b"<row/>" * 200_000 + b"</sheetData></worksheet>"
    ok = _Counting(b'<?xml version="1.0"?><!-- note --><worksheet xmlns="x">' + body)
    refuse_doctype(ok)
    assert ok.read_bytes < 100_000 < len(ok.getvalue())
    hidden = b'<?xml version="1.0"?><!--' + b" " * 200_000 + b'--><!DOCTYPE w [<!ENTITY a "b">]><worksheet/>'
    with pytest.raises(UnsafeXmlError):
        refuse_doctype(io.BytesIO(hidden))


def test_sheet_names_dates_and_durations_as_openpyxl_reads_them(tmp_path: Path) -> None:
    """Sheet order and names (a hidden sheet, a chart sheet, spaces), the 1904 date system,
    custom date and duration formats and a built-in date format: openpyxl's values."""
    for date_1904 in (False, True):
        path = tmp_path / f"dates{date_1904}.xlsx"
        book = xlsxwriter.Workbook(str(path), {"date_1904": date_1904})
        first = book.add_worksheet(" Sites ")
        hidden = book.add_worksheet("Hidden")
        hidden.hide()
        chart = book.add_chart({"type": "column"})
        chart.add_series({"values": "=' Sites '!$B$1:$B$3"})
        book.add_chartsheet("Chart").set_chart(chart)
        when = dt.datetime(2024, 2, 29, 6, 30)
        formats = ["d mmm yyyy", "[h]:mm:ss", "yyyy-mm-dd hh:mm", "0.00", "mm:ss", '"text" @']
        for i, code in enumerate(formats):
            first.write_datetime(i, 0, when, book.add_format({"num_format": code}))
            first.write_number(i, 1, 1.25 + i, book.add_format({"num_format": code}))
        first.write_number(len(formats), 0, 45000, book.add_format({"num_format": 14}))  # built-in m/d/yyyy
        hidden.write_number(0, 0, 3)
        book.close()
        with open_workbook(path) as mine:
            theirs = load_workbook(path, read_only=True, data_only=True)
            assert mine.sheetnames == theirs.sheetnames == [" Sites ", "Hidden", "Chart"]
            theirs.close()
        sheets = both(path)
        assert sheets[" Sites "][0] == sheets[" Sites "][1]
        assert sheets[" Sites "][0][0][1][0] == when
        assert isinstance(sheets[" Sites "][0][1][1][1], dt.timedelta)  # [h]:mm:ss: a duration
        assert sheets["Hidden"][0] == [(1, (3,))]
        assert sheets["Chart"][0] == []


def test_relationships_with_absolute_targets(tmp_path: Path) -> None:
    """Part names given from the archive's root ("/xl/worksheets/...") as some writers do."""
    path = write(tmp_path, BASE)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace('Target="worksheets/', 'Target="/xl/worksheets/').encode()
    assert parts["xl/_rels/workbook.xml.rels"] != rels.encode()
    moved = tmp_path / "moved.xlsx"
    with zipfile.ZipFile(moved, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    moved_sheets, sheets = both(moved), both(path)
    assert list(moved_sheets) == list(sheets) and len(sheets) > 3
    for title, (ours, theirs) in moved_sheets.items():
        assert ours == theirs == sheets[title][0], title


def test_an_archive_that_is_not_a_workbook_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("content.xml", "<office/>")  # e.g. an OpenDocument file renamed to .xlsx
    with pytest.raises(ValueError, match="no workbook part"):
        open_workbook(path)
    with pytest.raises(Exception) as info:
        read_workbook(path)
    errors = [str(e) for e in info.value.errors]
    assert len(errors) == 1 and "workbook" in errors[0], errors  # one plain-words error, no traceback


def test_sheets_without_a_relationship_or_a_part_are_left_out_as_openpyxl_does(tmp_path: Path) -> None:
    """A sheet listed without its relationship id, or whose part is missing from the archive, is
    not a sheet of the workbook (openpyxl warns of the first); one whose relationship is missing
    makes the workbook unreadable, with the sheet named."""
    path = write(tmp_path, BASE)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    book = parts["xl/workbook.xml"].decode()
    sheet = f'<sheet name="Loose" sheetId="99" xmlns="{MAIN}"/>'
    gone = '<sheet name="Gone" sheetId="98" r:id="rIdGone"/>'
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    gone_rel = (
        '<Relationship Id="rIdGone" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/missing.xml"/>'
    )
    variants = {
        "loose": (book.replace("</sheets>", sheet + "</sheets>"), rels),
        "gone": (
            book.replace("</sheets>", gone + "</sheets>"),
            rels.replace("</Relationships>", gone_rel + "</Relationships>"),
        ),
        "broken": (book.replace("</sheets>", gone + "</sheets>"), rels),
    }
    with open_workbook(path) as wb:
        original = wb.sheetnames
    for name, (book_xml, rels_xml) in variants.items():
        changed = tmp_path / f"{name}.xlsx"
        with zipfile.ZipFile(changed, "w") as z:
            for n, data in {
                **parts,
                "xl/workbook.xml": book_xml.encode(),
                "xl/_rels/workbook.xml.rels": rels_xml.encode(),
            }.items():
                z.writestr(n, data)
        if name == "broken":
            with pytest.raises(ValueError, match="sheet 'Gone'"):
                open_workbook(changed)
            continue
        expected = pytest.warns(UserWarning) if name == "loose" else contextlib.nullcontext()
        with open_workbook(changed) as mine, expected:
            theirs = load_workbook(changed, read_only=True, data_only=True)
            assert mine.sheetnames == theirs.sheetnames == original
            theirs.close()
