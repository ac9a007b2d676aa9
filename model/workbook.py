"""Excel workbook -> checked ``Network``; every problem reported at once with its sheet and cell.

``model.sheetxml`` reads the workbook's XML parts (formula cells give the value a spreadsheet
application last saved) with the C XML parser, after refusing any document type declaration in
each part: so XML entity bombs are refused everywhere. The rules are those
of ``docs/contract/workbook.md``; the column definitions come from ``model.schema``,
the rules of the network as a whole from ``model.checks`` and each family's own from the family
(``check_records``, ``warnings``), what the model needs beyond the records (arcs, disruption
losses, demand factors) from ``model.derive``, and each family's part of the network from the
family (``read``: the dependency family's caps, the groups, the stock, the Observed shares).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter

from model import checks, derive, horizon, schema
from model.collector import collector_paused
from model.columns import Record, SheetData, describe, valid
from model.families import FAMILIES
from model.issues import Issue, Issues, WorkbookError, did_you_mean, fold
from model.network import Network, Settings, pools_of
from model.sheetxml import NO_CACHED_VALUE, UnsafeXmlError, open_workbook, read_rows

EXCEL_ERRORS = (
    "#DIV/0!",
    "#N/A",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#REF!",
    "#VALUE!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
)
UNSAFE_XML = (
    "the file contains unsafe XML (entity definitions, as in an 'XML bomb'); it was not read. "
    "Save the data into a new workbook from Excel"
)
MAX_NUMBER = 1e15
"""Larger numbers are refused: HiGHS treats 1e20 as infinity, and they are typos in practice."""
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


# ------------------------------------------------------------------------------------------
# Opening the file
# ------------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


OPENDOCUMENT = {
    "application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet (.ods, as LibreOffice "
    "Calc or Google Sheets save it)",
    "application/vnd.oasis.opendocument.text": "an OpenDocument text document (.odt)",
    "application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation (.odp)",
}
OFFICE_PARTS = {"word/": "a Word document (.docx)", "ppt/": "a PowerPoint presentation (.pptx)"}
XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
SAVE_AS_XLSX = (
    "open it in LibreOffice Calc (File > Save As, file type 'Excel 2007-365 (.xlsx)') or in Excel "
    "(File > Save As, 'Excel Workbook (.xlsx)'), and run the tool on the .xlsx file"
)


def _other_zip_format(path: Path) -> str:
    """What a zip file that is not an .xlsx workbook is, and how to make one of it ("" if it is
    an .xlsx workbook or not a readable zip: ``open_workbook`` then says what is wrong)."""
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            mimetype = z.read("mimetype")[:100].decode("ascii", "replace").strip() if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
        return ""
    if "xl/workbook.xml" in names or any(n.lower().startswith("xl/workbook") for n in names):
        return ""
    what = OPENDOCUMENT.get(mimetype)
    if what is None and mimetype.startswith("application/vnd.oasis.opendocument"):
        what = "an OpenDocument file"
    if what is None:
        what = next((kind for part, kind in OFFICE_PARTS.items() if any(n.startswith(part) for n in names)), None)
    if what is None:
        what = "a zip archive, not an Excel workbook"
        return f"this is {what}; if it holds the workbook, unpack it and give the .xlsx file inside"
    if "spreadsheet" in what:
        return f"this is {what}, not an Excel .xlsx workbook; {SAVE_AS_XLSX}"
    return f"this is {what}, not an Excel workbook; save the data as an 'Excel Workbook (.xlsx)' and run the tool on it"


def _open(path: Path) -> Any:
    """Open the workbook or raise WorkbookError with one plain-words explanation."""
    name = path.name

    def fail(message: str) -> WorkbookError:
        return WorkbookError([Issue("error", name, "", message)])

    if not path.exists():
        raise fail(f"the file does not exist ({path})")
    if path.is_dir():
        raise fail("this is a folder, not an Excel workbook")
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise fail(f"the file cannot be read ({exc.strerror})") from None
    if not head:
        raise fail("the file is empty (0 bytes); save the workbook again from Excel as .xlsx")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise fail(
            "this is an old-format .xls workbook or a password-protected (encrypted) workbook; "
            "remove the password and save it as 'Excel Workbook (.xlsx)'"
        )
    if not head.startswith(b"PK"):
        raise fail(
            "this is not an Excel .xlsx workbook (it looks like text or another format, e.g. a "
            "CSV file renamed to .xlsx); open it in Excel and save it as 'Excel Workbook (.xlsx)'"
        )
    other = _other_zip_format(path)
    if other:
        raise fail(other)
    if path.suffix.lower() not in XLSX_SUFFIXES:
        raise fail(
            f"this is an Excel workbook, but its name ends in '{path.suffix}'; rename it to end in .xlsx "
            "(openpyxl, which opens it, goes by the name)"
        )
    try:
        return open_workbook(path)
    except zipfile.BadZipFile:
        raise fail(
            "the file is damaged or incomplete (truncated or not a valid .xlsx); save it again from Excel"
        ) from None
    except Exception as exc:
        cause: BaseException | None = exc  # openpyxl wraps defusedxml's refusal in a ValueError
        while cause is not None:
            if isinstance(cause, (DefusedXmlException, UnsafeXmlError)):
                raise fail(UNSAFE_XML) from None
            cause = cause.__cause__
        raise fail(f"the file cannot be read as an .xlsx workbook ({type(exc).__name__}: {str(exc)[:200]})") from None


# ------------------------------------------------------------------------------------------
# Cells
# ------------------------------------------------------------------------------------------


class _CellParser:
    """Turns a raw cell value into a typed value, or records an error at its cell."""

    def __init__(self, issues: Issues):
        self.issues = issues

    def __call__(self, sheet: str, cell: str, col: schema.Column, raw: Any) -> tuple[bool, Any]:
        """Return (ok, value); blank is (True, None)."""
        err = self.issues.error
        if raw is NO_CACHED_VALUE:
            err(
                sheet,
                cell,
                "this formula has no saved value (the workbook was written by a program and "
                "never calculated); open it in Excel or LibreOffice, let it recalculate, and save",
            )
            return False, None
        if isinstance(raw, str):
            text = raw.strip()
            if text.upper() in EXCEL_ERRORS:
                err(sheet, cell, f"found the Excel error value {text}; expected {col.type_label}")
                return False, None
            if text == "":
                return True, None
            raw = text
        if raw is None:
            return True, None
        kind = col.kind
        if kind in ("text",):
            return True, str(raw) if not isinstance(raw, float) or not raw.is_integer() else str(int(raw))
        if kind in ("name", "choice"):
            if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
                err(sheet, cell, f"found {describe(raw)}; expected a {col.type_label}")
                return False, None
            text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
            text = text.strip()
            if kind == "choice":
                lowered = text.casefold()
                if lowered in col.choices:
                    return True, lowered
                err(
                    sheet,
                    cell,
                    f"found '{text}'; expected one of: {', '.join(col.choices)}" + did_you_mean(text, col.choices),
                )
                return False, None
            return True, text
        if kind == "bool":
            if isinstance(raw, bool):
                return True, raw
            key = str(int(raw)) if isinstance(raw, (int, float)) and float(raw).is_integer() else str(raw)
            key = key.strip().casefold()
            if key in _TRUE:
                return True, True
            if key in _FALSE:
                return True, False
            err(sheet, cell, f"found {describe(raw)}; expected TRUE or FALSE (or yes/no, y/n, 1/0)")
            return False, None
        # numbers, integers, shares
        value = self._number(sheet, cell, col, raw)
        if value is None:
            return False, None
        if kind == "share":
            if value < 0:
                err(sheet, cell, f"found {value:g}; a share must be between 0 and 1")
                return False, None
            if value > 1:
                hint = f" (did you mean {value / 100:g}?)" if value <= 100 else ""
                err(
                    sheet,
                    cell,
                    f"found {value:g}; shares are fractions between 0 and 1 (25% is 0.25){hint}",
                )
                return False, None
            return True, value
        if col.minimum is not None and value < col.minimum:
            err(sheet, cell, f"found {value:g}; expected a {col.type_label}")
            return False, None
        if kind == "integer":
            if not float(value).is_integer():
                err(sheet, cell, f"found {value:g}; expected a whole number")
                return False, None
            return True, int(value)
        return True, value

    def _number(self, sheet: str, cell: str, col: schema.Column, raw: Any) -> float | None:
        err = self.issues.error
        if isinstance(raw, bool):
            err(sheet, cell, f"found {describe(raw)}; expected a {col.type_label}")
            return None
        if isinstance(raw, (int, float)):
            value = float(raw)
        elif isinstance(raw, str):
            if not _DECIMAL.match(raw):
                hint = ""
                if raw.endswith("%") and _DECIMAL.match(raw[:-1].strip()):
                    hint = f" (did you mean {float(raw[:-1]) / 100:g}?)"
                elif _DECIMAL.match(raw.replace(",", "")):
                    hint = f" (did you mean {raw.replace(',', '')}?)"
                err(sheet, cell, f"found the text {describe(raw)}; expected a {col.type_label}{hint}")
                return None
            value = float(raw)
        else:
            err(sheet, cell, f"found {describe(raw)}; expected a {col.type_label}")
            return None
        if math.isnan(value) or math.isinf(value):
            err(sheet, cell, f"found {raw}; expected a finite {col.type_label}")
            return None
        if abs(value) > MAX_NUMBER:
            err(
                sheet,
                cell,
                f"found {value:g}; numbers above {MAX_NUMBER:g} are not accepted (a typo? choose units "
                "that keep numbers smaller, e.g. USD million)",
            )
            return None
        return value


# ------------------------------------------------------------------------------------------
# Sheets
# ------------------------------------------------------------------------------------------


def _read_sheet(
    ws: Any, spec: schema.Sheet, issues: Issues, parse: _CellParser, require_records: bool = True
) -> SheetData | None:
    name = spec.name
    rows = read_rows(ws)
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1][1]):
        rows.pop()
    if not rows:
        if spec.required and spec is not schema.SETTINGS_SHEET:
            issues.error(name, "", "the sheet is empty; it needs a header row and at least one record")
        elif spec is schema.SETTINGS_SHEET:
            return SheetData(spec, [], {})
        return None
    header = rows[0][1]
    positions: dict[str, int] = {}
    unknown: list[tuple[str, str]] = []
    for j, h in enumerate(header):
        if h is None or (isinstance(h, str) and not h.strip()):
            continue
        text = str(h).strip()
        letter = get_column_letter(j + 1)
        if text.casefold().startswith("notes"):
            continue
        if text in spec.headers:
            if text in positions:
                issues.error(name, f"{letter}1", f"column '{text}' appears twice in the header row")
            else:
                positions[text] = j
        else:
            unknown.append((text, letter))
    missing = [c for c in spec.columns if c.name not in positions]
    near_missed: set[str] = set()
    for text, letter in unknown:
        near = near_name(text, [c.name for c in missing if c.name not in near_missed])
        if near is not None:
            near_missed.add(near)
            issues.error(
                name,
                f"{letter}1",
                f"column '{text}' is not recognised: headers are matched exactly (did you mean '{near}'?)"
                + (
                    ""
                    if fold(text) == fold(near)
                    else "; a header one or two letters away from a column of the sheet is an error, so that "
                    "a typo never silently drops the column"
                ),
            )
        else:
            issues.warning(
                name,
                f"{letter}1",
                f"unknown column '{text}' is ignored" + did_you_mean(text, [c.name for c in missing]),
            )
    fatal = bool(near_missed)
    for col in missing:
        if col.required and col.name not in near_missed:
            issues.error(name, "1:1", f"required column '{col.name}' is missing from the header row")
            fatal = True
    letters = {c: get_column_letter(j + 1) for c, j in positions.items()}
    if fatal:
        return None
    records: list[Record] = []
    layout = [(col, positions.get(col.name), letters.get(col.name, "")) for col in spec.columns]
    blank_is_error = spec is not schema.SETTINGS_SHEET
    for r, row in rows[1:]:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        values: dict[str, Any] = {}
        ok_row = True
        width = len(row)
        for col, j, letter in layout:
            raw = row[j] if j is not None and j < width else None
            ok, value = (True, None) if raw is None else parse(name, f"{letter}{r}", col, raw)
            if not ok:
                ok_row = False
                continue
            if value is None:
                if col.required and blank_is_error:
                    issues.error(name, f"{letter}{r}", f"'{col.name}' is blank; expected a {col.type_label}")
                    ok_row = False
                    continue
                value = col.default
            values[col.name] = value
        if ok_row:
            records.append(Record(r, values))
        else:
            records.append(Record(r, values | {"_invalid": True}))
    if require_records and spec.required and spec is not schema.SETTINGS_SHEET and not records:
        issues.error(name, "", "the sheet has a header row but no records; it needs at least one")
    return SheetData(spec, records, letters)


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace a letter, or swap two neighbours) that turn ``a`` into ``b``
    (the optimal string alignment distance)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


TYPO_EDITS = 2
"""A setting, sheet or column name this many edits (or fewer, case and spaces ignored) from a
known one that is absent is a typo: an error, never a silently dropped setting, sheet or column.
Names of ``SHORT_NAME`` letters or fewer (`Caps`, `role`) allow one edit only, so that a header
like `rate` is not taken for `role`."""
SHORT_NAME = 5


def typo_edits(known: str) -> int:
    """The most edits a typo of ``known`` may be: 1 for a short name, else ``TYPO_EDITS``."""
    return 1 if len(fold(known)) <= SHORT_NAME else TYPO_EDITS


def near_name(name: str, known: Iterable[str]) -> str | None:
    """The name of ``known`` that ``name`` is a typo of: the nearest k with
    edit_distance(fold(name), fold(k)) <= typo_edits(k) (the first on a tie), else None."""
    folded = fold(name)
    scored = [(edit_distance(folded, fold(k)), i, k) for i, k in enumerate(known)]
    scored = [t for t in scored if t[0] <= typo_edits(t[2])]
    return min(scored)[2] if scored else None


def near_setting(name: str) -> str | None:
    """The known setting ``name`` is a typo of (at most two edits, case and spaces ignored), if any."""
    return near_name(name, (s.name for s in schema.SETTINGS))


def _read_settings(data: SheetData | None, issues: Issues, parse: _CellParser) -> tuple[Settings, dict[str, int]]:
    values: dict[str, Any] = {}
    rows: dict[str, int] = {}
    if data is None:
        return Settings(), rows
    vcol = data.letters.get("value", "B")
    for rec in data.records:
        name = rec.values.get("setting")
        if name is None:
            if rec.values.get("value") not in (None, ""):
                issues.error("Settings", f"{data.letters['setting']}{rec.row}", "the setting name is blank")
            continue
        setting = schema.SETTINGS_BY_NAME.get(name)
        if setting is None:
            near = near_setting(name)
            if near is not None:
                issues.error(
                    "Settings",
                    f"{data.letters['setting']}{rec.row}",
                    f"unknown setting '{name}' (did you mean '{near}'?); a setting one or two letters "
                    "away from a known one is an error, so that a typo never silently drops it",
                )
            else:
                issues.warning(
                    "Settings",
                    f"{data.letters['setting']}{rec.row}",
                    f"unknown setting '{name}' is ignored" + did_you_mean(name, schema.SETTINGS_BY_NAME),
                )
            continue
        if name in rows:
            issues.error(
                "Settings",
                f"{data.letters['setting']}{rec.row}",
                f"setting '{name}' is given twice (also on row {rows[name]})",
            )
            continue
        rows[name] = rec.row
        raw = rec.values.get("value")
        col = schema.Column(
            name,
            setting.kind,
            setting.description,
            required=False,
            minimum=setting.minimum,
            choices=setting.choices,
        )
        ok, value = parse("Settings", f"{vcol}{rec.row}", col, raw)
        if not ok or value is None:
            continue
        if setting.maximum is not None and value > setting.maximum:
            issues.error(
                "Settings", f"{vcol}{rec.row}", f"found {value:g}; '{name}' must be at most {setting.maximum:g}"
            )
            continue
        values[name] = value
    return Settings(**values), rows


# ------------------------------------------------------------------------------------------
# The whole workbook
# ------------------------------------------------------------------------------------------


def read_workbook(path: str | Path, require_records: bool = True) -> Network:
    """Read and check a workbook. Raises ``WorkbookError`` listing every error found.

    Warnings do not stop the read; they are kept in ``Network.warnings``.
    ``require_records=False`` accepts required sheets with a header but no records (an empty
    network, e.g. the blank template read back); planners' runs always require records.
    """
    with collector_paused():  # the read makes many small objects: see model.collector
        return _read_workbook(Path(path), require_records)


def _read_workbook(path: Path, require_records: bool) -> Network:
    t0 = time.perf_counter()
    wb = _open(path)
    try:
        issues = Issues()
        if path.suffix.lower() in (".xlsm", ".xltm"):
            issues.warning(
                path.name, "", "this workbook has macros (.xlsm); they are ignored, only cell values are read"
            )
        parse = _CellParser(issues)
        present: dict[str, Any] = {}
        unknown: dict[str, str] = {}  # the stripped name of each unknown sheet -> its title
        for title in wb.sheetnames:
            stripped = title.strip()
            if stripped in schema.SHEETS_BY_NAME:
                present[stripped] = wb[title]
            elif stripped.casefold() not in (s.casefold() for s in schema.IGNORED_SHEETS):
                unknown[stripped] = title
        held_back = _misnamed_sheets(list(unknown), present, issues, lambda name: _header_of(wb[unknown[name]]))
        for spec in schema.SHEETS:
            if spec.required and spec.name not in present:
                hint = did_you_mean(spec.name, [t.strip() for t in wb.sheetnames])
                issues.error(spec.name, "", f"required sheet '{spec.name}' is missing{hint}")
                held_back.add(spec.name)
        data: dict[str, SheetData] = {}
        for spec in schema.SHEETS:
            if spec.name in present:
                try:
                    d = _read_sheet(present[spec.name], spec, issues, parse, require_records)
                except UnsafeXmlError:
                    issues.error(spec.name, "", UNSAFE_XML)
                    d = None
                except Exception as exc:
                    issues.error(spec.name, "", f"the sheet cannot be read ({type(exc).__name__}: {exc})")
                    d = None
                if d is not None:
                    data[spec.name] = d
                else:
                    held_back.add(spec.name)  # its cause is reported; what follows from it is held back
    finally:
        wb.close()
    t1 = time.perf_counter()
    settings, settings_rows = _read_settings(data.get("Settings"), issues, parse)
    network = _build_network(path, data, settings, settings_rows, issues, held_back)
    if issues.errors:
        raise WorkbookError(issues.items)
    assert network is not None
    return dataclasses.replace(
        network, warnings=tuple(issues.warnings), timings={"read": t1 - t0, "check": time.perf_counter() - t1}
    )


MIN_STEM = 5
"""A sheet name counts as holding an optional sheet's name (``Disruption list`` holds
Disruptions' stem ``disruption``) only for stems of this many letters or more (not ``cap``,
``lane``), so that a sheet like `Capex` stays a sheet of the planner's own."""


def _stem(name: str) -> str:
    """The folded name without a plural s: ``disruption`` for `Disruptions`."""
    folded = fold(name)
    return folded[:-1] if folded.endswith("s") else folded


def _header_of(ws: Any) -> list[str]:
    """The folded, non-blank cells of a sheet's first row (its header, if it has one)."""
    rows = read_rows(ws)
    if not rows:
        return []
    return [fold(str(v)) for v in rows[0][1] if v is not None and str(v).strip()]


def _meant_sheet(title: str, absent: list[str], header: Callable[[], list[str]]) -> tuple[str | None, str]:
    """The absent optional sheet that the unknown sheet ``title`` stands for, and how that is
    known: ``"typo"`` (at most ``TYPO_EDITS`` edits from it), ``"suggested"`` (the did-you-mean
    among all sheet names is that absent sheet: `Disruption list` for Disruptions), or
    ``"named"`` (one name holds the other's stem, of at least ``MIN_STEM`` letters, and the
    sheet's header has a column of that sheet: `Scenario disruptions` with a capacity_loss
    column). (None, "") when it stands for none: a sheet of the planner's own."""
    typo = near_name(title, absent)
    if typo is not None:
        return typo, "typo"
    suggested = did_you_mean(title, schema.SHEETS_BY_NAME)
    for name in absent:
        if suggested == f" (did you mean '{name}'?)":
            return name, "suggested"
    folded = fold(title)
    holding = [
        name
        for name in absent
        if len(_stem(name)) >= MIN_STEM
        and (_stem(name) in folded or (len(folded) >= MIN_STEM and folded in fold(name)))
    ]
    if holding:
        columns = set(header())
        for name in holding:
            if columns & {fold(c.name) for c in schema.SHEETS_BY_NAME[name].columns}:
                return name, "named"
    return None, ""


def _misnamed_sheets(
    unknown: list[str], present: dict[str, Any], issues: Issues, header: Callable[[str], list[str]]
) -> set[str]:
    """Report each unknown sheet; return the optional sheets that are absent but misnamed.

    An unknown sheet is a warning (it is ignored), except when it stands for an absent optional
    sheet (``_meant_sheet``: a near miss of at most ``TYPO_EDITS`` edits, case and spaces ignored,
    as `Cap` for Caps; a did-you-mean that is the absent sheet, as `Disruption list` for
    Disruptions; or a name holding the sheet's name with a header of its columns): that is an
    error at the misnamed sheet, since running without the sheet would drop what it says (a cap,
    a recipe, the periods, every crisis's capacity loss). What follows from the missing sheet
    (references to the names it defines, rows that differ only by a period) is held back. A near
    miss of an absent required sheet is reported by the "required sheet is missing" error.
    ``header(name)`` reads the first row of the unknown sheet ``name``."""
    absent = [s.name for s in schema.SHEETS if s.name not in present and not s.required]
    defining = {sheet: kind for kind, sheet in checks.DEFINED_ON.items()}
    held_back: set[str] = set()
    for title in unknown:
        meant, how = _meant_sheet(title, [s for s in absent if s not in held_back], lambda t=title: header(t))
        if meant is None:
            hint = did_you_mean(title, schema.SHEETS_BY_NAME)
            issues.warning(title, "", f"unknown sheet '{title}' is ignored{hint}")
            continue
        kind = defining.get(meant)
        why = f"; the {kind}s other sheets refer to are defined on the {meant} sheet" if kind else ""
        if how == "typo":
            issues.error(
                title,
                "",
                f"sheet '{title}' is not recognised: sheet names are matched exactly (did you mean "
                f"'{meant}'?); a sheet one or two letters away from an optional sheet is an error, so that "
                f"a typo never silently drops the sheet{why}",
            )
        else:
            issues.error(
                title,
                "",
                f"sheet '{title}' is not recognised: sheet names are matched exactly (did you mean '{meant}'?); "
                f"the workbook has no '{meant}' sheet, and without it {schema.SHEETS_BY_NAME[meant].without}. "
                "Rename the sheet "
                f"'{meant}' if that is what it holds, or give a sheet of your own a name further from '{meant}'{why}",
            )
        held_back.add(meant)
    return held_back


def _build_network(
    path: Path,
    data: dict[str, SheetData],
    settings: Settings,
    settings_rows: dict[str, int],
    issues: Issues,
    held_back: set[str],
) -> Network | None:
    """Cross-sheet rules (``model.checks``), then, if none failed, the network (``_assemble``).

    ``held_back``: sheets whose names cannot be known (a required sheet missing, an optional one
    misnamed, a sheet whose header could not be read); their cause is already reported, so the
    rules that would follow from it (every reference to them unknown; with Periods, the rules of
    the horizon) are not run."""
    for family in FAMILIES:  # its records as the model keys them, before the duplicate check
        if hasattr(family, "prepare_records"):
            family.prepare_records(data)
    for sheet in data.values():
        if sheet.spec is not schema.SETTINGS_SHEET:
            checks.check_duplicates(sheet, issues)
    known = checks.known_names(data, held_back)
    for sheet in data.values():
        checks.check_unknown_names(sheet, known, issues)
    for family in FAMILIES:  # each family's rules on its sheets' records
        if hasattr(family, "check_records"):
            family.check_records(data, known, issues)
    if "Periods" not in held_back:  # a misnamed Periods sheet: its years are unknown, not absent
        horizon.check_records(data, issues)
    if "Settings" not in held_back:
        checks.check_unmet_penalty_given(data.get("Products"), settings, issues, data.get("Demand"))
    if issues.errors or any(data.get(s.name) is None for s in schema.SHEETS if s.required):
        return None
    network = _assemble(path, data, settings, settings_rows)
    issues.items.extend(horizon.period_warnings(network, checks.cross_sheet_warnings))
    return network


def _assemble(path: Path, data: dict[str, SheetData], settings: Settings, settings_rows: dict[str, int]) -> Network:
    """The ``Network`` of checked sheets: plain dicts of the records, what ``model.derive``
    derives from them (arcs, disruption losses, demand factors), and each family's part
    (``read``), derived for each period by the horizon."""
    countries_sheet, products_sheet = data["Countries"], data["Products"]
    countries = tuple(r.values["country"] for r in countries_sheet.records)
    concern = frozenset(r.values["country"] for r in countries_sheet.records if r.values["concern"])
    bloc = {r.values["country"]: r.values.get("bloc") or "" for r in countries_sheet.records}
    products = tuple(r.values["product"] for r in products_sheet.records)
    unit = {r.values["product"]: r.values.get("unit") or "" for r in products_sheet.records}
    unmet_penalty = derive.unmet_penalties(
        {r.values["product"]: r.values.get("unmet_penalty") for r in products_sheet.records}, settings.unmet_penalty
    )
    sv = {r.values["site"]: r.values for r in data["Sites"].records}
    sites = tuple(sv)
    site_country = {s: v["country"] for s, v in sv.items()}
    site_product = {s: v["product"] for s, v in sv.items()}
    candidates = tuple(s for s in sites if sv[s]["status"] == "candidate")
    closable = tuple(s for s in sites if sv[s]["status"] == "closable")
    hubs = frozenset(s for s in sites if sv[s].get("role") == "hub")
    customs_value = {
        r.values["product"]: float(r.values["customs_value"])
        for r in products_sheet.records
        if r.values.get("customs_value") is not None
    }
    recipe_rows = [
        derive.RecipeRow(r.row, v["product"], v["input"], float(v["quantity"]), v.get("site"))
        for r in valid(data.get("Recipes"))
        for v in (r.values,)
    ]
    input_rate = derive.input_rates(recipe_rows, {s: v["product"] for s, v in sv.items()}, hubs)
    num = {
        c: {s: float(v[c]) for s, v in sv.items()}
        for c in ("capacity", "unit_cost", "fixed_cost", "module_capacity", "module_cost")
    }
    max_modules = {s: int(v["max_modules"]) for s, v in sv.items()}
    with_horizon = bool(valid(data.get("Periods")))
    demand_rows = [
        (
            r.values["product"],
            r.values["market"],
            float(r.values["demand"]),
            r.values.get("period") if with_horizon else None,
            None if r.values.get("unmet_penalty") is None else float(r.values["unmet_penalty"]),
        )
        for r in valid(data["Demand"])
    ]
    demand = {(p, m): d for p, m, d, _, _ in demand_rows}
    market_penalty = {(p, m): pen for p, m, _, _, pen in demand_rows if pen is not None}

    lane_rows = [
        (
            derive.Lane(
                v["origin"],
                v["destination"],
                v.get("product"),
                float(v.get("freight_cost") or 0.0),
                float(v.get("tariff_rate") or 0.0),
            ),
            v.get("period") if with_horizon else None,
        )
        for v in (r.values for r in valid(data.get("Lanes")))
    ]
    lanes = [ln for ln, _ in lane_rows]
    pools = pools_of(demand, site_country, input_rate)
    arcs = derive.arcs(sites, site_country, site_product, demand, lanes, pools, hubs)

    scen_recs = valid(data.get("Scenarios"))
    scenarios = tuple(r.values["scenario"] for r in scen_recs)
    weight = {r.values["scenario"]: float(r.values.get("weight") or 0.0) for r in scen_recs}
    max_shortfall = {r.values["scenario"]: r.values.get("max_shortfall") for r in scen_recs}
    disruptions = [
        derive.Disruption(
            r.row, v["scenario"], v.get("country"), v.get("site"), v.get("product"), float(v["capacity_loss"])
        )
        for r in valid(data.get("Disruptions"))
        for v in (r.values,)
    ]
    loss, loss_rows = derive.disruption_losses(disruptions, sites, site_country, site_product)
    shocks = [
        derive.Shock(v["scenario"], v.get("product"), v.get("market"), float(v["demand_factor"]))
        for v in (r.values for r in valid(data.get("Shocks")))
    ]
    demand_factor = derive.demand_factors(shocks, demand)

    closures = derive.closures(
        [
            (r.row, v["scenario"], v.get("origin"), v.get("destination"), v.get("product"))
            for r in valid(data.get("Closures"))
            for v in (r.values,)
        ],
        countries,
        bloc,
    )
    study = derive.study_values((r.values["parameter"], r.values["value"]) for r in valid(data.get("Study")))

    tables, rows, letters = _tables(data)
    rows["Settings"] = settings_rows
    letters.setdefault("Settings", {"setting": "A", "value": "B"})
    window = {
        s: (v.get("available_from"), v.get("available_until"))
        for s, v in sv.items()
        if with_horizon and (v.get("available_from") is not None or v.get("available_until") is not None)
    }
    net = Network(
        settings=settings,
        countries=countries,
        concern=concern,
        bloc=bloc,
        products=products,
        unit=unit,
        unmet_penalty=unmet_penalty,
        sites=sites,
        site_country=site_country,
        site_product=site_product,
        candidates=candidates,
        capacity=num["capacity"],
        unit_cost=num["unit_cost"],
        fixed_cost=num["fixed_cost"],
        module_capacity=num["module_capacity"],
        module_cost=num["module_cost"],
        max_modules=max_modules,
        demand=demand,
        market_penalty=market_penalty,
        closures=closures,
        arcs=arcs.arcs,
        tariff_rate=arcs.tariff_rate,
        freight_cost=arcs.freight_cost,
        scenarios=scenarios,
        weight=weight,
        max_shortfall=max_shortfall,
        loss=loss,
        loss_rows=loss_rows,
        demand_factor=demand_factor,
        study=study,
        tables=tables,
        rows=rows,
        columns=letters,
        source=str(path),
        source_sha256=sha256_of(path),
        input_rate=input_rate,
        hubs=hubs,
        closable=closable,
        customs_value=customs_value,
        recipe=derive.product_recipe(recipe_rows),
        window=window,
        site_concern={s: bool(v["concern"]) for s, v in sv.items() if v.get("concern") is not None},
        min_output={s: float(v["min_output"]) for s, v in sv.items() if v.get("min_output")},
    )
    if with_horizon:
        periods = horizon.horizon(
            [(r.values["period"], r.values.get("years")) for r in valid(data["Periods"])], settings.discount_rate
        )
        net = dataclasses.replace(net, periods=periods)
    parts = {family.PART: family.read(data, net) for family in FAMILIES if hasattr(family, "read")}
    net = dataclasses.replace(net, parts=parts)
    if not with_horizon:
        return net
    return horizon.with_periods(net, horizon.PeriodRows(demand_rows, lane_rows, shocks), net.periods)


def _tables(
    data: dict[str, SheetData],
) -> tuple[dict[str, pd.DataFrame], dict[str, dict[Any, int]], dict[str, dict[str, str]]]:
    """The valid records of each sheet as a table (for reports), the Excel row of each record by
    key, and the column letter of each header (for messages that name cells)."""
    tables: dict[str, pd.DataFrame] = {}
    rows: dict[str, dict[Any, int]] = {}
    letters: dict[str, dict[str, str]] = {}
    for name, sheet in data.items():
        recs = valid(sheet)
        headers = sheet.spec.headers
        tables[name] = pd.DataFrame(
            [{"row": r.row} | {c: r.values.get(c) for c in headers} for r in recs], columns=["row", *headers]
        )
        letters[name] = dict(sheet.letters)
        key = sheet.spec.key
        if {"market", "product"} <= set(key) <= {"market", "product", "period"}:  # keyed (product, market)
            rows[name] = {}  # the first row of each (product, market): with periods, the earliest listed
            for r in recs:
                rows[name].setdefault((r.values["product"], r.values["market"]), r.row)
        elif len(key) == 1:
            rows[name] = {r.values[key[0]]: r.row for r in recs}
    return tables, rows, letters
