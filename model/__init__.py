"""Supply network redesign: a Pyomo MIP that sources strategic products and sizes capacity,
spare capacity and stockpiles across allied countries under caps on dependency on countries of
concern, solved with HiGHS. Inputs and results are Excel workbooks, or DataFrames from Python.

The public API (docs/api.md) is what ``__all__`` lists, and nothing else is promised::

    import model
    net = model.read("inputs/allied_supply_network.xlsx")     # or model.from_frames({...})
    result = model.solve(net, dependency_cap=0.3)
    result.objective, result["Sites"]

Data flows down: ``workbook`` (Excel -> ``Network``), ``build`` (``Network`` -> Pyomo model),
``solve`` (the one HiGHS wrapper), ``results`` (model -> tidy DataFrames), ``report`` (DataFrames
-> results workbook), ``api`` (the functions above), ``cli`` (the command line, a client of ``api``).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "Network",
    "Problem",
    "Result",
    "alternatives",
    "compare",
    "from_frames",
    "read",
    "solve",
    "stress",
    "sweep",
    "write",
]

# The public API, bound here after its modules load: ``model.solve`` is the function (the module
# of the same name, the HiGHS wrapper, is ``importlib.import_module("model.solve")`` for the
# few who need it); importing a submodule later does not rebind these names (it is loaded already).
from model.api import (
    InputError,
    Problem,
    Result,
    alternatives,
    compare,
    from_frames,
    read,
    solve,
    stress,
    sweep,
    write,
)
from model.network import Network
