"""A target path → a temporary file beside it that replaces the target only once wholly written (os.replace).

On any failure the temporary file is removed and an existing target is left as it was; signals included.
While the file is written, a signal whose default action ends the process (SIGTERM, SIGHUP, SIGQUIT, ...)
removes the temporary file and then ends the process as it would have. Ctrl-C (SIGINT) raises
KeyboardInterrupt, which removes it too; where the writer swallows that exception (a library writing in C
that calls back into Python), the file is not published once the write returns, and a second Ctrl-C removes
it and ends the process at once.
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

# Signals whose default action ends the process (SIGKILL and SIGSTOP cannot be caught; Python ignores SIGPIPE)
ENDING = tuple(
    getattr(signal, name)
    for name in (
        "SIGINT",
        "SIGTERM",
        "SIGHUP",
        "SIGQUIT",
        "SIGUSR1",
        "SIGUSR2",
        "SIGALRM",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGPIPE",
    )
    if hasattr(signal, name)
)


@contextmanager
def atomic_path(target: str | Path, mode: int | None = None):
    """Yield a temporary path beside `target`; on success it replaces `target`, on any failure it is removed.

    The folder is created if missing. The new file gets `mode`, else the old file's permissions, else the
    usual ones for a new file (0666 less the umask) rather than the temporary file's private 0600.
    """
    target = Path(target)
    with _Guard() as guard:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        except OSError as exc:  # report the file the user named, not the temporary one
            raise OSError(exc.errno, exc.strerror, str(target)) from None
        os.close(handle)
        guard.temporary = Path(temporary)
        try:
            yield guard.temporary
            if guard.received:  # the KeyboardInterrupt was swallowed somewhere in the writer
                raise KeyboardInterrupt
            os.chmod(temporary, mode if mode is not None else _mode_for(target))
            os.replace(temporary, target)
        except BaseException:
            guard.temporary.unlink(missing_ok=True)
            raise
        finally:
            guard.temporary = None


class _Guard:
    """Within the block, the ending signals left to their default action (and SIGINT left to Python's) are
    handled: the temporary file is removed before the process ends. Python runs signal handlers between
    bytecodes of the main thread, so while a library writes in C they would wait for the write to finish: a
    watcher thread, woken through signal.set_wakeup_fd, removes the file and ends the process if the handler
    has not done so within GRACE seconds. Only the main thread handles signals, so elsewhere the guard does
    nothing."""

    GRACE = 0.5

    def __init__(self) -> None:
        self.temporary: Path | None = None
        self.received: list[int] = []
        self.previous: dict = {}
        self.wakeup: tuple[int, int] | None = None  # (the previous wakeup fd, our pipe's write end)

    def __enter__(self) -> _Guard:
        if threading.current_thread() is not threading.main_thread():
            return self
        for number in ENDING:
            handler = signal.getsignal(number)
            if handler is signal.SIG_DFL or (number == signal.SIGINT and handler is signal.default_int_handler):
                self.previous[number] = signal.signal(number, self._on_signal)
        if self.previous:
            read, write = os.pipe()
            os.set_blocking(write, False)
            try:
                self.wakeup = (signal.set_wakeup_fd(write, warn_on_full_buffer=False), write)
            except (ValueError, OSError):  # a platform without pipes as wakeup fds: the handlers alone
                os.close(read)
                os.close(write)
                return self
            threading.Thread(
                target=self._watch, args=(read, set(self.previous)), daemon=True, name="dagspec-atomic-write"
            ).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._restore()

    def _restore(self) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)
        self.previous = {}
        if self.wakeup is not None:
            previous, write = self.wakeup
            self.wakeup = None
            signal.set_wakeup_fd(previous)
            os.close(write)  # the watcher reads the end of the pipe and stops

    def _on_signal(self, number, frame):
        first = not self.received
        self.received.append(number)
        if number == signal.SIGINT and first:
            raise KeyboardInterrupt
        # another signal, or Ctrl-C pressed again: clean up and end the process the way the signal would have
        self._remove()
        self._restore()
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
        raise SystemExit(128 + number)  # should the signal not end the process at once

    def _watch(self, read: int, ours: set[int]) -> None:
        """Signals as the wakeup fd reports them; only those whose handling the guard took over end the process."""
        interrupts = 0
        try:
            while data := os.read(read, 64):
                for number in data:
                    interrupts += number == signal.SIGINT
                    if number in ours and (number != signal.SIGINT or interrupts > 1):
                        time.sleep(self.GRACE)  # time for the handler, should the main thread run Python code
                        if self.temporary is not None:  # still writing: the main thread is busy in C
                            self._remove()
                            os._exit(128 + number)
        finally:
            os.close(read)

    def _remove(self) -> None:
        temporary = self.temporary
        if temporary is not None:
            temporary.unlink(missing_ok=True)


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
