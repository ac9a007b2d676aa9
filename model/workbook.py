"""Excel workbook -> checked ``Network``; every problem reported at once with its sheet and cell.

``model.sheetxml`` reads the workbook's XML parts (formula cells give the value a spreadsheet
application last saved) with the C XML parser, after refusing any document type declaration in
each part: so XML entity bombs are refused everywhere. The rules are those
of ``shared/spec/workbook.md``; the column definitions come from ``model.schema``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import math
import re
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter

from model import schema
from model.collector import collector_paused
from model.issues import Issue, Issues, WorkbookError, did_you_mean, fold
from model.network import (
    CapRow,
    Network,
    Settings,
    most_specific,
    resolve_each_caps,
    resolve_total_caps,
)
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


@dataclass
class _Record:
    row: int
    values: dict[str, Any]


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value[:60]}{'...' if len(value) > 60 else ''}'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return f"a date/time ({value})"
    return repr(value)


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
                err(sheet, cell, f"found {_describe(raw)}; expected a {col.type_label}")
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
            err(sheet, cell, f"found {_describe(raw)}; expected TRUE or FALSE (or yes/no, y/n, 1/0)")
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
            err(sheet, cell, f"found {_describe(raw)}; expected a {col.type_label}")
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
                err(sheet, cell, f"found the text {_describe(raw)}; expected a {col.type_label}{hint}")
                return None
            value = float(raw)
        else:
            err(sheet, cell, f"found {_describe(raw)}; expected a {col.type_label}")
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


@dataclass
class _SheetData:
    spec: schema.Sheet
    records: list[_Record]
    letters: dict[str, str]


def _read_sheet(
    ws: Any, spec: schema.Sheet, issues: Issues, parse: _CellParser, require_records: bool = True
) -> _SheetData | None:
    name = spec.name
    rows = read_rows(ws)
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1][1]):
        rows.pop()
    if not rows:
        if spec.required and spec is not schema.SETTINGS_SHEET:
            issues.error(name, "", "the sheet is empty; it needs a header row and at least one record")
        elif spec is schema.SETTINGS_SHEET:
            return _SheetData(spec, [], {})
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
        near = [c.name for c in missing if fold(c.name) == fold(text)]
        if near:
            near_missed.add(near[0])
            issues.error(
                name,
                f"{letter}1",
                f"column '{text}' is not recognised: headers are matched exactly (did you mean '{near[0]}'?)",
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
    records: list[_Record] = []
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
            records.append(_Record(r, values))
        else:
            records.append(_Record(r, values | {"_invalid": True}))
    if require_records and spec.required and spec is not schema.SETTINGS_SHEET and not records:
        issues.error(name, "", "the sheet has a header row but no records; it needs at least one")
    return _SheetData(spec, records, letters)


def _read_settings(data: _SheetData | None, issues: Issues, parse: _CellParser) -> tuple[Settings, dict[str, int]]:
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
        col = schema.Column(name, setting.kind, setting.description, required=False, minimum=setting.minimum)
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
        for title in wb.sheetnames:
            stripped = title.strip()
            if stripped in schema.SHEETS_BY_NAME:
                present[stripped] = wb[title]
            elif stripped.casefold() not in (s.casefold() for s in schema.IGNORED_SHEETS):
                hint = did_you_mean(stripped, schema.SHEETS_BY_NAME)
                issues.warning(stripped, "", f"unknown sheet '{stripped}' is ignored{hint}")
        for spec in schema.SHEETS:
            if spec.required and spec.name not in present:
                hint = did_you_mean(spec.name, [t.strip() for t in wb.sheetnames])
                issues.error(spec.name, "", f"required sheet '{spec.name}' is missing{hint}")
        data: dict[str, _SheetData] = {}
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
    finally:
        wb.close()
    t1 = time.perf_counter()
    settings, settings_rows = _read_settings(data.get("Settings"), issues, parse)
    network = _build_network(path, data, settings, settings_rows, issues)
    if issues.errors:
        raise WorkbookError(issues.items)
    assert network is not None
    return dataclasses.replace(
        network, warnings=tuple(issues.warnings), timings={"read": t1 - t0, "check": time.perf_counter() - t1}
    )


def _check_names(
    sheet: _SheetData,
    known: dict[str, dict[str, Any]],
    issues: Issues,
) -> None:
    """Every reference (country, product, site, scenario) names something defined."""
    for col in sheet.spec.columns:
        if col.ref is None:
            continue
        names = known.get(col.ref)
        if names is None:
            continue
        letter = sheet.letters.get(col.name, "")
        for rec in sheet.records:
            v = rec.values.get(col.name)
            if v is None or v in names:
                continue
            defining = {"country": "Countries", "product": "Products", "site": "Sites", "scenario": "Scenarios"}[
                col.ref
            ]
            issues.error(
                sheet.spec.name,
                f"{letter}{rec.row}",
                f"unknown {col.ref} {_describe(v)}: it is not on the {defining} sheet" + did_you_mean(v, names),
            )
            rec.values["_invalid"] = True


def _unique(sheet: _SheetData, issues: Issues, key: tuple[str, ...], what: str) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    letter = sheet.letters.get(key[0], "A")
    for rec in sheet.records:
        k = tuple(rec.values.get(c) for c in key)
        if all(v is None for v in k) and len(key) == 1:
            continue
        if k in seen:
            shown = ", ".join("blank" if v is None else _describe(v).strip("'") for v in k)
            issues.error(
                sheet.spec.name,
                f"{letter}{rec.row}",
                f"duplicate {what} ({shown}): already on row {seen[k]}",
            )
            rec.values["_invalid"] = True
        else:
            seen[k] = rec.row


def _valid(sheet: _SheetData | None) -> list[_Record]:
    return [] if sheet is None else [r for r in sheet.records if not r.values.get("_invalid")]


def _build_network(
    path: Path,
    data: dict[str, _SheetData],
    settings: Settings,
    settings_rows: dict[str, int],
    issues: Issues,
) -> Network | None:
    """Cross-sheet rules, then the resolved plain-dict network."""
    for spec in schema.SHEETS:
        if spec.name in data and spec.key and spec is not schema.SETTINGS_SHEET:
            what = {"Countries": "country", "Products": "product", "Sites": "site", "Scenarios": "scenario"}.get(
                spec.name, "row"
            )
            _unique(data[spec.name], issues, spec.key, what)

    def names_of(sheet: str, col: str) -> dict[str, Any]:
        return {r.values[col]: r for r in (data[sheet].records if sheet in data else []) if r.values.get(col)}

    known = {
        "country": names_of("Countries", "country"),
        "product": names_of("Products", "product"),
        "site": names_of("Sites", "site"),
        "scenario": names_of("Scenarios", "scenario"),
    }
    for sheet in data.values():
        _check_names(sheet, known, issues)

    countries_sheet = data.get("Countries")
    products_sheet = data.get("Products")
    sites_sheet = data.get("Sites")
    demand_sheet = data.get("Demand")
    lanes_sheet = data.get("Lanes")

    # Disruptions: country blank only when site given; a site's country must agree.
    if "Disruptions" in data:
        d = data["Disruptions"]
        for rec in _valid(d):
            site, country = rec.values.get("site"), rec.values.get("country")
            if site is None and country is None:
                issues.error(
                    "Disruptions",
                    f"{d.letters.get('country', '')}{rec.row}",
                    "both 'country' and 'site' are blank; name the country hit, or a single site",
                )
                rec.values["_invalid"] = True
            elif site is not None and country is not None and site in known["site"]:
                site_country = known["site"][site].values.get("country")
                if site_country != country:
                    issues.error(
                        "Disruptions",
                        f"{d.letters.get('country', '')}{rec.row}",
                        f"site '{site}' is in {site_country}, not {country}; leave 'country' blank or correct it",
                    )
                    rec.values["_invalid"] = True

    # Unmet penalty: every product needs one, from its row or Settings.
    if settings.unmet_penalty is None and products_sheet is not None:
        letter = products_sheet.letters.get("unmet_penalty", "")
        for rec in _valid(products_sheet):
            if rec.values.get("unmet_penalty") is None:
                issues.error(
                    "Products",
                    f"{letter}{rec.row}" if letter else f"{rec.row}:{rec.row}",
                    f"product '{rec.values['product']}' has no unmet_penalty and Settings has no "
                    "unmet_penalty either; give one here or set 'unmet_penalty' on the Settings sheet",
                )

    if (
        issues.errors
        or countries_sheet is None
        or products_sheet is None
        or sites_sheet is None
        or demand_sheet is None
    ):
        return None

    # ---- plain dicts ---------------------------------------------------------------------
    countries = tuple(r.values["country"] for r in countries_sheet.records)
    concern = frozenset(r.values["country"] for r in countries_sheet.records if r.values["concern"])
    bloc = {r.values["country"]: r.values.get("bloc") or "" for r in countries_sheet.records}
    products = tuple(r.values["product"] for r in products_sheet.records)
    unit = {r.values["product"]: r.values.get("unit") or "" for r in products_sheet.records}
    unmet_penalty = {
        r.values["product"]: (
            r.values["unmet_penalty"] if r.values.get("unmet_penalty") is not None else settings.unmet_penalty
        )
        for r in products_sheet.records
    }
    reserve_share = {r.values["product"]: r.values.get("reserve_share") or 0.0 for r in products_sheet.records}
    srec = sites_sheet.records
    sites = tuple(r.values["site"] for r in srec)
    sv = {r.values["site"]: r.values for r in srec}
    site_country = {s: v["country"] for s, v in sv.items()}
    site_product = {s: v["product"] for s, v in sv.items()}
    candidates = tuple(s for s in sites if sv[s]["status"] == "candidate")
    num = {
        c: {s: float(v[c]) for s, v in sv.items()}
        for c in ("capacity", "unit_cost", "fixed_cost", "module_capacity", "module_cost", "reserve_cost")
    }
    max_modules = {s: int(v["max_modules"]) for s, v in sv.items()}
    demand = {(r.values["product"], r.values["market"]): float(r.values["demand"]) for r in demand_sheet.records}

    # ---- lanes and arcs -------------------------------------------------------------------
    lane: dict[tuple[str, str, str | None], tuple[float, float]] = {}
    for r in _valid(lanes_sheet):
        v = r.values
        lane[(v["origin"], v["destination"], v.get("product"))] = (
            float(v.get("freight_cost") or 0.0),
            float(v.get("tariff_rate") or 0.0),
        )
    markets_of: dict[str, list[str]] = defaultdict(list)
    for (p, m), dem in demand.items():
        if dem > 0:
            markets_of[p].append(m)
    arcs: list[tuple[str, str]] = []
    tariff: dict[tuple[str, str], float] = {}
    freight: dict[tuple[str, str], float] = {}
    for s in sites:
        o, p = site_country[s], site_product[s]
        for m in markets_of.get(p, ()):
            row = lane.get((o, m, p)) or lane.get((o, m, None))
            if row is None:
                if o != m:
                    continue
                row = (0.0, 0.0)
            arcs.append((s, m))
            freight[(s, m)], tariff[(s, m)] = row

    # ---- caps -------------------------------------------------------------------------------
    cap_rows: list[CapRow] = []
    for r in _valid(data.get("Caps")):
        v = r.values
        cap_rows.append(CapRow(r.row, v.get("product"), v.get("market"), float(v["cap"]), v.get("scope") or "each"))
    cap_each = resolve_each_caps(tuple(cap_rows), settings.dependency_cap, demand)
    cap_total = resolve_total_caps(tuple(cap_rows), demand)

    # ---- scenarios ---------------------------------------------------------------------------
    scen_recs = _valid(data.get("Scenarios"))
    scenarios = tuple(r.values["scenario"] for r in scen_recs)
    weight = {r.values["scenario"]: float(r.values.get("weight") or 0.0) for r in scen_recs}
    max_shortfall = {r.values["scenario"]: r.values.get("max_shortfall") for r in scen_recs}
    loss: dict[tuple[str, str], float] = {}
    loss_rows: dict[tuple[str, str], int] = {}
    for r in _valid(data.get("Disruptions")):
        v = r.values
        for s in sites:
            if v.get("site") is not None:
                if v["site"] != s:
                    continue
            elif v.get("country") != site_country[s]:
                continue
            if v.get("product") is not None and v["product"] != site_product[s]:
                continue
            k = (v["scenario"], s)
            if v["capacity_loss"] > loss.get(k, 0.0):
                loss[k] = float(v["capacity_loss"])
                loss_rows[k] = r.row
    demand_factor: dict[tuple[str, str, str], float] = {}
    shocks = _valid(data.get("Shocks"))
    by_scenario: dict[str, list[_Record]] = defaultdict(list)
    for r in shocks:
        by_scenario[r.values["scenario"]].append(r)
    for w, recs in by_scenario.items():
        for p, m in demand:
            best = most_specific(recs, p, m, lambda r: r.values.get("product"), lambda r: r.values.get("market"))
            if best is not None and best.values["demand_factor"] != 1.0:
                demand_factor[(w, p, m)] = float(best.values["demand_factor"])

    max_stock: dict[tuple[str, str], float] = {}
    holding: dict[tuple[str, str], float] = {}
    for r in _valid(data.get("Stockpiles")):
        k = (r.values["product"], r.values["market"])
        max_stock[k] = float(r.values["max_stock"])
        holding[k] = float(r.values.get("holding_cost") or 0.0)

    study: dict[str, list[float]] = defaultdict(list)
    for r in _valid(data.get("Study")):
        study[r.values["parameter"]].append(float(r.values["value"]))

    # ---- tables and cell addresses for reports and messages --------------------------------
    tables: dict[str, pd.DataFrame] = {}
    rows: dict[str, dict[Any, int]] = {}
    letters: dict[str, dict[str, str]] = {}
    for name, sheet in data.items():
        recs = [r for r in sheet.records if not r.values.get("_invalid")]
        headers = sheet.spec.headers
        tables[name] = pd.DataFrame(
            [{"row": r.row} | {c: r.values.get(c) for c in headers} for r in recs], columns=["row", *headers]
        )
        letters[name] = dict(sheet.letters)
        key = sheet.spec.key
        if set(key) == {"market", "product"}:  # keyed like the Network's dicts: (product, market)
            rows[name] = {(r.values["product"], r.values["market"]): r.row for r in recs}
        elif len(key) == 1:
            rows[name] = {r.values[key[0]]: r.row for r in recs}
    rows["Settings"] = settings_rows
    letters.setdefault("Settings", {"setting": "A", "value": "B"})

    network = Network(
        settings=settings,
        countries=countries,
        concern=concern,
        bloc=bloc,
        products=products,
        unit=unit,
        unmet_penalty=unmet_penalty,
        reserve_share=reserve_share,
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
        reserve_cost=num["reserve_cost"],
        demand=demand,
        arcs=tuple(arcs),
        tariff_rate=tariff,
        freight_cost=freight,
        cap_rows=tuple(cap_rows),
        cap_each=cap_each,
        cap_total=cap_total,
        scenarios=scenarios,
        weight=weight,
        max_shortfall=max_shortfall,
        loss=loss,
        loss_rows=loss_rows,
        demand_factor=demand_factor,
        max_stock=max_stock,
        holding_cost=holding,
        study={k: tuple(sorted(v, reverse=True)) for k, v in study.items()},
        tables=tables,
        rows=rows,
        columns=letters,
        source=str(path),
        source_sha256=sha256_of(path),
    )
    issues.items.extend(cross_sheet_warnings(network))
    return network


MAGNITUDE_COLUMNS = {
    "Products": ("unmet_penalty",),
    "Sites": ("capacity", "unit_cost", "fixed_cost", "module_capacity", "module_cost", "reserve_cost"),
    "Demand": ("demand",),
    "Lanes": ("freight_cost",),
    "Stockpiles": ("max_stock", "holding_cost"),
}
MAGNITUDE_SPAN = 1e10


def check_magnitudes(net: Network) -> list[Issue]:
    """Warn when the model's numbers span more than ten orders of magnitude (a penalty of 1e12
    beside costs of 0.01): solvers then lose precision. Names the smallest and largest cells."""
    lo: tuple[float, str] | None = None
    hi: tuple[float, str] | None = None
    settings_penalty = net.settings.unmet_penalty
    if settings_penalty:
        cell = net.cell("Settings", "unmet_penalty", "value")
        lo = hi = (abs(settings_penalty), cell)
    for sheet, columns in MAGNITUDE_COLUMNS.items():
        table = net.tables.get(sheet)
        if table is None or not len(table):
            continue
        for col in columns:
            letter = net.columns.get(sheet, {}).get(col, "")
            for row, value in zip(table["row"], table[col]):
                if value is None or value != value or value == 0:
                    continue
                v = abs(float(value))
                if lo is None or v < lo[0]:
                    lo = (v, f"{sheet}!{letter}{row}")
                if hi is None or v > hi[0]:
                    hi = (v, f"{sheet}!{letter}{row}")
    if lo is None or hi is None or hi[0] / lo[0] <= MAGNITUDE_SPAN:
        return []
    span = math.log10(hi[0] / lo[0])
    sheet, cell = hi[1].split("!")
    return [
        Issue(
            "warning",
            sheet,
            cell,
            f"the workbook's numbers span {span:.0f} orders of magnitude (largest {hi[0]:g} here, smallest "
            f"{lo[0]:g} at {lo[1]}); the solver may lose precision. Express money and quantities in "
            "units that keep them closer (e.g. USD million, thousand tonnes), or lower the penalty",
        )
    ]


def cross_sheet_warnings(net: Network) -> list[Issue]:
    """Warnings of the contract's cross-sheet rules (they do not stop a run)."""
    out: list[Issue] = check_magnitudes(net)
    for s in net.candidates:
        if net.max_capacity(s) <= 0:
            out.append(
                Issue(
                    "warning",
                    "Sites",
                    net.address("Sites", s, "capacity"),
                    f"candidate site '{s}' has capacity 0 and no expansion modules; it can never produce",
                )
            )
    reachable = {(net.site_product[s], m) for s, m in net.arcs if net.max_capacity(s) > 0}
    for (p, m), d in net.demand.items():
        if d > 0 and (p, m) not in reachable:
            out.append(
                Issue(
                    "warning",
                    "Demand",
                    net.address("Demand", (p, m), "demand"),
                    f"no site can supply {p} to {m} (no site with capacity and an allowed lane); "
                    f"all {d:g} {net.unit.get(p, '')} of demand will show as unmet".replace("  ", " "),
                )
            )
    for p in net.products:
        avail = sum(
            net.max_capacity(s)
            for s in net.sites
            if net.site_product[s] == p and net.site_country[s] not in net.concern
        )
        total = sum(d for (pp, _), d in net.demand.items() if pp == p)
        need = sum((1 - net.cap_each[(p, m)]) * d for (pp, m), d in net.demand.items() if pp == p and d > 0)
        if need > avail + 1e-9:
            caps = sorted({net.cap_each[(p, m)] for (pp, m) in net.demand if pp == p})
            out.append(
                Issue(
                    "warning",
                    "Products",
                    net.address("Products", p, "product"),
                    f"{p}: demand {total:g} under dependency cap(s) {', '.join(f'{c:g}' for c in caps)} needs at "
                    f"least {need:g} from outside concern countries, but the most that could be built "
                    f"there is {avail:g}; the rest will show as unmet demand",
                )
            )
        r_need = net.reserve_share.get(p, 0.0) * total
        if r_need > avail + 1e-9:
            out.append(
                Issue(
                    "warning",
                    "Products",
                    net.address("Products", p, "reserve_share"),
                    f"{p}: reserve_share asks for {r_need:g} of spare capacity outside concern "
                    f"countries, but at most {avail:g} can be built there; no design can meet it",
                )
            )
    return out
