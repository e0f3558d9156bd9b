"""A plan → PyMC's model, compiled NUTS step and trace, from an on-disk cache keyed by the plan's structure.

Compiling a model's log density and gradient takes most of a small model's run. The key is the plan with
its data containers reduced to shapes (their values are set again after loading) but every constant compiled
into the graph kept (the optimizer's centring means, a random variable's observations), plus the versions
that compiled it. So a second `dagspec sample` of the same spec and data loads the compiled step instead of
compiling it again, and other data are never sampled with a stale step. `DAGSPEC_CACHE_DIR` moves the
cache (default ~/.cache/dagspec); `DAGSPEC_CACHE_DIR=off` turns it off.

A compiled step can only be stored as a pickle, and unpickling runs code, so nothing in the folder is trusted
for being there. Each entry carries the full key it was written for and an HMAC-SHA256 over key and payload
with a per-user secret (created once, mode 0600, in ~/.config/dagspec, outside the cache); an entry is
unpickled only when its HMAC verifies and its key is the one asked for. A folder that another user owns or
can write to is not used (DS630); an entry that does not verify is left alone and not used (DS632); a folder
that cannot be read or written means sampling without the cache (DS631), never a failed run.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import hmac
import os
import pickle
import platform
import secrets
import stat
from pathlib import Path

import cloudpickle
import numpy as np
import pymc as pm
import pytensor
from pymc.backends.ndarray import NDArray

from .. import __version__
from ..allocation import collection_paused
from ..atomic import atomic_path
from ..diagnostics import finding, warn
from ..plan import DataVar, LikelihoodVar, Plan, RandomVariable
from .pymc import build_model

KEEP = 64  # cached entries kept; older ones are removed
SUFFIX = ".step"
MAGIC = b"dagspec step cache 1\n"
KEY_BYTES = 64  # a key is a SHA-256 in hex
TAG_BYTES = 32  # HMAC-SHA256
SECRET_BYTES = 32
MAX_ENTRY = 256 * 2**20  # bytes; a larger file was not written by dagspec (and is not read into memory)


def cache_dir() -> Path | None:
    setting = os.environ.get("DAGSPEC_CACHE_DIR")
    if setting and setting.lower() in ("off", "0", "none"):
        return None
    if setting:
        return Path(setting)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dagspec"


def secret_path() -> Path:
    """The per-user HMAC secret: in the configuration folder, so that a cache folder copied from elsewhere
    brings no trusted entries with it."""
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "dagspec" / "cache-key"


def plan_key(plan: Plan, step_options: dict) -> str:
    """A hash of everything that shapes the compiled functions: the plan without its data values."""
    parts = (
        __version__,
        pm.__version__,
        pytensor.__version__,
        platform.python_version(),
        str(pytensor.config.floatX),
        _structure(plan.coords),
        _structure(plan.entries),
        plan.expose_means,
        sorted(step_options.items()),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _structure(value):
    if isinstance(value, np.ndarray):  # a constant compiled into the graph (e.g. a random variable's observations)
        return (
            "array",
            value.shape,
            str(value.dtype),
            hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest(),
        )
    if isinstance(value, DataVar):  # held in a shared variable: set again after loading, so only its shape counts
        return ("data", value.name, value.dims, np.shape(value.values), str(np.asarray(value.values).dtype))
    if isinstance(value, RandomVariable):  # its starting value is set after loading
        return _structure(dataclasses.replace(value, initval=None).__dict__) + ("random",)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, _structure(value.__dict__))
    if isinstance(value, dict):
        return tuple((k, _structure(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_structure(v) for v in value)
    return repr(value)


def model_step_and_trace(plan: Plan, step_options: dict) -> tuple[pm.Model, pm.step_methods.NUTS, SharedTrace]:
    """The model, its NUTS step and an empty trace: loaded from the cache (with this plan's data and starts), else
    compiled. Models with imputed values or a censored or weighted likelihood are not cached: their graphs hold
    data that `_refresh` cannot set (the observed rows of an imputed node), or a CustomDist whose log density a
    new process cannot unpickle."""
    cacheable = not any(
        isinstance(e, LikelihoodVar) and (e.imputed is not None or e.censoring or e.weights) for e in plan.entries
    )
    cache = StepCache.open() if cacheable else None
    key = plan_key(plan, step_options) if cache is not None else ""
    with collection_paused():  # unpickling allocates a whole compiled graph: no collections walking it meanwhile
        loaded = cache.load(key) if cache is not None else None
    if loaded is not None and len(loaded) == 3:  # an entry of an earlier version holds no trace: compiled again
        model, step, trace = loaded
        _refresh(model, plan)
        return model, step, trace
    model = build_model(plan)
    with model:
        step = pm.NUTS(**step_options)
        trace = SharedTrace(model=model)
    if cache is not None:
        cache.store(key, (model, step, trace))
    return model, step, trace


class SharedTrace(NDArray):
    """PyMC's in-memory trace, whose compiled function of a draw (the values and the deterministics) every chain's
    copy shares: given no trace, pm.sample compiles that function anew for each chain (1.5 s each for UCBadmit
    m11.7 on a busy machine, longer than its hand-written model's whole run), and this one is cached with the
    step. A copy (pm.sample makes one per chain) gets storage of its own."""

    def __copy__(self):
        fresh = object.__new__(type(self))
        fresh.__dict__.update(self.__dict__)
        fresh.samples, fresh._stats, fresh.draw_idx, fresh.draws = {}, None, 0, None
        return fresh


def _refresh(model: pm.Model, plan: Plan) -> None:
    pm.set_data({e.name: e.values for e in plan.entries if isinstance(e, DataVar)}, model=model)
    for entry in plan.entries:
        if isinstance(entry, RandomVariable) and entry.initval is not None:
            model.set_initval(model[entry.name], entry.initval)


class _Refused(Exception):
    """Why a folder, a secret or an entry is not used (the words of a DS630/DS632 warning)."""


@dataclasses.dataclass
class StepCache:
    folder: Path
    secret: bytes
    untrusted: set[str] = dataclasses.field(default_factory=set)  # keys whose entry was refused: never overwritten

    @classmethod
    def open(cls) -> StepCache | None:
        """The cache folder if it can be used safely (created private if missing), else None with a warning."""
        folder = cache_dir()
        if folder is None:
            return None
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            _check_private(folder.stat(), "it")
            return cls(folder, _secret())
        except _Refused as exc:
            warn(finding("DS630", "cache", path=str(folder), why=str(exc)), stacklevel=6)
        except OSError as exc:
            _unavailable(folder, "used", exc)
        return None

    def path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def load(self, key: str):
        """The entry written for `key` (model, step, trace), or None: missing, refused (DS632) or unreadable (DS631)."""
        path = self.path(key)
        try:
            payload = self._payload(path, key)
        except FileNotFoundError:
            return None
        except _Refused as exc:
            self.untrusted.add(key)
            warn(finding("DS632", "cache", path=str(path), why=str(exc)), stacklevel=6)
            return None
        except OSError as exc:
            _unavailable(path, "read", exc)
            return None
        try:
            loaded = pickle.loads(payload)  # authentic: written by this user's dagspec for this very key
        except Exception:  # noqa: BLE001 - our own entry, but not loadable here (e.g. a library changed underneath)
            return None
        try:
            os.utime(path)  # recently used: kept longest
        except OSError:
            pass  # a read-only or immutable entry is still a good entry
        return loaded

    def _payload(self, path: Path, key: str) -> bytes:
        """The verified payload of an entry; _Refused if it is not one this user's dagspec wrote for `key`."""
        try:
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _Refused("it is a symbolic link") from None
            raise
        with os.fdopen(handle, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _Refused("it is not a regular file")
            if info.st_size > MAX_ENTRY:
                raise _Refused(f"it is larger ({info.st_size:,} bytes) than any entry dagspec writes")
            blob = file.read(MAX_ENTRY + 1)
        return _verified(blob, self.secret, key)

    def store(self, key: str, entry: tuple) -> None:
        """Write the entry for `key` (private, atomically), unless a refused file sits at its place: that one is
        left as it is. A folder that cannot take it (read-only, full, immutable) only costs a note (DS631)."""
        if key in self.untrusted:
            return
        blob = cloudpickle.dumps(entry)
        if len(blob) > MAX_ENTRY:
            return
        path = self.path(key)
        try:
            with atomic_path(path, mode=0o600) as temporary:
                temporary.write_bytes(_signed(blob, self.secret, key))
            self._prune()
        except OSError as exc:
            _unavailable(path, "written", exc)

    def _prune(self) -> None:
        """Remove the least recently used entries beyond KEEP; only ones this user's dagspec wrote."""
        try:
            entries = sorted(((p.stat().st_mtime, p) for p in self.folder.glob(f"*{SUFFIX}")), reverse=True)
        except OSError:  # an entry removed meanwhile by another run: prune next time
            return
        for _, old in entries[KEEP:]:
            try:
                self._payload(old, old.name[: -len(SUFFIX)])
                old.unlink(missing_ok=True)
            except (_Refused, OSError):
                continue


def _signed(payload: bytes, secret: bytes, key: str) -> bytes:
    body = key.encode("ascii") + payload
    return MAGIC + hmac.new(secret, body, hashlib.sha256).digest() + body


def _verified(blob: bytes, secret: bytes, key: str) -> bytes:
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + TAG_BYTES + KEY_BYTES:
        raise _Refused("it is not in dagspec's entry format")
    tag, body = blob[len(MAGIC) : len(MAGIC) + TAG_BYTES], blob[len(MAGIC) + TAG_BYTES :]
    if not hmac.compare_digest(tag, hmac.new(secret, body, hashlib.sha256).digest()):
        raise _Refused("its signature does not verify with your secret")
    if not hmac.compare_digest(body[:KEY_BYTES], key.encode("ascii")):
        raise _Refused("it was written for another model: its key differs")
    return body[KEY_BYTES:]


def _check_private(info: os.stat_result, what: str) -> None:
    """_Refused unless the file or folder belongs to this user and no one else can write to it."""
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise _Refused(f"{what} belongs to another user (uid {info.st_uid})")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise _Refused(f"other users can write to {what} (mode {stat.S_IMODE(info.st_mode):o})")


def _secret() -> bytes:
    """This user's HMAC secret, created on first use (0600 in a 0700 folder); _Refused if it is not private."""
    path = secret_path()
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(secrets.token_bytes(SECRET_BYTES))
        try:
            os.link(temporary, path)  # published whole; another process may have published its own first
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _Refused(f"the cache's secret {path} is a symbolic link") from None
        raise
    with os.fdopen(handle, "rb") as file:
        info = os.fstat(file.fileno())
        _check_private(info, f"the cache's secret {path}")
        if info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
            raise _Refused(f"other users can read the cache's secret {path} (mode {stat.S_IMODE(info.st_mode):o})")
        secret = file.read(SECRET_BYTES + 1)
    if not stat.S_ISREG(info.st_mode) or len(secret) != SECRET_BYTES:
        raise _Refused(f"the cache's secret {path} is not a {SECRET_BYTES}-byte file")
    return secret


def _unavailable(path: Path, action: str, exc: OSError) -> None:
    warn(finding("DS631", "cache", path=str(path), action=action, reason=exc.strerror or str(exc)), stacklevel=7)
