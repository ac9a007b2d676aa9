"""The charts of a sheet, read from the .xlsx file format (ECMA-376), for tests.

Tests used to look at openpyxl's private ``Worksheet._charts``; the file's own parts say the same
without resting on openpyxl's internals: a worksheet's relationships name its drawing, the
drawing's relationships name its charts (``xl/charts/chartN.xml``), and the drawing's anchors
(``xdr:twoCellAnchor``) say which rows each chart covers.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from model.sheetxml import open_workbook

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _relations(z: zipfile.ZipFile, part: str, kind: str) -> dict[str, str]:
    """``part``'s relationships of type ``.../kind``: relationship id -> part name in the archive."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels not in z.namelist():
        return {}
    out = {}
    for rel in ET.fromstring(z.read(rels)).iter(_REL):
        if rel.get("Type", "").endswith(f"/{kind}") and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            full = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id", "")] = full
    return out


def _related(z: zipfile.ZipFile, part: str, kind: str) -> list[str]:
    """Parts that ``part``'s relationships of type ``.../kind`` point to, as names in the archive."""
    return list(_relations(z, part, kind).values())


def charts(path: Path, sheet: str) -> list[ET.Element]:
    """The chart parts (their ``c:chartSpace`` roots) drawn on ``sheet`` of the workbook at ``path``."""
    with open_workbook(path) as book:
        part = book[sheet].part
    with zipfile.ZipFile(path) as z:
        drawings = _related(z, part, "drawing")
        return [ET.fromstring(z.read(c)) for d in drawings for c in _related(z, d, "chart")]


def series_refs(chart: ET.Element) -> list[tuple[str | None, str | None]]:
    """(x values, y values) cell references of each series of a scatter chart, e.g. ``'Tradeoff'!$A$2:$A$4``."""
    return [
        (ser.findtext(f"{C}xVal/{C}numRef/{C}f"), ser.findtext(f"{C}yVal/{C}numRef/{C}f"))
        for ser in chart.iter(f"{C}ser")
    ]


def anchored_charts(path: Path, sheet: str) -> list[tuple[int, int, ET.Element]]:
    """(first row, last row, chart) of each chart drawn on ``sheet``, in the drawing's order.

    The rows are the drawing anchor's ``xdr:from/xdr:row`` and ``xdr:to/xdr:row`` (0-based sheet
    rows), so ``last - first`` is how many sheet rows tall the chart is drawn."""
    with open_workbook(path) as book:
        part = book[sheet].part
    out = []
    with zipfile.ZipFile(path) as z:
        for drawing in _related(z, part, "drawing"):
            chart_parts = _relations(z, drawing, "chart")
            for anchor in ET.fromstring(z.read(drawing)):
                ref = next((e for e in anchor.iter(f"{C}chart")), None)
                if ref is None or ref.get(f"{_R}id") not in chart_parts:
                    continue  # a picture or shape, not a chart
                first = int(anchor.findtext(f"{XDR}from/{XDR}row", "0"))
                last = int(anchor.findtext(f"{XDR}to/{XDR}row", str(first)))
                out.append((first, last, ET.fromstring(z.read(chart_parts[ref.get(f"{_R}id")]))))
    return out


def series(chart: ET.Element) -> list[ET.Element]:
    """The chart's series (``c:ser``), one per legend entry, in the file's order."""
    return list(chart.iter(f"{C}ser"))


def category_ref(ser: ET.Element) -> str | None:
    """The cell reference of a bar or line series' categories (``c:cat``), text or numbers."""
    return ser.findtext(f"{C}cat/{C}strRef/{C}f") or ser.findtext(f"{C}cat/{C}numRef/{C}f")


def data_points(ser: ET.Element) -> list[int]:
    """Indices of the series' points drawn apart from the rest (``c:dPt/c:idx``)."""
    return [int(p.find(f"{C}idx").get("val")) for p in ser.findall(f"{C}dPt")]
