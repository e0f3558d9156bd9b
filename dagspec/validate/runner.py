"""Many independent fits → a Dask cluster, with one JSON record per finished task in an output folder.

The engine is dask.distributed: a given `Client`, a scheduler address, or by default a `LocalCluster` of worker
processes on this machine (one thread each: PyTensor and BLAS are not shared between fits). Each finished task's
record is written atomically as soon as its result reaches this process, so a killed run keeps what it finished
and a second run with the same settings (checked against the folder's manifest) does only what is missing. A task
that raises is recorded as failed, with its error, and the run goes on.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from ..atomic import write_text
from ..diagnostics import error
from ..source import Source

MANIFEST = "manifest.json"
NO_DASK = "sbc, batch and test-dag run on Dask, which is not installed: pip install 'dagspec[scale]'"
RECORDS = "records"


@contextmanager
def dask_client(client=None, scheduler: str | None = None, workers: int | None = None):
    """The Client to run on: `client` as given, one connected to `scheduler` (an address such as
    tcp://host:8786), or a LocalCluster of `workers` processes (default: one per core) closed afterwards."""
    if client is not None:
        yield client
        return
    import logging

    try:
        from distributed import Client, LocalCluster
    except ModuleNotFoundError:
        raise ImportError(NO_DASK) from None

    if scheduler:
        with Client(scheduler) as connected:
            yield connected
        return
    with (
        LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as local,
    ):
        yield local


class RecordStore:
    """An output folder: `manifest.json` (what the run is) and `records/KEY.json` (one per finished task)."""

    def __init__(self, folder: str | Path, manifest: dict, overwrite: bool = False):
        self.folder = Path(folder)
        self.records = self.folder / RECORDS
        found = self._read_json(self.folder / MANIFEST)
        if found is not None and found != manifest and not overwrite:
            differ = sorted(k for k in set(found) | set(manifest) if found.get(k) != manifest.get(k))
            raise error(
                "DS651", source=Source("", str(self.folder)), folder=str(self.folder), what=", ".join(differ[:4])
            )
        if self.records.is_dir():
            # a run killed outright (SIGKILL, power loss) can leave a half-written record's temporary file;
            # one run at a time writes to a folder, so any found now is stale
            for stale in self.records.glob(".*.json.*.partial"):
                stale.unlink(missing_ok=True)
            if overwrite:
                for old in self.records.glob("*.json"):
                    old.unlink()
        self.records.mkdir(parents=True, exist_ok=True)
        write_text(self.folder / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))

    @staticmethod
    def _read_json(path: Path):
        """A JSON document, or None when the file is missing or not one (a folder from elsewhere is only read)."""
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def path(self, key: str) -> Path:
        return self.records / f"{key}.json"

    def load(self, keys: Iterable[str]) -> dict[str, dict]:
        """The records already written for `keys` (a missing or unreadable one is simply not done)."""
        found = {}
        for key in keys:
            record = self._read_json(self.path(key))
            if isinstance(record, dict) and record.get("key") == key and record.get("status") in ("ok", "failed"):
                found[key] = record
        return found

    def write(self, key: str, record: dict) -> None:
        write_text(self.path(key), json.dumps({**record, "key": key}, sort_keys=True))


class Progress:
    """`label: 12/100 done (1 failed), 34.5 fits/min` on stderr as tasks finish: redrawn in place on a
    terminal, else a line at every tenth of the run."""

    def __init__(self, label: str, total: int, done: int = 0, stream=None, quiet: bool = False):
        self.label, self.total, self.done, self.failed = label, total, done, 0
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.started, self.new = time.monotonic(), 0
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, failed: bool) -> None:
        self.done, self.new = self.done + 1, self.new + 1
        self.failed += failed
        if self.quiet:
            return
        step = max(1, self.total // 10)
        if self.tty or self.done % step == 0 or self.done == self.total:
            minutes = (time.monotonic() - self.started) / 60
            rate = f", {self.new / minutes:.1f} fits/min" if minutes > 0 else ""
            failed_text = f" ({self.failed} failed)" if self.failed else ""
            line = f"{self.label}: {self.done}/{self.total} done{failed_text}{rate}"
            print(
                ("\r" + line) if self.tty else line,
                end="" if self.tty and self.done < self.total else "\n",
                file=self.stream,
                flush=True,
            )


def run_tasks(
    client,
    tasks: dict[str, tuple[Callable, tuple]],
    store: RecordStore | None,
    progress: Progress,
    in_flight: int | None = None,
    on_result: Callable[[str, dict], dict] | None = None,
) -> dict[str, dict]:
    """Run `{key: (function, arguments)}` on the cluster; each function returns a JSON-able record (or a dict that
    `on_result(key, result)` turns into one, after keeping what is not JSON, e.g. writing a posterior). Records are
    written to `store` (if any) as they arrive; a task that raises is recorded as `{"status": "failed", "error": ...}`. At most
    `in_flight` tasks (default: four per worker thread, at least eight) wait on the cluster at a time, so a large
    run does not ship every data set at once and Ctrl-C loses little, while no worker waits for its next task. Returns every record, by key."""
    from distributed import as_completed

    threads = sum(client.nthreads().values()) or 1
    limit = in_flight or max(8, 4 * threads)
    pending = iter(tasks.items())
    results: dict[str, dict] = {}
    futures = {}

    def submit_next() -> bool:
        try:
            key, (function, arguments) = next(pending)
        except StopIteration:
            return False
        future = client.submit(
            quietly, function, *arguments, key=f"dagspec-{key}-{os.getpid()}-{time.time_ns()}", pure=False
        )
        futures[future] = key
        return True

    started = [submit_next() for _ in range(limit)]
    if not any(started):
        return results
    queue = as_completed(list(futures))
    try:
        for future in queue:
            key = futures.pop(future)
            try:
                result = future.result()
                record = {"status": "ok", **(on_result(key, result) if on_result else result)}
            except Exception as exc:  # noqa: BLE001 - a failed fit is a result to record, not the end of the run
                record = {"status": "failed", "error": _error_text(exc)}
            if store is not None:
                store.write(key, record)
            results[key] = {**record, "key": key}
            progress.update(record["status"] == "failed")
            if submit_next():
                queue.add(list(futures)[-1])
    finally:
        if futures:  # interrupted: nothing half-done is kept, and the cluster stops working on it
            client.cancel(list(futures))
    return results


def quietly(function: Callable, *arguments):
    """Run `function` on a worker without PyMC's running commentary and warnings (a worker's output would
    interleave with the progress lines): dagspec reports what matters in the records."""
    import importlib
    import logging
    import warnings

    from ..quiet import silenced

    importlib.import_module("dagspec.backends.sample")  # PyMC sets its logger's level as it is imported
    with (
        silenced(logging.getLogger("pymc"), UserWarning, RuntimeWarning, FutureWarning, DeprecationWarning),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        return function(*arguments)


def _error_text(exc: BaseException) -> str:
    from ..diagnostics import DagspecError

    if isinstance(exc, DagspecError):
        return "; ".join(d.short() for d in exc.diagnostics)
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
