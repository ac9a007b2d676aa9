"""The model's own compiler (a private path: it reads Pyomo's expression classes) gives exactly the
matrices of Pyomo's public LinearStandardFormCompiler, and gives way to it wherever it cannot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from bench import generate, orlib
from model import standard_form
from model.build import build_model
from model.network import Network
from model.solve import compile_model, to_standard_form
from model.standard_form import (
    StandardForm,
    Unsupported,
    _variable_bound,
    column_bounds,
    compile_standard_form,
    private_reader_problem,
)
from model.template import write_input_workbook
from model.workbook import read_workbook
from tests.helpers import REFERENCE, SAMPLE, needs_fast_compiler

pytestmark = needs_fast_compiler  # every test here reads the model's own compiler


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


def _variable_bounds() -> pyo.ConcreteModel:
    """``x <= c * y`` rows, the shape read in one step, and its near misses."""
    m = _small()
    m.w = pyo.Var([1, 2], bounds=(0, 5))
    m.z = pyo.Var(within=pyo.Binary)
    m.z.fix(1)
    m.v1 = pyo.Constraint(expr=m.w[1] <= 5 * m.y)  # w has no column yet: the general path numbers it
    m.v2 = pyo.Constraint(expr=m.w[2] <= 5 * m.y)  # the one-step read
    m.v3 = pyo.Constraint(expr=m.x[1] <= 2.5 * m.y)
    m.v4 = pyo.Constraint(expr=m.x[2] <= np.float64(1.5) * m.y)  # a numpy coefficient
    m.v5 = pyo.Constraint(expr=m.x[2] <= 0 * m.y)  # zero coefficient: y dropped
    m.v6 = pyo.Constraint(expr=m.x[1] <= 2 * m.x[1])  # the same variable: summed
    m.v7 = pyo.Constraint(expr=m.x[3] <= 4 * m.z)  # z fixed: a constant
    m.v8 = pyo.Constraint(expr=m.x[3] <= m.p * m.y)  # a Param coefficient
    m.v9 = pyo.Constraint(expr=3 * m.y >= m.x[3])  # Pyomo stores it as x[3] <= 3 y: the one-step read
    return m


def test_variable_bound_rows_read_in_one_step_are_pyomos_rows() -> None:
    m = _variable_bounds()
    fast, pyomo_form = both(m)
    assert_same(fast, pyomo_form)
    assert compiled_by(m) == "fast"
    index = {id(v): j for j, v in enumerate(fast.columns)}
    j = index.__getitem__
    assert _variable_bound(m.v2.expr, index) == ([j(id(m.w[2])), j(id(m.y))], [1.0, -5.0])
    assert _variable_bound(m.v4.expr, index) == ([j(id(m.x[2])), j(id(m.y))], [1.0, -1.5])
    assert _variable_bound(m.v9.expr, index) == ([j(id(m.x[3])), j(id(m.y))], [1.0, -3.0])
    for con in (m.v5, m.v6, m.v7, m.v8, m.c1, m.c3):  # not this shape: the general path
        assert _variable_bound(con.expr, index) is None
    assert _variable_bound(m.v1.expr, {}) is None  # no columns yet


def _sums() -> pyo.ConcreteModel:
    """Sums of variables only and of ``coefficient * variable`` only, the shapes read a whole sum
    at a time, with first-met components, fixed variables and Param coefficients."""
    m = pyo.ConcreteModel()
    m.a = pyo.Var(range(4), bounds=(0, 9))
    m.b = pyo.Var(range(4), bounds=(0, 9))
    m.p = pyo.Param(initialize=3.0, mutable=True)
    # b is met before a: b's columns come first, as in Pyomo's compiler
    m.o = pyo.Objective(expr=pyo.quicksum(2.0 * m.b[i] for i in range(4)) + pyo.quicksum(m.a[i] for i in range(4)))
    m.all_vars = pyo.Constraint(expr=m.a[0] + m.a[1] + m.b[2] + m.a[0] == 4)  # a[0] twice: summed
    zero = MonomialTermExpression((0, m.a[0]))  # a zero coefficient (Pyomo's operators drop such a term)
    m.all_terms = pyo.Constraint(expr=LinearExpression([1.5 * m.a[2], 2 * m.b[3], zero]) <= 8)
    m.fixed_var = pyo.Constraint(expr=m.a[3] + m.b[1] + m.b[0] >= 1)
    m.fixed_term = pyo.Constraint(expr=4 * m.a[3] + 5 * m.b[1] + 6 * m.a[1] >= 2)
    m.param_term = pyo.Constraint(expr=m.p * m.a[1] + 2 * m.b[1] <= 7)
    m.both_sides = pyo.Constraint(expr=m.a[0] + m.a[1] <= 0.5 * m.b[2] + 3 * m.b[3])  # lhs - rhs
    m.sides_swapped = pyo.Constraint(expr=0.5 * m.b[2] + 3 * m.b[3] <= m.a[0] + m.a[1])
    m.b[0].fix(1)  # after the rows are made: b[0] is a constant in them
    return m


def test_whole_sums_read_at_once_are_pyomos_rows() -> None:
    m = _sums()
    assert {arg.__class__ for arg in m.all_vars.body.args} == {VarData}
    assert {arg.__class__ for arg in m.all_terms.body.args} == {MonomialTermExpression}
    fast, pyomo_form = both(m)
    assert_same(fast, pyomo_form)
    assert compiled_by(m) == "fast"
    assert [v.name for v in fast.columns] == ["b[1]", "b[2]", "b[3]", "a[0]", "a[1]", "a[2]", "a[3]"]


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


def _public_bounds(columns: list) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Bounds and integer columns read through each variable's public ``bounds`` and ``is_integer()``."""
    lower = np.array([-np.inf if v.lb is None else v.lb for v in columns], dtype=float)
    upper = np.array([np.inf if v.ub is None else v.ub for v in columns], dtype=float)
    return lower, upper, [j for j, v in enumerate(columns) if v.is_integer()]


def assert_bounds_as_public(columns: list) -> None:
    lower, upper, integer = column_bounds(columns)
    want_lower, want_upper, want_integer = _public_bounds(columns)
    assert np.array_equal(lower, want_lower)
    assert np.array_equal(upper, want_upper)
    assert integer.tolist() == want_integer


@pytest.mark.parametrize("which", ["sample", "S", "cap41"])
def test_column_bounds_are_the_public_bounds_on_the_models_networks(tmp_path: Path, which: str) -> None:
    columns = to_standard_form(build_model(_network(tmp_path, which)), "fast")[0].columns
    assert_bounds_as_public(columns)
    lower, upper, integer = column_bounds(columns)
    assert len(integer) > 0 and (lower == 0).all() and np.isfinite(upper).any()


def _bounded_model() -> pyo.ConcreteModel:
    """Every kind of bound: own, domain, both (either tighter), none, on real and integer domains."""
    m = pyo.ConcreteModel()
    m.free = pyo.Var(within=pyo.Reals)
    m.neg = pyo.Var(within=pyo.NonPositiveReals, bounds=(-4, None))
    m.box = pyo.Var([1, 2], within=pyo.NonNegativeReals, bounds={1: (2, 3.5), 2: (-1, None)})
    m.b = pyo.Var([1, 2], within=pyo.Binary)
    m.n = pyo.Var(within=pyo.NonNegativeIntegers, bounds=(None, 7))
    m.k = pyo.Var(within=pyo.Integers, bounds=(-2, 2))
    m.pct = pyo.Var(within=pyo.PercentFraction)
    return m


def _columns(m: pyo.ConcreteModel) -> list:
    return list(m.component_data_objects(pyo.Var))


def test_column_bounds_are_the_public_bounds_for_every_kind_of_bound() -> None:
    columns = _columns(_bounded_model())
    assert_bounds_as_public(columns)
    lower, upper, integer = column_bounds(columns)
    assert lower.tolist() == [-np.inf, -4, 2, 0, 0, 0, 0, -2, 0]  # free, neg, box[1], box[2], b, b, n, k, pct
    assert upper.tolist() == [np.inf, 0, 3.5, np.inf, 1, 1, 7, 2, 1]
    assert integer.tolist() == [4, 5, 6, 7]


@pytest.mark.parametrize(
    "bound",
    [pytest.param("param", id="a mutable Param"), pytest.param("-inf", id="an infinite bound"), "numpy"],
)
def test_column_bounds_read_unusual_bounds_through_pyomo(bound: str) -> None:
    m = _bounded_model()
    if bound == "param":
        m.p = pyo.Param(initialize=5.0, mutable=True)
        m.box[1].setub(m.p)
        m.p = 6.5  # a later change of the Param moves the bound
    elif bound == "-inf":
        m.free.setlb(float("-inf"))
    else:
        m.box[1].setub(np.float64(6.5))
    columns = _columns(m)
    assert_bounds_as_public(columns)
    if bound != "-inf":
        assert column_bounds(columns)[1][2] == 6.5


def test_column_bounds_refuse_a_nan_bound_as_pyomo_does() -> None:
    m = _bounded_model()
    m.box[2].setlb(float("nan"))
    with pytest.raises(ValueError, match="invalid non-finite lower bound"):
        column_bounds(_columns(m))


def test_column_bounds_of_no_columns() -> None:
    lower, upper, integer = column_bounds([])
    assert len(lower) == len(upper) == len(integer) == 0


def test_the_private_reader_runs_only_on_the_pyomo_releases_it_was_checked_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """On another Pyomo release the reader is off, and Pyomo's public compiler gives the matrices."""
    assert private_reader_problem() == ""  # the installed Pyomo is one of TESTED_PYOMO
    assert "not among the releases" in private_reader_problem((6, 99, 0))
    m = _small()
    monkeypatch.setattr(standard_form, "TESTED_PYOMO", ())
    with pytest.raises(Unsupported, match="not among the releases"):
        compile_standard_form(m, [m.o.expr])
    fallback = to_standard_form(m, "fast")
    assert fallback[2] == "fallback"
    monkeypatch.undo()
    fast = to_standard_form(m, "fast")
    assert fast[2] == "fast"
    assert_same(fallback[0], fast[0])


def test_an_error_inside_the_private_reader_falls_back_to_pyomo(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Pyomo whose expressions the reader misreads (here: an attribute gone) costs speed, not the run."""

    def moved(*_: object) -> float:
        raise AttributeError("'LinearExpression' object has no attribute 'args'")

    m = _small()
    monkeypatch.setattr(standard_form, "_linear", moved)
    with pytest.raises(Unsupported, match="AttributeError"):
        compile_standard_form(m, [m.o.expr])
    fast, pyomo_form = both(m)
    assert compiled_by(m) == "fallback"
    assert_same(fast, pyomo_form)
