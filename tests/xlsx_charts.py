"""The charts of a sheet, read from the .xlsx file format (ECMA-376), for tests.

Tests used to look at openpyxl's private ``Worksheet._charts``; the file's own parts say the same
without resting on openpyxl's internals: a worksheet's relationships name its drawing, the
drawing's relationships name its charts (``xl/charts/chartN.xml``).
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from model.sheetxml import open_workbook

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _related(z: zipfile.ZipFile, part: str, kind: str) -> list[str]:
    """Parts that ``part``'s relationships of type ``.../kind`` point to, as names in the archive."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels not in z.namelist():
        return []
    out = []
    for rel in ET.fromstring(z.read(rels)).iter(_REL):
        if rel.get("Type", "").endswith(f"/{kind}") and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            out.append(target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target)))
    return out


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
