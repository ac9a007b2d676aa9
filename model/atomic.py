"""Write a workbook whole or not at all, never over a good file with a half-written one."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import tempfile
from pathlib import Path
from typing import Any

last_notice: list[str] = []


def _write_then_move(wb: Any, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp.xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_save(wb: Any, path: Path) -> Path:
    """Save ``wb`` to ``path`` through a temporary file in the same folder and an atomic rename.

    If ``path`` cannot be replaced (open in Excel on Windows, read-only file or folder), the
    workbook is saved beside it as ``<stem>_<timestamp>.xlsx`` (or in the current folder if the
    target folder is not writable) and that path is returned; ``last_notice`` then holds a
    sentence saying why. Returns the path actually written.
    """
    path = Path(path)
    last_notice.clear()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _write_then_move(wb, path)
        return path
    except PermissionError as exc:
        reason = (
            f"{path} could not be written ({exc.strerror or 'permission denied'}: is it open in Excel or read-only?)"
        )
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for folder in (path.parent, Path.cwd()):
        alt = folder / f"{path.stem}_{stamp}{path.suffix}"
        try:
            _write_then_move(wb, alt)
        except PermissionError:
            continue
        last_notice.append(f"{reason}; the results were written to {alt} instead")
        return alt
    raise PermissionError(f"{reason}, and no other place beside it could be written either")
