"""Write input workbooks from the schema: the blank template, and workbooks from plain records.

Every sheet gets its header row (frozen, bold), fitted widths, dropdown lists for statuses,
scopes and booleans, and a README sheet that explains each column from ``model.schema``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from model import schema
from model.xlsx import BOOL, HEADER_FILL, Book, save_atomically, write_column

VALIDATED_ROWS = 2000


def _readme_rows(extra: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    for line in extra:
        rows.append((line[0], line[1], "", "", ""))
    if rows:
        rows.append(("", "", "", "", ""))
    rows.append(("sheet", "column", "type", "required / default", "meaning"))
    for sheet in schema.SHEETS:
        rows.append((sheet.name, "", "required sheet" if sheet.required else "optional sheet", "", sheet.description))
        if sheet is schema.SETTINGS_SHEET:
            for s in schema.SETTINGS:
                default = "required unless every product gives one" if s.default is None else f"default {s.default}"
                rows.append(("Settings", s.name, s.kind, default, s.description))
            continue
        for c in sheet.columns:
            if c.required:
                req = "required"
            elif c.blank_means:
                req = f"blank: {c.blank_means}"
            elif c.default in (None, ""):
                req = "optional"
            else:
                req = f"default {c.default}"
            meaning = c.description + (f" [{c.unit}]" if c.unit else "")
            rows.append((sheet.name, c.name, c.type_label, req, meaning))
    return rows


def write_input_workbook(
    path: str | Path,
    records: Mapping[str, list[dict[str, Any]]] | None = None,
    readme: Iterable[tuple[str, str]] = (),
    sheets: Iterable[str] | None = None,
) -> Path:
    """Write an input workbook with ``records`` per sheet (none: the blank template).

    ``sheets`` limits which sheets are written (default: every sheet of the schema). Values are
    written as given (numbers as numbers, booleans as booleans with the ``BOOL`` format, so they
    read TRUE/FALSE in LibreOffice as in Excel, text as text: never a formula). The file is written
    atomically, by XlsxWriter (as the results are).
    """
    records = records or {}
    names = list(sheets) if sheets is not None else [s.name for s in schema.SHEETS]
    names += [n for n in records if n not in names and n not in schema.SHEETS_BY_NAME]

    def fill(book: Book) -> None:
        header = book.format(bold=True, fill=HEADER_FILL)
        wrap = book.wb.add_format({"text_wrap": True, "valign": "top"})
        readme_ws = book.wb.add_worksheet("README")
        header_row = None
        for i, row in enumerate(_readme_rows(readme)):
            is_header = header_row is None and row[0] == "sheet"
            if is_header:
                header_row = i
            for j, v in enumerate(row):
                if v:
                    cell_fmt = header if is_header else (wrap if j == 4 and header_row is not None else None)
                    readme_ws.write_string(i, j, v, cell_fmt)
        for j, width in enumerate((14, 18, 26, 34, 100)):
            readme_ws.set_column(j, j, width)
        share, boolean = book.format("0.0%"), book.format(BOOL)
        for name in names:
            spec = schema.SHEETS_BY_NAME.get(name)
            ws = book.wb.add_worksheet(name)
            rows = records.get(name, [])
            known = spec.columns if spec is not None else ()
            # Columns (and sheets) the schema does not know yet are written as given, after the
            # known ones: a generator may write a workbook for a newer version of the contract.
            extra = [k for rec in rows for k in rec if all(c.name != k for c in known)]
            headers = [c.name for c in known] + list(dict.fromkeys(extra))
            for j, col_name in enumerate(headers):
                col = spec.column(col_name) if spec is not None and j < len(known) else None
                is_bool = col is not None and col.kind == "bool"
                ws.write_string(0, j, col_name, header)
                values = [rec.get(col_name) for rec in rows]
                width = max([len(col_name)] + [len(str(v)) for v in values if v is not None]) + 3
                # a boolean column reads TRUE/FALSE in LibreOffice too (it shows 1/0 without a format),
                # also in the rows a planner fills in later
                ws.set_column(j, j, min(max(width, 10), 60), boolean if is_bool else None)
                share_fmt = share if col is not None and col.kind == "share" else None
                write_column(ws, j, values, share_fmt, bool_format=boolean)
                if col is not None:
                    _validation(ws, name, j, col)
            ws.freeze_panes(1, 0)

    return save_atomically(fill, path)


def _validation(ws: Any, sheet: str, j: int, col: schema.Column) -> None:
    """Dropdowns for choices and booleans; shares between 0 and 1 (rows 2 to VALIDATED_ROWS)."""
    choices: tuple[str, ...] = ()
    if col.kind == "choice":
        choices = col.choices
    elif col.kind == "bool":
        choices = ("TRUE", "FALSE")
    if choices:
        ws.data_validation(
            1,
            j,
            VALIDATED_ROWS - 1,
            j,
            {
                "validate": "list",
                "source": list(choices),
                "ignore_blank": not col.required,
                "error_title": f"{sheet}.{col.name}"[:32],
                "error_message": f"Choose one of: {', '.join(choices)}",
            },
        )
    elif col.kind == "share":
        ws.data_validation(
            1,
            j,
            VALIDATED_ROWS - 1,
            j,
            {
                "validate": "decimal",
                "criteria": "between",
                "minimum": 0,
                "maximum": 1,
                "ignore_blank": True,
                "error_title": f"{sheet}.{col.name}"[:32],
                "error_message": "A share is a fraction between 0 and 1 (25% is 0.25).",
            },
        )


def write_template(path: str | Path) -> Path:
    """The blank template: every sheet and header, README, dropdowns, frozen header rows."""
    return write_input_workbook(
        path,
        readme=[
            (
                "Blank input workbook",
                "Fill in the sheets; required sheets: Settings, Countries, Products, Sites, Demand.",
            ),
            ("Check it", "python run.py --check THIS_FILE.xlsx"),
        ],
    )
