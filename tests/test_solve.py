"""The solve wrapper's HiGHS settings: the tool's own, and the expert's ``--highs NAME=VALUE``."""

from __future__ import annotations

import highspy
import pytest

from model.solve import HIGHS_DEFAULTS, SolveOptions, configure, highs_option


def _value(h: highspy.Highs, name: str) -> object:
    return h.getOptionValue(name)[1]  # (status, value)


def test_highs_settings_of_the_tool_and_their_override() -> None:
    h = highspy.Highs()
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
    h = highspy.Highs()
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
        (
            "mip_allow_restart=maybe",
            "takes true or false (HiGHS's default True, this tool's False)",
        ),
        ("mip_heuristic_effort=2", "takes a number in HiGHS's range for it (HiGHS's default 0.05)"),
        ("mip_max_nodes=1.5", "takes a whole number"),
        ("presolve=sometimes", "takes one of the words HiGHS allows for it (HiGHS's default choose)"),
        ("time_limit=10", "is set by this tool: use --time-limit instead"),
        ("mip_rel_gap=0.01", "use --mip-gap instead"),
        ("threads=2", "use --threads instead"),
        ("random_seed=3", "use --seed instead"),
    ],
)
def test_refused_options_say_why_in_words(text: str, words: str) -> None:
    with pytest.raises(ValueError) as info:
        highs_option(text)
    assert words in str(info.value)


def test_summary_settings_are_the_tool_defaults_then_the_experts() -> None:
    """What ``configure`` reports (and the Summary records) is read back from the Highs it set."""
    assert configure(highspy.Highs(), SolveOptions()) == {name: value for name, value in HIGHS_DEFAULTS}
    chosen = (highs_option("mip_allow_restart=on"), highs_option("mip_heuristic_effort=0.2"))
    assert configure(highspy.Highs(), SolveOptions(highs_options=chosen)) == {
        "mip_allow_restart": True,
        "mip_heuristic_effort": 0.2,
    }
