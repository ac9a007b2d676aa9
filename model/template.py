"""Write input workbooks from the schema: the blank template, and workbooks from plain records.

Every sheet gets its header row (frozen, bold), fitted widths, dropdown lists for statuses,
scopes and booleans, and a README sheet that explains each column from ``model.schema``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from model import schema
from model.atomic import atomic_save

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
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
    written as given (numbers as numbers). The file is written atomically.
    """
    records = records or {}
    names = list(sheets) if sheets is not None else [s.name for s in schema.SHEETS]
    wb = Workbook()
    readme_ws = wb.active
    readme_ws.title = "README"
    for r in _readme_rows(readme):
        readme_ws.append(list(r))
    header_row = next(i for i, r in enumerate(readme_ws.iter_rows(values_only=True), start=1) if r[0] == "sheet")
    for cell in readme_ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for letter, width in zip("ABCDE", (14, 18, 26, 34, 100)):
        readme_ws.column_dimensions[letter].width = width
    for row in readme_ws.iter_rows(min_row=header_row + 1):
        row[4].alignment = Alignment(wrap_text=True, vertical="top")
    for name in names:
        spec = schema.SHEETS_BY_NAME[name]
        ws = wb.create_sheet(name)
        headers = list(spec.headers)
        ws.append(headers)
        for rec in records.get(name, []):
            ws.append([rec.get(h) for h in headers])
        for j, col in enumerate(spec.columns, start=1):
            cell = ws.cell(row=1, column=j)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            values = [rec.get(col.name) for rec in records.get(name, [])]
            width = max([len(col.name)] + [len(str(v)) for v in values if v is not None]) + 3
            ws.column_dimensions[get_column_letter(j)].width = min(max(width, 10), 60)
            letter = get_column_letter(j)
            rng = f"{letter}2:{letter}{VALIDATED_ROWS}"
            choices: tuple[str, ...] = ()
            if col.kind == "choice":
                choices = col.choices
            elif col.kind == "bool":
                choices = ("TRUE", "FALSE")
            if choices:
                dv = DataValidation(
                    type="list",
                    formula1='"' + ",".join(choices) + '"',
                    allow_blank=not col.required,
                    showErrorMessage=True,
                    errorTitle=f"{name}.{col.name}",
                    error=f"Choose one of: {', '.join(choices)}",
                )
                dv.add(rng)
                ws.add_data_validation(dv)
            elif col.kind == "share":
                dv = DataValidation(
                    type="decimal",
                    operator="between",
                    formula1="0",
                    formula2="1",
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle=f"{name}.{col.name}",
                    error="A share is a fraction between 0 and 1 (25% is 0.25).",
                )
                dv.add(rng)
                ws.add_data_validation(dv)
            if col.kind == "share":
                for r in range(2, len(records.get(name, [])) + 2):
                    ws.cell(row=r, column=j).number_format = "0.0%"
        ws.freeze_panes = "A2"
    return atomic_save(wb, Path(path))


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
