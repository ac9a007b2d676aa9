"""Write a file (workbook, report, picture) whole or not at all, never over a good file with a half-written one."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

last_notice: list[str] = []


def current_umask() -> int:
    """The process's umask (the permission bits a new file does not get)."""
    try:
        with open("/proc/self/status") as f:  # Linux: read without changing it
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


def give_normal_permissions(tmp: str | Path, target: str | Path) -> None:
    """Give the temporary file ``tmp``, about to replace ``target``, the permissions a normally
    saved file gets: those of the file it replaces, else read-write for everyone the umask lets
    (0o666 & ~umask: 0o644 under the usual 022, group-writable under 002), not the 0600 a
    temporary file is created with, so that colleagues on a shared drive can open it."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o666 & ~current_umask()
    os.chmod(tmp, mode)


def _write_then_move(wb: Any, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        give_normal_permissions(tmp, path)
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


class _Figure:
    """What ``atomic_save`` saves for a matplotlib figure: the figure, drawn to the path it is given
    (the format follows the path's suffix, which the temporary file keeps)."""

    def __init__(self, fig: Any):
        self.fig = fig

    def save(self, path: str) -> None:
        self.fig.savefig(path)


def save_figure(fig: Any, path: Path) -> Path:
    """Save a matplotlib figure (a PNG) like a workbook, through ``atomic_save``, and close it.
    Returns the path written."""
    import matplotlib.pyplot as plt

    try:
        return atomic_save(_Figure(fig), Path(path))
    finally:
        plt.close(fig)
