"""An SBC result → ECDF-difference plots of each parameter's fractional ranks with the simultaneous band
(ArviZ's plot_ecdf, Säilynoja et al. 2022), and its table as text."""

from __future__ import annotations

import math

MAX_PANELS = 24


def ecdf_figure(result, path=None, parameters=None):
    """One panel per parameter (the first MAX_PANELS): the ECDF of the fractional ranks minus the uniform CDF,
    inside the band a calibrated parameter stays in. Written to `path` (atomically) when given."""
    import arviz as az
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy.stats import uniform

    from ..validate.sbc import band_points

    chosen = [p for p in result.parameters if parameters is None or p.name in parameters][:MAX_PANELS]
    columns = min(3, max(1, len(chosen)))
    rows = max(1, math.ceil(len(chosen) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3 * rows), squeeze=False)
    for ax, parameter in zip(axes.ravel(), chosen):
        az.plot_ecdf(
            parameter.fractional,
            cdf=uniform(0, 1).cdf,
            difference=True,
            confidence_bands="optimized",
            ci_prob=result.band_prob,
            eval_points=band_points(parameter.rank_draws),
            ax=ax,
            plot_kwargs={"color": "C0" if parameter.inside_band else "C3"},
        )
        ax.set_title(f"{parameter.name}: {parameter.verdict}", fontsize=10)
        ax.set_xlabel("fractional rank")
    for ax in axes.ravel()[len(chosen) :]:
        ax.set_visible(False)
    axes[0, 0].set_ylabel("ECDF − uniform")
    figure.suptitle(f"SBC: {len(result.records)} simulations, {result.band_prob:.1%} simultaneous bands", fontsize=11)
    figure.tight_layout()
    if path is not None:
        from ..atomic import atomic_path

        with atomic_path(path) as temporary:
            figure.savefig(temporary, format=str(path).rsplit(".", 1)[-1].lower(), dpi=110)
        plt.close(figure)
    return figure


def sbc_report(result) -> str:
    """The per-parameter table and a one-line verdict."""
    table = result.table()
    lines = [table.to_string() if len(table) else "no parameter was ranked (every fit failed)"]
    ok = len(result.records) - len(result.failed)
    bad = [p.name for p in result.parameters if not p.inside_band]
    lines.append(
        f"{ok} of {len(result.records)} simulations fitted; ranks among {result.rank_draws} draws; seed {result.seed}"
    )
    lines.append(
        "verdict: "
        + (
            "every parameter is calibrated"
            if not bad and result.parameters
            else f"miscalibrated: {', '.join(bad)}"
            if bad
            else "nothing to judge"
        )
    )
    return "\n".join(lines)
