"""A target path → a temporary file beside it that replaces the target only once wholly written (os.replace).

On any failure, Ctrl-C included, the temporary file is removed and an existing target is left as it was.
"""
from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: str | Path):
    """Yield a temporary path beside `target`; on success it replaces `target`, on any failure it is removed.

    The folder is created if missing. The new file gets the old file's permissions, or the usual ones for a
    new file (0666 less the umask) rather than the temporary file's private 0600.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as exc:  # report the file the user named, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_text(target: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `target` atomically."""
    with atomic_path(target) as temporary:
        temporary.write_text(text, encoding="utf-8")
