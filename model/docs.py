"""The generated reference docs, written or checked by one command.

* docs/inputs.md: every input sheet and column (``model.schema``: the core sheets and the
  families' ``SHEETS``);
* docs/results.md: every family result table and column (``model.tables``: the families'
  ``TABLES``);
* the table of constraints in docs/formulation.md (``model.formulation``: the families'
  ``EQUATIONS``).

::

    python -m model.docs            # write them
    python -m model.docs --check    # say which are stale (exit 1), write nothing

A test checks that the committed files are current, so that each is written once, in the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from model import formulation, schema, tables

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python -m model.docs"


def generated() -> dict[Path, str]:
    """Each generated file's path and the text it should hold (docs/formulation.md with its table
    of constraints replaced; the rest of that file is written by hand)."""
    text = formulation.DOC.read_text(encoding="utf-8")
    block = formulation.current(text)
    if not block:
        raise ValueError(f"{formulation.DOC}: the markers of the generated table are missing")
    return {
        ROOT / "docs" / "inputs.md": schema.render_inputs_markdown(),
        tables.DOC: tables.render_markdown(),
        formulation.DOC: text.replace(block, formulation.render()),
    }


def stale() -> list[Path]:
    """The generated files whose committed text differs from what the code declares."""
    return [path for path, text in generated().items() if path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    """Write the generated docs; with ``--check``, name the stale ones and exit 1 if any."""
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        old = stale()
        for path in old:
            print(f"{path.relative_to(ROOT)} is stale: run {COMMAND}", file=sys.stderr)
        return 1 if old else 0
    for path, text in generated().items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
