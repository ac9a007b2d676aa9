"""An analyst's study from Python, without Excel: build a small network from DataFrames, solve it,
sweep the dependency cap in parallel, and plot the frontier (docs/api.md walks through it).

    python examples/analyst.py              # writes outputs/analyst_frontier.png and the results
    python examples/analyst.py --out DIR    # somewhere else

Home buys chips. A rival (a country of concern) makes them cheapest; an ally makes them at a
little more; a plant at home can be built. How much does each point of de-risking cost?
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt
import pandas as pd

import model


def network() -> model.Network:
    """The network, sheet by sheet, as DataFrames named and shaped as the workbook's sheets."""
    frames = {
        "Countries": pd.DataFrame(
            {
                "country": ["Home", "Ally", "Rival"],
                "bloc": ["Domestic", "Ally", "Concern"],
                "concern": [False, False, True],
            }
        ),
        "Products": pd.DataFrame({"product": ["chip"], "unit": ["k wafers"], "unmet_penalty": [1000.0]}),
        "Sites": pd.DataFrame(
            {
                "site": ["home_fab", "ally_fab", "rival_fab"],
                "country": ["Home", "Ally", "Rival"],
                "product": ["chip", "chip", "chip"],
                "status": ["candidate", "existing", "existing"],
                "capacity": [60.0, 40.0, 100.0],
                "unit_cost": [10.0, 7.0, 5.0],
                "fixed_cost": [150.0, 0.0, 0.0],
            }
        ),
        "Demand": pd.DataFrame({"market": ["Home"], "product": ["chip"], "demand": [80.0]}),
        "Lanes": pd.DataFrame(
            {
                "origin": ["Rival", "Ally"],
                "destination": ["Home", "Home"],
                "freight_cost": [1.0, 1.0],
                "tariff_rate": [0.2, 0.0],
            }
        ),
    }
    return model.from_frames(frames)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="outputs", help="folder for the picture and the results (default: outputs)")
    out = Path(parser.parse_args(argv).out)
    out.mkdir(parents=True, exist_ok=True)

    net = network()
    result = model.solve(net, dependency_cap=0.5)
    print(f"cap 50%: {result.status}, cost {result.objective:,.2f}")
    print(result["Sites"][["site", "built", "production"]].to_string(index=False))

    frontier = model.sweep(net, "dependency_cap", [1.0, 0.75, 0.5, 0.25, 0.0], workers=2)
    print(frontier[["cap", "objective", "price_per_point", "design_change"]].to_string(index=False))

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(frontier["cap"] * 100, frontier["objective"], marker="o")
    ax.set_xlabel("cap on the concern share of supply (%)")
    ax.set_ylabel("yearly cost")
    ax.set_title("What each point of de-risking costs")
    ax.invert_xaxis()
    fig.tight_layout()
    picture = out / "analyst_frontier.png"
    fig.savefig(picture, dpi=100)
    written = model.write(result, out / "analyst_results.xlsx", report=False)
    print(f"Picture: {picture}")
    print(f"Results: {written[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
