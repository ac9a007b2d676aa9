"""The model's own compiler gives exactly the matrices of Pyomo's LinearStandardFormCompiler."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.common.errors import InfeasibleConstraintException

from bench import generate, orlib
from model.build import build_model
from model.network import Network
from model.solve import compile_model, to_standard_form
from model.standard_form import StandardForm, Unsupported, compile_standard_form
from model.template import write_input_workbook
from model.workbook import read_workbook
from tests.helpers import REFERENCE, SAMPLE


def assert_same(a: StandardForm, b: StandardForm) -> None:
    """Same columns in the same order, same rows and senses, same coefficients, bounds, costs."""
    assert [id(v) for v in a.columns] == [id(v) for v in b.columns]
    assert [(id(con), sense) for con, sense in a.rows] == [(id(con), sense) for con, sense in b.rows]
    assert np.array_equal(a.start, b.start) and np.array_equal(a.index, b.index)
    assert np.array_equal(a.value, b.value)
    assert np.array_equal(a.c, b.c)
    assert np.array_equal(a.rhs, b.rhs)
    assert np.array_equal(a.c_offset, b.c_offset)


def both(m: pyo.ConcreteModel) -> tuple[StandardForm, StandardForm]:
    return to_standard_form(m, "fast")[0], to_standard_form(m, "pyomo")[0]


def compiled_by(m: pyo.ConcreteModel) -> str:
    return to_standard_form(m, "fast")[2]


def _network(tmp_path: Path, which: str) -> Network:
    if which == "sample":
        return read_workbook(SAMPLE)
    if which == "S":
        return read_workbook(generate.write("S", tmp_path / "S.xlsx"))
    path = tmp_path / "cap41.xlsx"
    return read_workbook(write_input_workbook(path, orlib.to_records(orlib.load("cap41", REFERENCE / "orlib"))))


@pytest.mark.parametrize("which", ["sample", "S", "cap41"])
@pytest.mark.parametrize("elastic", [False, True])
def test_same_matrices_as_pyomo_on_the_models_networks(tmp_path: Path, which: str, elastic: bool) -> None:
    m = build_model(_network(tmp_path, which), elastic=elastic)
    fast, pyomo_form = both(m)
    assert fast.nnz > 100
    assert_same(fast, pyomo_form)
    assert compiled_by(m) == "fast"  # the model's compiler reads every expression: no fallback


def _small() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.x = pyo.Var([1, 2, 3], bounds=(0, 10))
    m.y = pyo.Var(within=pyo.Binary)
    m.unused = pyo.Var([1, 2])
    m.p = pyo.Param(initialize=2.0, mutable=True)
    m.e = pyo.Expression(expr=m.x[1] + 2 * m.x[2] + 1)
    m.o = pyo.Objective(expr=3 * m.x[1] + m.p * m.y + m.e + 4)
    m.c1 = pyo.Constraint(expr=m.x[1] + m.x[1] - 2 * m.x[2] + m.x[2] <= 5)  # repeated columns summed
    m.c2 = pyo.Constraint(expr=m.x[3] * 2 - m.y / 4 >= 5)  # constant on the left: a >= row
    m.c3 = pyo.Constraint(expr=m.x[2] >= m.y * 3 + m.p)  # variables both sides: lhs - rhs
    m.c4 = pyo.Constraint(expr=pyo.inequality(1, -(m.x[1] - m.e), 7))  # ranged: two rows
    m.c5 = pyo.Constraint(expr=m.x[3] - m.x[3] + m.y == 1)  # a cancelled column
    m.c6 = pyo.Constraint(expr=(m.x[1] + 1) * 2 + m.p * m.x[3] == m.x[2] - 3)
    m.c7 = pyo.Constraint(expr=m.x[1] - m.x[1] <= 1)  # no variable left, holds: skipped
    return m


def test_same_matrices_on_every_shape_and_orientation() -> None:
    m = _small()
    fast, pyomo_form = both(m)
    assert_same(fast, pyomo_form)
    assert compiled_by(m) == "fast"
    assert len(fast.rows) == 7 and [s for _, s in fast.rows].count(0) == 2


def test_fixed_variables_are_constants() -> None:
    m = _small()
    m.x[3].fix(3)
    fast, pyomo_form = both(m)
    assert_same(fast, pyomo_form)
    assert [v.name for v in fast.columns] == ["x[1]", "x[2]", "y"]
    assert len(fast.rows) == 7


def test_a_row_whose_variables_cancel_is_skipped_when_it_holds() -> None:
    """Pyomo's compiler sometimes keeps such a row, empty (here: the ranged c4 once x[2] is fixed)."""
    m = _small()
    m.x[2].fix(3)  # c4 becomes 1 <= 7 <= 7
    fast = to_standard_form(m, "fast")[0]
    assert m.c4 not in {con for con, _ in fast.rows}
    assert set(fast.index.tolist()) == set(range(len(fast.rows)))  # no empty row


def test_a_constraint_that_cannot_hold_is_refused_as_pyomo_refuses_it() -> None:
    m = _small()
    m.bad = pyo.Constraint(expr=m.x[1] - m.x[1] >= 1)
    for compiler in ("fast", "pyomo"):
        with pytest.raises(InfeasibleConstraintException):
            to_standard_form(m, compiler)


def test_an_unfamiliar_expression_falls_back_to_pyomo() -> None:
    m = _small()
    m.q = pyo.Param(initialize=1, mutable=True)
    m.c8 = pyo.Constraint(expr=pyo.Expr_if(IF=m.q, THEN=m.x[1], ELSE=m.x[2]) <= 3)
    with pytest.raises(Unsupported):
        compile_standard_form(m, [m.o.expr])
    fast, pyomo_form = both(m)
    assert_same(fast, pyomo_form)
    assert compiled_by(m) == "fallback"
    assert compile_model(m)[0].compiled_by == "fallback"
    with pytest.raises(ValueError, match="unknown compiler"):
        to_standard_form(m, "other")


def test_both_compilers_give_the_same_solution() -> None:
    m = _small()
    values = []
    for compiler in ("fast", "pyomo"):
        c, _ = compile_model(m, compiler)
        c.highs.run()
        values.append(c.highs.getInfo().objective_function_value)
    assert values[0] == pytest.approx(values[1], rel=1e-12)
