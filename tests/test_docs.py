"""Documentation generated from the schema stays in step with it."""

from __future__ import annotations

from model.schema import SHEETS, render_inputs_markdown
from tests.helpers import ROOT


def test_inputs_reference_matches_schema() -> None:
    committed = (ROOT / "docs" / "inputs.md").read_text()
    assert committed == render_inputs_markdown(), "regenerate: python -m model.docs"


def test_every_sheet_and_column_documented() -> None:
    text = render_inputs_markdown()
    for sheet in SHEETS:
        assert f"## {sheet.name}" in text
        for col in sheet.columns:
            assert f"`{col.name}`" in text


def test_results_reference_matches_the_declarations() -> None:
    from model.tables import render_markdown

    committed = (ROOT / "docs" / "results.md").read_text()
    assert committed == render_markdown(), "regenerate: python -m model.docs"


def test_formulation_table_is_generated_from_the_families() -> None:
    """docs/formulation.md's table of constraints is what the families' EQUATIONS render, and every
    constraint component of the model is in some family's EQUATIONS."""
    import pyomo.environ as pyo

    from model import formulation
    from model.build import build_model
    from model.workbook import read_workbook
    from tests.helpers import SAMPLE

    text = (ROOT / "docs" / "formulation.md").read_text()
    assert formulation.current(text) == formulation.render(), "regenerate: python -m model.docs"
    declared = {c for _, e in formulation.equations() for c in e.components}
    m = build_model(read_workbook(SAMPLE))
    built = {c.local_name for c in m.component_objects(pyo.Constraint, descend_into=False)}
    assert built - declared == set(), "constraints no family declares in EQUATIONS"


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


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs the README's test command as written, in a copy with nothing beside it."""
    ci = (ROOT / ".ci" / "run").read_text()
    line = next(x for x in ci.splitlines() if x.startswith("TEST_COMMAND="))
    command = line.split("=", 1)[1].strip("'")
    assert command in (ROOT / "README.md").read_text()
    assert 'bash -c "$TEST_COMMAND"' in ci
    assert "mktemp -d" in ci


def test_no_file_reaches_outside_the_repository() -> None:
    """A clone stands alone: no code or doc names a folder beside the repository."""
    import re
    import subprocess

    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    if not files:  # not a git checkout (a copy, as .ci/run makes): every file below ROOT
        files = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    pattern = re.compile(r"\.\./shared|(?<![\w/.-])shared/(spec|reference|guide)/")
    offenders = []
    for name in files:
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".toml", ".txt", ".cfg", ""} or not path.is_file():
            continue
        if name.startswith("docs/contract/"):
            continue
        for i, text in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if pattern.search(text):
                offenders.append(f"{name}:{i}: {text.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_docs_command_writes_what_it_checks(tmp_path, monkeypatch) -> None:
    """``python -m model.docs --check`` names a stale generated file and exits 1; the command
    without it writes the file current again (here on a copy of docs/results.md)."""
    from model import docs, tables

    copy = tmp_path / "results.md"
    copy.write_text("stale\n", encoding="utf-8")
    monkeypatch.setattr(tables, "DOC", copy)
    monkeypatch.setattr(docs, "ROOT", tmp_path)
    monkeypatch.setattr(docs, "generated", lambda: {copy: tables.render_markdown()})
    assert docs.stale() == [copy]
    assert docs.main(["--check"]) == 1
    assert docs.main([]) == 0
    assert copy.read_text(encoding="utf-8") == tables.render_markdown()
    assert docs.main(["--check"]) == 0


def test_committed_generated_docs_are_current() -> None:
    from model import docs

    assert docs.stale() == [], "regenerate: python -m model.docs"
