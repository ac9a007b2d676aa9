"""Real spreadsheet round trips in LibreOffice (headless).

CI installs LibreOffice (.ci/run: Debian package libreoffice-calc-nogui); elsewhere these tests
skip, saying why.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from model.cli import main
from model.families.dependency import caps_of
from model.report import write_results
from model.workbook import read_workbook
from tests.helpers import BASE, SAMPLE, edit, records, write

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; CI installs it"),
    pytest.mark.slow,
]


def convert(src: Path, fmt: str, outdir: Path) -> Path:
    """Convert with headless LibreOffice; fail on a non-zero exit or a missing output."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "lo-profile"
    proc = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    out = outdir / (src.stem + "." + fmt.split(":")[0])
    assert out.exists() and out.stat().st_size > 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every kind of workbook the tool writes."""
    d = tmp_path_factory.mktemp("lo")
    results, sweep, cmp_path, template = d / "results.xlsx", d / "sweep.xlsx", d / "compare.xlsx", d / "template.xlsx"
    assert main([str(SAMPLE), "--out", str(results), "--quiet"]) == 0
    small = write(d, BASE)
    assert main([str(small), "--out", str(sweep), "--sweep-cap", "0.8,0.4", "--quiet"]) == 0
    assert main(["--compare", str(results), str(sweep), "--out", str(cmp_path)]) == 0
    assert main(["--template", str(template)]) == 0
    return [results, sweep, cmp_path, template, SAMPLE]


def test_every_workbook_converts_to_pdf_and_csv(workbooks: list[Path], tmp_path: Path) -> None:
    for wb in workbooks:
        pdf = convert(wb, "pdf", tmp_path / "pdf")
        assert pdf.read_bytes()[:5] == b"%PDF-"
        csv = convert(wb, "csv", tmp_path / "csv")
        assert csv.read_text(errors="replace").strip()


def test_results_numbers_stay_numbers(workbooks: list[Path], tmp_path: Path) -> None:
    """LibreOffice reads the Summary's objective as a number: CSV export writes it unquoted."""
    csv = convert(workbooks[0], "csv", tmp_path)
    line = next(ln for ln in csv.read_text().splitlines() if ln.startswith("objective,"))
    float(line.split(",")[1])  # metric, value, meaning


def test_workbook_saved_by_libreoffice_reads_back_with_formula_values(tmp_path: Path) -> None:
    """A planner's formula (=40+60), written by a program without a value, is an error for us;
    once LibreOffice has opened and saved the file, it reads back as 100."""
    src = edit(write(tmp_path, records()), "Sites", "E2", "=40+60")
    assert main([str(src), "--check"]) == 2
    saved = convert(src, "xlsx:Calc MS Excel 2007 XML", tmp_path / "saved")
    net = read_workbook(saved)
    assert net.capacity["home1"] == 100
    assert main([str(saved), "--check"]) == 0


def test_sample_saved_by_libreoffice_gives_the_same_network(tmp_path: Path) -> None:
    saved = convert(SAMPLE, "xlsx:Calc MS Excel 2007 XML", tmp_path)
    a, b = read_workbook(SAMPLE), read_workbook(saved)
    assert (a.arcs, a.demand, a.capacity, caps_of(a).each, a.loss, a.demand_factor) == (
        b.arcs,
        b.demand,
        b.capacity,
        caps_of(b).each,
        b.loss,
        b.demand_factor,
    )


def test_libreoffice_shows_booleans_and_small_numbers_as_written(tmp_path: Path) -> None:
    """Booleans read TRUE/FALSE (a boolean without a boolean format shows 1/0 in
    LibreOffice), and 0.008, 0.0104, 0.0002 keep their digits (they showed 0.01, 0.01, 0.00)."""
    sites = pd.DataFrame({"site": ["A", "B", "C"], "built": [True, False, True], "unit_cost": [0.008, 0.0104, 0.0002]})
    path = write_results(tmp_path / "r.xlsx", {"Sites": sites})
    ods = convert(path, "ods", tmp_path / "ods")
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode()
    assert content.count('office:value-type="boolean"') == 3  # not floats 1/0
    csv = convert(path, "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,true", tmp_path / "csv")
    rows = [ln.split(",") for ln in csv.read_text().splitlines()]  # cells as shown
    assert rows[1:] == [["A", "TRUE", "0.008"], ["B", "FALSE", "0.0104"], ["C", "TRUE", "0.0002"]]


def test_libreoffice_shows_input_booleans_as_written(tmp_path: Path) -> None:
    """The input workbooks the tool writes (template writer, sample) give their booleans the same
    format: LibreOffice reads Countries.concern as booleans, shown TRUE/FALSE, not 1/0."""
    src = write(tmp_path, {"Countries": BASE["Countries"]})
    ods = convert(src, "ods", tmp_path / "ods")
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode()
    assert content.count('office:value-type="boolean"') == 3  # False, False, True: not floats 1/0
    assert ">TRUE<" in content and ">FALSE<" in content  # the text LibreOffice shows
