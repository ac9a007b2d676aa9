"""Documentation generated from the schema stays in step with it."""

from __future__ import annotations

from model.schema import SHEETS, render_inputs_markdown
from tests.helpers import ROOT


def test_inputs_reference_matches_schema() -> None:
    committed = (ROOT / "docs" / "inputs.md").read_text()
    assert committed == render_inputs_markdown(), "regenerate: python -m model.schema > docs/inputs.md"


def test_every_sheet_and_column_documented() -> None:
    text = render_inputs_markdown()
    for sheet in SHEETS:
        assert f"## {sheet.name}" in text
        for col in sheet.columns:
            assert f"`{col.name}`" in text


def test_formulation_maps_every_constraint() -> None:
    """docs/formulation.md names every Pyomo constraint and variable the model builds."""
    import pyomo.environ as pyo

    from model.build import build_model
    from model.workbook import read_workbook
    from tests.helpers import SAMPLE

    text = (ROOT / "docs" / "formulation.md").read_text()
    m = build_model(read_workbook(SAMPLE))
    for comp in m.component_objects((pyo.Constraint, pyo.Var), descend_into=False):
        assert f"`{comp.local_name}`" in text, comp.local_name
