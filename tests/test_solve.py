"""The solve wrapper's HiGHS settings: the tool's own, and the expert's ``--highs NAME=VALUE``."""

from __future__ import annotations

import highspy
import pytest

from model.solve import HIGHS_DEFAULTS, SolveOptions, configure, highs_option, new_highs


def _value(h: highspy.Highs, name: str) -> object:
    return h.getOptionValue(name)[1]  # (status, value)


def test_highs_settings_of_the_tool_and_their_override() -> None:
    h = new_highs()
    configure(h, SolveOptions(time_limit=12, mip_gap=1e-3))
    assert _value(h, "mip_allow_restart") is False
    assert _value(h, "time_limit") == 12 and _value(h, "mip_rel_gap") == 1e-3
    configure(h, SolveOptions(highs_options=(("mip_allow_restart", True),)))
    assert _value(h, "mip_allow_restart") is True
    with pytest.raises(ValueError, match="does not accept"):
        configure(h, SolveOptions(highs_options=(("no_such_option", 1),)))


@pytest.mark.parametrize(
    ("text", "name", "read_back"),
    [
        ("mip_allow_restart=true", "mip_allow_restart", True),
        (" mip_allow_restart = off ", "mip_allow_restart", False),
        ("mip_heuristic_effort=0.3", "mip_heuristic_effort", 0.3),
        ("mip_max_nodes=1000", "mip_max_nodes", 1000),
        ("presolve=off", "presolve", "off"),
    ],
)
def test_option_text_is_read_by_highs_by_its_type(text: str, name: str, read_back: object) -> None:
    """The value stays text, as in HiGHS's options files; configure hands it over and HiGHS
    reads it by the option's type."""
    pair = highs_option(text)
    assert pair[0] == name
    h = new_highs()
    configure(h, SolveOptions(highs_options=(pair,)))
    assert _value(h, name) == read_back


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("mip_allow_restart", "is not OPTION=VALUE"),
        ("=true", "is not OPTION=VALUE"),
        ("mip_allow_restart=", "is not OPTION=VALUE"),
        ("mip_alow_restart=true", "HiGHS has no option 'mip_alow_restart' (did you mean mip_allow_restart?)"),
        ("zzzzzz=1", "HiGHS has no option 'zzzzzz'"),
        ("mip_allow_restart=maybe", "takes true or false (HiGHS's default {mip_allow_restart}, this tool's False)"),
        ("mip_heuristic_effort=2", "takes a number in HiGHS's range for it (HiGHS's default {mip_heuristic_effort})"),
        ("mip_max_nodes=1.5", "takes a whole number"),
        ("presolve=sometimes", "takes one of the words HiGHS allows for it (HiGHS's default {presolve})"),
        ("time_limit=10", "is set by this tool: use --time-limit instead"),
        ("mip_rel_gap=0.01", "use --mip-gap instead"),
        ("threads=2", "use --threads instead"),
        ("random_seed=3", "use --seed instead"),
    ],
)
def test_refused_options_say_why_in_words(text: str, words: str) -> None:
    """The message names the option's type and its default as HiGHS reports it (read here from a
    fresh Highs, not written down: HiGHS's defaults are HiGHS's business)."""
    with pytest.raises(ValueError) as info:
        highs_option(text)
    h = new_highs()
    defaults = {name: h.getOptionValue(name)[1] for name in ("mip_allow_restart", "mip_heuristic_effort", "presolve")}
    assert words.format(**defaults) in str(info.value)


def test_summary_settings_are_the_tool_defaults_then_the_experts() -> None:
    """What ``configure`` reports (and the Summary records) is read back from the Highs it set."""
    assert configure(new_highs(), SolveOptions()) == {name: value for name, value in HIGHS_DEFAULTS}
    chosen = (highs_option("mip_allow_restart=on"), highs_option("mip_heuristic_effort=0.2"))
    assert configure(new_highs(), SolveOptions(highs_options=chosen)) == {
        "mip_allow_restart": True,
        "mip_heuristic_effort": 0.2,
    }


class _StubHighs:
    """Stands in for a running HiGHS: Ctrl-C arrives on the first wait; HiGHS then stops after
    ``stops_after`` more waits (never if None)."""

    def __init__(self, stops_after: int | None):
        self.stops_after = stops_after
        self.waits = 0
        self.cancelled = False

    def startSolve(self) -> None:  # noqa: N802 - highspy's name
        pass

    def cancelSolve(self) -> None:  # noqa: N802 - highspy's name
        self.cancelled = True

    def wait(self, timeout: float) -> tuple[bool, None]:
        self.waits += 1
        if self.waits == 1:
            raise KeyboardInterrupt
        return (self.stops_after is not None and self.waits > self.stops_after + 1, None)


def test_ctrl_c_asks_highs_to_stop_and_waits_a_bounded_time() -> None:
    import time

    from model.solve import run_interruptibly

    prompt = _StubHighs(stops_after=3)
    assert run_interruptibly(prompt, grace=5.0) is True  # HiGHS stopped: its status is read
    assert prompt.cancelled and prompt.waits == 5
    deaf = _StubHighs(stops_after=None)  # a step of HiGHS that does not look for the request
    t0 = time.monotonic()
    assert run_interruptibly(deaf, grace=0.3) is False
    assert deaf.cancelled and time.monotonic() - t0 < 3  # the run stops without it


def test_solve_left_running_is_reported_interrupted(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from model.build import build_model
    from model.workbook import read_workbook
    from tests.helpers import COMPILER, SAMPLE

    solve_module = importlib.import_module("model.solve")  # the module: ``model.solve`` is the API's function
    monkeypatch.setattr(solve_module, "run_interruptibly", lambda h: False)
    r = solve_module.solve(build_model(read_workbook(SAMPLE)))
    assert r.status == "interrupted" and not r.has_solution and r.objective is None
    assert r.compiler.startswith(COMPILER) and r.size["columns"] > 0


def test_a_prepared_model_solves_again_with_bounds_changed_and_put_back() -> None:
    """min x + 2y s.t. x + y >= 4, x <= 3 (y free above 0): x = 3, y = 1, cost 5. With x bounded
    at 0: y = 4, cost 8, and the values are loaded; solved again with no bound changed: 5 again
    (the bound was put back). Compiled once: the second and third solves compile nothing."""
    import pyomo.environ as pe

    from model.solve import Prepared, SolveOptions

    m = pe.ConcreteModel()
    m.x = pe.Var(bounds=(0, 3))
    m.y = pe.Var(bounds=(0, None))
    m.c = pe.Constraint(expr=m.x + m.y >= 4)
    m.cost = pe.Objective(expr=m.x + 2 * m.y)
    prepared = Prepared(m, SolveOptions(polish=False))
    first = prepared.solve_with_upper([], 0.0)
    assert first.objective == pytest.approx(5) and m.x.value == pytest.approx(3)
    bounded = prepared.solve_with_upper([m.x], 0.0)
    assert bounded.objective == pytest.approx(8) and (m.x.value, m.y.value) == pytest.approx((0, 4))
    assert bounded.seconds["compile"] == 0.0
    assert prepared.solve_with_upper([], 0.0).objective == pytest.approx(5)
