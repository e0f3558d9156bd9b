"""One spec and many data sets (a folder of files, or one table split by a grouping column) → one posterior per
data set (`fits/NAME.nc`) and a summary table (parameters × fits), fitted in parallel on a Dask cluster.

Each fit is what `dagspec sample SPEC --data FILE` does. Results go to an output folder as they arrive: the
posterior first, then its record (`records/NAME.json`, with the summary), both atomically, so a killed run resumes
with the data sets that have no record, and a fit that fails is recorded with its error and the run goes on.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from ..diagnostics import error
from .runner import Progress, RecordStore, dask_client, run_tasks
from .sbc import FitSettings, _digest

DATA_SUFFIXES = (".csv", ".parquet", ".pq", ".json")
SUMMARY_COLUMNS = ("mean", "sd", "hdi_3%", "hdi_97%", "ess_bulk", "r_hat")


def data_sets(folder=None, data=None, by: str | None = None) -> dict[str, object]:
    """{name: DataFrame}: the data files of `folder` (by file name), or `data` (a path or a DataFrame) split by
    the values of column `by`. Names are made safe as file names (and unique)."""
    import pandas as pd

    from ..data import read_table

    if folder is not None:
        files = (
            sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in DATA_SUFFIXES and p.is_file())
            if Path(folder).is_dir()
            else []
        )
        if not files:
            raise error(
                "DS657",
                why=f"{folder} has no CSV, Parquet or JSON files"
                if Path(folder).is_dir()
                else f"{folder} is not a folder",
            )
        return _unique({path.stem: read_table(path) for path in files}.items())
    table = read_table(Path(data)) if not isinstance(data, pd.DataFrame) else data
    if by is None or by not in table.columns:
        raise error(
            "DS657", why=f"the data have no column {by!r} to split by" if by else "give a column to split the data by"
        )
    return _unique(
        (str(value), group.drop(columns=[by]).reset_index(drop=True))
        for value, group in table.groupby(by, sort=True, dropna=False)
    )


def _unique(named) -> dict:
    """Names safe as file names (letters, digits, `.-_`; nothing else, no leading dot), distinct."""
    found: dict[str, object] = {}
    for name, value in named:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".") or "data"
        candidate, number = safe[:80], 2
        while candidate in found:
            candidate, number = f"{safe[:76]}-{number}", number + 1
        found[candidate] = value
    return found


def fit_one(spec, frame, settings: FitSettings, seed: int) -> dict:
    """Fit `spec` to one data set (on a worker): {"idata": InferenceData, "summary": {...}, ...}."""
    import arviz as az
    import pandas as pd

    import dagspec

    from ..render.summary import arviz_quiet, user_variables

    idata = dagspec.sample(spec, frame, random_seed=seed, **settings.sample_kwargs())
    names = user_variables(idata, spec)
    with arviz_quiet():
        table = az.summary(idata, var_names=names, hdi_prob=0.94, round_to="none") if names else None
    rows = table.to_dict("index") if isinstance(table, pd.DataFrame) else {}
    summary = {
        str(row): {c: _number(v) for c, v in values.items() if c in SUMMARY_COLUMNS} for row, values in rows.items()
    }
    stats = idata.get("sample_stats")
    divergences = int(np.asarray(stats["diverging"]).sum()) if stats is not None and "diverging" in stats else 0
    return {
        "idata": idata,
        "summary": summary,
        "rows": int(len(frame)),
        "divergences": divergences,
        "sampler": str(idata.posterior.attrs.get("dagspec_sampler", "")),
    }


def _number(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def batch(
    spec,
    data_sets_: dict,
    out,
    client=None,
    settings: FitSettings | None = None,
    seed: int = 0,
    scheduler: str | None = None,
    workers: int | None = None,
    overwrite: bool = False,
    quiet: bool = True,
) -> dict[str, dict]:
    """Fit `spec` to each of `{name: DataFrame}`; returns {name: record} (status "ok" with its summary, or
    "failed" with the error). Posteriors are in `out/fits/NAME.nc`."""
    folder = Path(out)
    settings = settings or FitSettings()
    manifest = {
        "command": "batch",
        "spec": _digest(spec.source.text),
        "seed": seed,
        "settings": {k: v for k, v in vars(settings).items()},
    }
    import json

    store = RecordStore(folder, json.loads(json.dumps(manifest, default=str)), overwrite=overwrite)
    records = store.load(data_sets_)
    fits = folder / "fits"
    todo = {
        name: (fit_one, (spec, frame, settings, _seed(seed, name)))
        for name, frame in data_sets_.items()
        if name not in records
    }
    progress = Progress("batch", len(data_sets_), done=len(records), quiet=quiet)

    def keep(name: str, result: dict) -> dict:
        from ..atomic import atomic_path

        idata = result.pop("idata")
        with atomic_path(fits / f"{name}.nc") as temporary:
            idata.to_netcdf(str(temporary))
        return {**result, "posterior": f"fits/{name}.nc"}

    if todo:
        with dask_client(client, scheduler, workers) as engine:
            records.update(run_tasks(engine, todo, store, progress, on_result=keep))
    return {name: records[name] for name in data_sets_}


def _seed(seed: int, name: str) -> int:
    """A fit's seed: from the run's seed and the data set's name (not its position, which a new file changes)."""
    key = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "little")
    return int(np.random.SeedSequence(seed, spawn_key=(key,)).generate_state(1)[0])


def summary_table(records: dict[str, dict], statistic: str = "mean"):
    """Parameters × fits: each fit's posterior `statistic` (a failed fit's column is empty)."""
    import pandas as pd

    columns = {
        name: {parameter: values.get(statistic) for parameter, values in record.get("summary", {}).items()}
        for name, record in records.items()
    }
    return pd.DataFrame(columns)


def long_table(records: dict[str, dict]):
    """One row per fit and parameter: mean, sd, 94% HDI, ESS, R-hat; failed fits as one row with their error."""
    import pandas as pd

    rows = []
    for name, record in records.items():
        if record.get("status") != "ok":
            rows.append({"fit": name, "status": "failed", "error": record.get("error", "")})
            continue
        for parameter, values in record.get("summary", {}).items():
            rows.append(
                {
                    "fit": name,
                    "status": "ok",
                    "parameter": parameter,
                    **values,
                    "divergences": record.get("divergences", 0),
                }
            )
    return pd.DataFrame(rows)
