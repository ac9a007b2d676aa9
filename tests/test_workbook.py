"""Schema layer: one small broken workbook per rule; each message names the sheet and cell."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from model.issues import WorkbookError
from model.workbook import read_workbook
from tests.helpers import BASE, edit, records, write


def errors_of(path: Path) -> list[str]:
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    return [str(e) for e in info.value.errors]


def one_error(path: Path, where: str, *words: str) -> str:
    errs = errors_of(path)
    hits = [e for e in errs if e.startswith(where + ":")]
    assert hits, f"no error at {where}; got {errs}"
    for w in words:
        assert any(w in h for h in hits), f"'{w}' not in {hits}"
    return hits[0]


def test_base_workbook_is_valid(tmp_path: Path) -> None:
    net = read_workbook(write(tmp_path, BASE))
    assert net.sites == ("home1", "rival1")
    assert not net.warnings


# Sites columns: site A, country B, product C, status D, capacity E, unit_cost F, fixed_cost G ...
@pytest.mark.parametrize(
    ("sheet", "cell", "value", "words"),
    [
        ("Sites", "E2", "lots", ("text 'lots'", "number")),
        ("Sites", "E2", -5, ("found -5", ">= 0")),
        ("Sites", "F3", None, ("blank",)),
        ("Sites", "E2", "#DIV/0!", ("Excel error value #DIV/0!",)),
        ("Sites", "E2", "nan", ("text 'nan'",)),
        ("Sites", "E2", "inf", ("text 'inf'",)),
        ("Sites", "E2", "1,000", ("did you mean 1000?",)),
        ("Sites", "D2", "planned", ("existing, candidate",)),
        ("Sites", "B2", "home", ("unknown country 'home'", "did you mean 'Home'?")),
        ("Sites", "B2", "Hoem", ("unknown country", "did you mean 'Home'?")),
        ("Sites", "C2", "chips", ("unknown product 'chips'", "did you mean 'chip'?")),
        ("Countries", "C2", "maybe", ("TRUE or FALSE",)),
        ("Demand", "C2", True, ("expected a number",)),
        ("Lanes", "E2", "25%", ("did you mean 0.25?",)),
    ],
)
def test_bad_cell_is_named(tmp_path: Path, sheet: str, cell: str, value: object, words: tuple[str, ...]) -> None:
    path = edit(write(tmp_path, BASE), sheet, cell, value)
    one_error(path, f"{sheet}!{cell}", *words)


def test_share_given_as_percent_suggests_fraction(tmp_path: Path) -> None:
    path = write(tmp_path, records(Caps=[{"cap": 25}]))
    one_error(path, "Caps!C2", "did you mean 0.25?")


def test_many_errors_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    for cell, value in (("E2", "x"), ("F2", -1), ("B3", "Nowhere")):
        edit(path, "Sites", cell, value)
    edit(path, "Demand", "C2", "lots")
    errs = errors_of(path)
    for where in ("Sites!E2", "Sites!F2", "Sites!B3", "Demand!C2"):
        assert any(e.startswith(where) for e in errs), (where, errs)


def test_duplicates(tmp_path: Path) -> None:
    recs = records(Demand=BASE["Demand"] * 2)
    one_error(write(tmp_path, recs), "Demand!B3", "duplicate", "row 2")
    recs = records(Sites=[*BASE["Sites"], dict(BASE["Sites"][0])])
    one_error(write(tmp_path, recs, "b.xlsx"), "Sites!A4", "duplicate site")
    recs = records(Lanes=BASE["Lanes"] * 2)
    one_error(write(tmp_path, recs, "c.xlsx"), "Lanes!A3", "duplicate")


def test_missing_sheet_and_column(tmp_path: Path) -> None:
    errs = errors_of(write(tmp_path, records(Demand=None)))
    assert any("required sheet 'Demand' is missing" in e for e in errs)
    path = write(tmp_path, BASE, "b.xlsx")
    edit(path, "Sites", "F1", "cost per unit")
    one_error(path, "Sites!1:1", "required column 'unit_cost' is missing")
    path = edit(write(tmp_path, BASE, "c.xlsx"), "Sites", "F1", "unitcost")  # one edit: a typo
    one_error(path, "Sites!F1", "column 'unitcost' is not recognised", "did you mean 'unit_cost'?")


def test_near_miss_header(tmp_path: Path) -> None:
    path = edit(write(tmp_path, BASE), "Sites", "F1", "Unit_Cost")
    one_error(path, "Sites!F1", "did you mean 'unit_cost'?")


def test_empty_required_sheet(tmp_path: Path) -> None:
    errs = errors_of(write(tmp_path, records(Products=[])))
    assert any(e.startswith("Products") and "no records" in e for e in errs), errs


def test_settings(tmp_path: Path) -> None:
    recs = records(Settings=[{"setting": "dependency_cap", "value": 40}, {"setting": "unmet_penalty", "value": 5}])
    one_error(write(tmp_path, recs), "Settings!B2", "did you mean 0.4?")
    recs = records(Settings=[{"setting": "unmet_penalty", "value": 5}, {"setting": "analyst", "value": 5}])
    net = read_workbook(write(tmp_path, recs, "b.xlsx"))  # far from every setting: a warning
    assert any(str(w).startswith("Settings!A3: unknown setting 'analyst' is ignored") for w in net.warnings)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("dependancy_cap", "dependency_cap"),  # one letter replaced
        ("time_limt_s", "time_limit_s"),  # one left out
        ("Mip Gap", "mip_gap"),  # case and spaces, one letter
        ("random_sede", "random_seed"),  # two neighbours swapped
        ("threds", "threads"),
    ],
)
def test_setting_typo_is_an_error(tmp_path: Path, typo: str, meant: str) -> None:
    """A setting one or two edits from a known one is an error with a did-you-mean (contract v2):
    a mistyped dependency_cap must not let the run go on without the cap."""
    recs = records(Settings=[{"setting": "unmet_penalty", "value": 5}, {"setting": typo, "value": 0.3}])
    one_error(write(tmp_path, recs), "Settings!A3", f"unknown setting '{typo}'", f"did you mean '{meant}'?")


def test_unmet_penalty_required_somewhere(tmp_path: Path) -> None:
    one_error(write(tmp_path, records(Settings=[])), "Products!C2", "unmet_penalty")
    recs = records(Settings=[], Products=[{"product": "chip", "unmet_penalty": 50}])
    assert read_workbook(write(tmp_path, recs, "b.xlsx")).unmet_penalty == {"chip": 50.0}


def test_disruption_needs_country_or_site(tmp_path: Path) -> None:
    recs = records(
        Scenarios=[{"scenario": "s1"}],
        Disruptions=[{"scenario": "s1", "capacity_loss": 0.5}],
    )
    one_error(write(tmp_path, recs), "Disruptions!B2", "both 'country' and 'site' are blank")
    recs = records(
        Scenarios=[{"scenario": "s1"}],
        Disruptions=[{"scenario": "s1", "country": "Home", "site": "rival1", "capacity_loss": 0.5}],
    )
    one_error(write(tmp_path, recs, "b.xlsx"), "Disruptions!B2", "is in Rival")


def test_unknown_scenario_reference(tmp_path: Path) -> None:
    recs = records(Scenarios=[{"scenario": "Blockade"}], Shocks=[{"scenario": "blockade", "demand_factor": 2}])
    one_error(write(tmp_path, recs), "Shocks!A2", "did you mean 'Blockade'?")


def test_formula_without_saved_value(tmp_path: Path) -> None:
    path = edit(write(tmp_path, BASE), "Sites", "E2", "=50+50")
    one_error(path, "Sites!E2", "formula has no saved value", "recalculate")


def test_formula_with_saved_value_is_read(tmp_path: Path) -> None:
    """A formula cell with a cached value (as Excel saves it) is read as that value."""
    path = write(tmp_path, BASE)
    _rewrite_sheet_xml(path, "Sites", '<c r="E2"', '<c r="E2"><f>50+50</f><v>100</v></c>')
    net = read_workbook(path)
    assert net.capacity["home1"] == 100


def _rewrite_sheet_xml(path: Path, sheet: str, start: str, replacement: str) -> None:
    """Replace one cell element in the sheet XML (openpyxl cannot write cached values)."""
    import re

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        contents = {n: z.read(n) for n in names}
    wbxml = contents["xl/workbook.xml"].decode()
    idx = [m.group(1) for m in re.finditer(r'<sheet[^>]*name="([^"]+)"', wbxml)].index(sheet) + 1
    key = f"xl/worksheets/sheet{idx}.xml"
    xml = contents[key].decode()
    pattern = re.escape(start) + r"[^>]*?(/>|>.*?</c>)"
    xml, n = re.subn(pattern, replacement, xml, count=1)
    assert n == 1
    contents[key] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in contents.items():
            z.writestr(n, data)


def test_notes_columns_ignored_and_unknown_columns_warned(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    edit(path, "Sites", "L1", "notes on sources")
    edit(path, "Sites", "M1", "owner")
    edit(path, "Sites", "M2", "TSMC")
    net = read_workbook(path)
    warned = [str(w) for w in net.warnings]
    assert any(w.startswith("Sites!M1") and "unknown column 'owner'" in w for w in warned)
    assert not any("notes" in w for w in warned)


def test_unknown_sheet_is_a_warning(tmp_path: Path) -> None:
    recs = records()
    path = write(tmp_path, recs)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.create_sheet("Sitez")
    wb.save(path)
    net = read_workbook(path)
    assert any("unknown sheet 'Sitez'" in str(w) for w in net.warnings)


def test_names_are_trimmed_and_blank_rows_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    edit(path, "Sites", "B2", "  Home ")
    edit(path, "Demand", "A4", "Home")  # row 3 left blank; row 4 a new record
    edit(path, "Demand", "B4", "chip")
    edit(path, "Demand", "C4", 1)
    errs = errors_of(path)  # (chip, Home) duplicated on row 4: the blank row 3 was skipped
    assert any(e.startswith("Demand!B4") and "duplicate" in e for e in errs), errs


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"market,product,demand\nUSA,chip,5\n", "CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "encrypted"),
        (b"PK\x03\x04garbage", "damaged"),
    ],
)
def test_not_a_workbook(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    errs = errors_of(path)
    assert len(errs) == 1 and words in errs[0], errs


def test_truncated_workbook(tmp_path: Path) -> None:
    good = write(tmp_path, BASE).read_bytes()
    path = tmp_path / "trunc.xlsx"
    path.write_bytes(good[: len(good) // 2])
    errs = errors_of(path)
    assert len(errs) == 1 and "damaged" in errs[0]


def test_xml_entity_bomb_refused(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    with zipfile.ZipFile(path) as z:
        contents = {n: z.read(n) for n in z.namelist()}
    xml = contents["xl/workbook.xml"].decode()
    xml = xml.replace('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', "").replace(
        "<?xml version='1.0' encoding='UTF-8'?>", ""
    )
    contents["xl/workbook.xml"] = (bomb + xml).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in contents.items():
            z.writestr(n, data)
    errs = errors_of(path)
    assert len(errs) == 1 and "unsafe XML" in errs[0], errs


def test_missing_file(tmp_path: Path) -> None:
    errs = errors_of(tmp_path / "nope.xlsx")
    assert "does not exist" in errs[0]


def test_input_never_modified(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    before = path.read_bytes()
    read_workbook(path)
    assert path.read_bytes() == before


def test_workbook_without_any_known_sheet(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    wb = Workbook()
    wb.active.title = "Data"
    wb.save(path)
    errs = errors_of(path)
    assert sum("required sheet" in e for e in errs) == 5


def test_shared_and_inline_strings_read_alike(tmp_path: Path) -> None:
    """XlsxWriter and Excel store text as shared strings, openpyxl inline: both read the same network."""
    shared = write(tmp_path, records())
    with zipfile.ZipFile(shared) as z:
        assert "xl/sharedStrings.xml" in z.namelist() and 't="s"' in z.read("xl/worksheets/sheet2.xml").decode()
    inline = tmp_path / "inline.xlsx"
    wb = load_workbook(shared)
    wb.save(inline)
    with zipfile.ZipFile(inline) as z:
        assert 't="inlineStr"' in z.read("xl/worksheets/sheet2.xml").decode()
    a, b = (dataclasses.replace(read_workbook(p), source="", source_sha256="") for p in (shared, inline))
    assert a == b


def _renamed_sheet(path: Path, old: str, new: str) -> Path:
    wb = load_workbook(path)
    wb[old].title = new
    wb.save(path)
    return path


SCENARIO_RECS = records(
    Scenarios=[{"scenario": "Blockade"}],
    Disruptions=[
        {"scenario": "Blockade", "site": "rival1", "capacity_loss": 1},
        {"scenario": "Blockade", "country": "Home", "capacity_loss": 0.5},
    ],
    Shocks=[{"scenario": "Blockade", "market": "Home", "demand_factor": 1.2}],
)


@pytest.mark.parametrize(
    ("old", "new", "cause"),
    [
        ("Sites", "Site", "Sites: required sheet 'Sites' is missing (did you mean 'Site'?)"),
        ("Countries", "Country", "Countries: required sheet 'Countries' is missing (did you mean 'Country'?)"),
        ("Settings", "Setup", "Settings: required sheet 'Settings' is missing"),
        ("Scenarios", "Scenario", "Scenario: sheet 'Scenario' is not recognised"),
    ],
)
def test_renamed_sheet_reports_the_cause_alone(tmp_path: Path, old: str, new: str, cause: str) -> None:
    """A misnamed sheet is reported once; the errors that follow from it (every reference to its
    sites, countries or scenarios 'unknown', every product without a penalty) are held back."""
    errs = errors_of(_renamed_sheet(write(tmp_path, SCENARIO_RECS), old, new))
    assert len(errs) == 1 and errs[0].startswith(cause), errs


def test_renamed_header_reports_the_cause_alone(tmp_path: Path) -> None:
    """Countries' `country` header typed `Country`: one error at Countries!A1, no 'unknown country'
    in Sites, Demand, Lanes or Disruptions."""
    path = edit(write(tmp_path, SCENARIO_RECS), "Countries", "A1", "Country")
    errs = errors_of(path)
    assert errs == [
        "Countries!A1: column 'Country' is not recognised: headers are matched exactly (did you mean 'country'?)"
    ]
    path = edit(write(tmp_path, SCENARIO_RECS, "b.xlsx"), "Sites", "E1", "capacity (t)")
    errs = errors_of(path)
    assert errs == ["Sites!1:1: required column 'capacity' is missing from the header row"], errs
    path = edit(write(tmp_path, SCENARIO_RECS, "d.xlsx"), "Sites", "E1", "capacity_t")  # two edits: a typo
    errs = errors_of(path)
    assert len(errs) == 1 and errs[0].startswith("Sites!E1: column 'capacity_t' is not recognised"), errs
    path = edit(write(tmp_path, SCENARIO_RECS, "c.xlsx"), "Settings", "A1", "name")  # no 'has no unmet_penalty'
    errs = errors_of(path)
    assert len(errs) == 1 and errs[0].startswith("Settings!1:1: required column 'setting' is missing"), errs


def test_references_to_an_absent_optional_sheet_are_still_errors(tmp_path: Path) -> None:
    """Without any Scenarios sheet (not misnamed: absent), a Disruptions row's scenario is unknown."""
    recs = dict(SCENARIO_RECS)
    recs.pop("Scenarios")
    one_error(write(tmp_path, recs), "Disruptions!A2", "unknown scenario 'Blockade'")


def _zip(path: Path, parts: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


@pytest.mark.parametrize(
    ("name", "parts", "words"),
    [
        (
            "network.ods",
            {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"},
            ("OpenDocument spreadsheet (.ods", "Save As", "Excel 2007-365 (.xlsx)"),
        ),
        ("network.xlsx", {"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}, ("OpenDocument",)),
        ("notes.docx", {"[Content_Types].xml": "<x/>", "word/document.xml": "<x/>"}, ("Word document",)),
        ("data.zip", {"network.xlsx": "PK"}, ("zip archive", "unpack it")),
    ],
)
def test_other_zip_formats_say_what_they_are(
    tmp_path: Path, name: str, parts: dict[str, str], words: tuple[str, ...]
) -> None:
    """An .ods (or another zip-based file) is named for what it is, with how to save it as .xlsx,
    not openpyxl's own message."""
    errs = errors_of(_zip(tmp_path / name, parts))
    assert len(errs) == 1 and errs[0].startswith(f"{name}: this is "), errs
    assert all(w in errs[0] for w in words), errs
    assert "openpyxl" not in errs[0] and "InvalidFileException" not in errs[0]


def test_workbook_under_another_extension_is_told_to_rename(tmp_path: Path) -> None:
    path = write(tmp_path, BASE).rename(tmp_path / "network.ods")
    errs = errors_of(path)
    assert len(errs) == 1 and "this is an Excel workbook, but its name ends in '.ods'" in errs[0], errs
    assert "InvalidFileException" not in errs[0]


def test_site_that_can_reach_no_market_is_warned(tmp_path: Path) -> None:
    """ally1 makes chips in Ally: Ally has no chip demand and no lane leaves Ally, so it can
    deliver to no one (and its spare capacity is no reserve for anyone). home1 (domestic) and
    rival1 (lane to Home) can: no warning for them."""
    ally1 = dict(BASE["Sites"][0], site="ally1", country="Ally", status="existing")
    net = read_workbook(write(tmp_path, records(Sites=[*BASE["Sites"], ally1])))
    warned = [str(w) for w in net.warnings if "can reach no market" in str(w)]
    assert len(warned) == 1 and warned[0].startswith("Sites!A4: site 'ally1' can reach no market"), warned
    assert "no demand for chip in Ally and no lane from Ally for chip" in warned[0]
    lane = {"origin": "Ally", "destination": "Home", "product": "chip"}
    net = read_workbook(write(tmp_path, records(Sites=[*BASE["Sites"], ally1], Lanes=[*BASE["Lanes"], lane]), "b.xlsx"))
    assert not net.warnings


def test_written_input_booleans_carry_the_boolean_format(tmp_path: Path) -> None:
    """Booleans in the input workbooks the tool writes (template, records) have the results'
    boolean number format, so LibreOffice shows TRUE/FALSE, not 1/0; the template's
    boolean columns have it for the rows a planner fills in later; other columns do not."""
    from model.template import write_template
    from model.xlsx import BOOL

    path = write(tmp_path, BASE)
    ws = load_workbook(path)["Countries"]
    header = [c.value for c in ws[1]]
    col = header.index("concern") + 1
    cells = [ws.cell(r, col) for r in range(2, ws.max_row + 1)]
    assert [c.value for c in cells] == [False, False, True]
    assert all(c.data_type == "b" and c.number_format == BOOL for c in cells)
    assert ws.cell(2, header.index("country") + 1).number_format != BOOL
    assert read_workbook(path).concern == {"Rival"}  # still read as booleans
    template = load_workbook(write_template(tmp_path / "t.xlsx"))["Countries"]
    dims = template.column_dimensions
    assert dims[chr(ord("A") + col - 1)].number_format == BOOL
    assert dims["A"].number_format != BOOL


# ---- near-miss sheet and column names (trial finding 1) and follow-on errors (finding 7) ----

PERIOD_RECS = records(
    Periods=[{"period": 2024}, {"period": 2026, "years": 4}],
    Demand=[
        {"market": "Home", "product": "chip", "demand": 80},
        {"market": "Home", "product": "chip", "demand": 90, "period": 2026},
    ],
    Lanes=[
        {"origin": "Rival", "destination": "Home", "freight_cost": 1, "tariff_rate": 0.2},
        {"origin": "Rival", "destination": "Home", "freight_cost": 1, "tariff_rate": 0.5, "period": 2026},
    ],
    Caps=[{"product": "chip", "market": "Home", "cap": 0.2, "period": 2026}],
    Recipes=[],
)


def column_of(path: Path, sheet: str, header: str) -> str:
    """The letter of ``header`` in the header row of ``sheet``."""
    ws = load_workbook(path)[sheet]
    return next(c.column_letter for c in ws[1] if c.value == header)


@pytest.mark.parametrize(("old", "new"), [("Caps", "Cap"), ("Periods", "Period"), ("Caps", "caps 1")])
def test_misnamed_optional_sheet_is_an_error(tmp_path: Path, old: str, new: str) -> None:
    """A sheet one edit from an absent optional sheet (`Cap`: the cap would be dropped; `Period`:
    the horizon would be dropped) is one error that names it and the sheet meant, as a mistyped
    setting is; what follows from the missing sheet (rows differing only by period reported as
    duplicates, 'period column ignored' warnings) is held back."""
    path = _renamed_sheet(write(tmp_path, PERIOD_RECS), old, new)
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    assert [str(e) for e in info.value.errors] == [
        f"{new}: sheet '{new}' is not recognised: sheet names are matched exactly (did you mean '{old}'?); a "
        "sheet one or two letters away from an optional sheet is an error, so that a typo never silently "
        "drops the sheet"
    ]
    assert not info.value.warnings, info.value.warnings


def test_misnamed_recipes_sheet_is_an_error(tmp_path: Path) -> None:
    """`Recipe` for Recipes: without it the plants would need no input; an error, not a warning."""
    recs = records(
        Products=[{"product": "chip", "unit": "k"}, {"product": "wafer", "unit": "k"}],
        Sites=[
            *BASE["Sites"],
            {"site": "w", "country": "Home", "product": "wafer", "status": "existing", "capacity": 100, "unit_cost": 1},
        ],
        Recipes=[{"product": "chip", "input": "wafer", "quantity": 1}],
    )
    errs = errors_of(_renamed_sheet(write(tmp_path, recs), "Recipes", "Recipe"))
    assert len(errs) == 1 and errs[0].startswith("Recipe: sheet 'Recipe' is not recognised"), errs
    assert "(did you mean 'Recipes'?)" in errs[0]


def test_sheet_whose_did_you_mean_is_an_absent_optional_sheet_is_an_error(tmp_path: Path) -> None:
    """`Disruption list` beside Scenarios and no Disruptions (three edits from it, so not a typo):
    its did-you-mean is the absent Disruptions, and without it every crisis would run with no
    capacity lost and report full survival. One error that says so, not a warning."""
    path = _renamed_sheet(write(tmp_path, SCENARIO_RECS), "Disruptions", "Disruption list")
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    assert [str(e) for e in info.value.errors] == [
        "Disruption list: sheet 'Disruption list' is not recognised: sheet names are matched exactly (did you "
        "mean 'Disruptions'?); the workbook has no 'Disruptions' sheet, and without it every crisis would run "
        "with no capacity lost (and report full survival). Rename the sheet 'Disruptions' if that is what it "
        "holds, or give a sheet of your own a name further from 'Disruptions'"
    ]
    assert not info.value.warnings, info.value.warnings


def test_sheet_named_after_an_absent_optional_sheet_with_its_columns_is_an_error(tmp_path: Path) -> None:
    """`Crisis disruptions` holds the name of the absent Disruptions (no did-you-mean: too long)
    and has its columns (scenario, capacity_loss): an error. `Disruptions 2` beside a Disruptions
    sheet is a sheet of the planner's own: a warning, as is `Study notes` (the Study sheet's name,
    but none of its columns)."""
    path = _renamed_sheet(write(tmp_path, SCENARIO_RECS), "Disruptions", "Crisis disruptions")
    errs = errors_of(path)
    assert len(errs) == 1 and errs[0].startswith("Crisis disruptions: sheet 'Crisis disruptions' is not recognised")
    assert "(did you mean 'Disruptions'?)" in errs[0] and "no capacity lost" in errs[0]
    path = write(tmp_path, SCENARIO_RECS, "b.xlsx")
    wb = load_workbook(path)
    wb.copy_worksheet(wb["Disruptions"]).title = "Disruptions 2"
    wb.create_sheet("Study notes")["A1"] = "why these caps"
    wb.save(path)
    warned = sorted(str(w) for w in read_workbook(path).warnings)
    assert warned == [
        "Disruptions 2: unknown sheet 'Disruptions 2' is ignored (did you mean 'Disruptions'?)",
        "Study notes: unknown sheet 'Study notes' is ignored",
    ], warned


def test_every_optional_sheet_says_what_its_absence_switches_off() -> None:
    """The misnamed-sheet error says what running without the sheet would drop, for every optional sheet."""
    from model import schema

    assert [s.name for s in schema.SHEETS if not s.required and not s.without] == []
    assert [s.name for s in schema.SHEETS if s.required and s.without] == []


def test_extra_sheet_far_from_every_absent_sheet_is_a_warning(tmp_path: Path) -> None:
    """`Capex` is two edits from Caps, a short name (one edit allowed): a sheet of the planner's own."""
    wb_path = write(tmp_path, BASE)
    wb = load_workbook(wb_path)
    wb.create_sheet("Capex")
    wb.save(wb_path)
    net = read_workbook(wb_path)
    assert [str(w) for w in net.warnings] == ["Capex: unknown sheet 'Capex' is ignored"]


def test_misspelt_optional_header_is_an_error(tmp_path: Path) -> None:
    """Sites header `availble_from` (one letter off `available_from`): the lead times would be
    ignored; an error at the header cell with a did-you-mean, and nothing else."""
    recs = records(
        Periods=[{"period": 2024}, {"period": 2026}],
        Sites=[{**BASE["Sites"][0], "available_from": 2026}, BASE["Sites"][1]],
    )
    path = write(tmp_path, recs)
    letter = column_of(path, "Sites", "available_from")
    edit(path, "Sites", f"{letter}1", "availble_from")
    assert errors_of(path) == [
        f"Sites!{letter}1: column 'availble_from' is not recognised: headers are matched exactly (did you mean "
        "'available_from'?); a header one or two letters away from a column of the sheet is an error, so "
        "that a typo never silently drops the column"
    ]


def test_short_header_far_from_a_column_is_a_warning(tmp_path: Path) -> None:
    """`rate` is two edits from the absent column `role`, a short name (one edit allowed): the
    planner's own column, ignored with a warning."""
    path = edit(write(tmp_path, BASE), "Sites", "M1", "rate")
    assert [str(w) for w in read_workbook(path).warnings] == ["Sites!M1: unknown column 'rate' is ignored"]


def test_refused_period_row_still_names_its_year(tmp_path: Path) -> None:
    """Periods!B3 years = 0: one error there; Demand and Lanes rows of 2026 are not reported as
    naming a year missing from the Periods sheet (2026 is on it)."""
    path = write(tmp_path, PERIOD_RECS)
    edit(path, "Periods", f"{column_of(path, 'Periods', 'years')}3", 0)
    errs = errors_of(path)
    assert len(errs) == 1 and errs[0].startswith("Periods!B3: found 0"), errs


def test_unreadable_period_cell_is_the_only_error(tmp_path: Path) -> None:
    """Lanes period '2026a': one error at that cell, not also 'duplicate row' (its key is unknown);
    Periods period '2026x': the years are not all known, so no row is reported as naming a missing
    year."""
    path = write(tmp_path, PERIOD_RECS)
    lane_cell = f"{column_of(path, 'Lanes', 'period')}3"
    edit(path, "Lanes", lane_cell, "2026a")
    errs = errors_of(path)
    assert errs == [f"Lanes!{lane_cell}: found the text '2026a'; expected a whole number"], errs
    path = write(tmp_path, PERIOD_RECS, "b.xlsx")
    edit(path, "Periods", "A3", "2026x")
    errs = errors_of(path)
    assert errs == ["Periods!A3: found the text '2026x'; expected a whole number"], errs
