"""Figures the report draws itself, from the JSON data only (matplotlib's Agg canvas, PNG, no pyplot state).

Each function takes the records it needs and returns (PNG bytes, caption), or raises `NotDrawn` saying which data
are missing; the report lists those reasons. File names start with `report_` so that the report can tell its own
figures from those other commands write into results/figures/ (the demo's point-cloud panels).
"""

from __future__ import annotations

import io

from .format import fmt, is_number
from .load import Record, dig

PREFIX = "report_"


class NotDrawn(Exception):
    """A figure whose data are missing from the JSON (the message says which)."""


def _figure(width: float, height: float, columns: int = 1):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    axes = fig.subplots(1, columns, squeeze=False)[0]
    return fig, list(axes)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})  # no version string: same data, same bytes
    return buffer.getvalue()


def _numbers(values) -> bool:
    return isinstance(values, list) and bool(values) and all(is_number(v) for v in values)


def _rows_with_intervals(record: Record) -> tuple[list[dict], str]:
    """Detection rows with a 95 % binomial interval each: the audit stores Clopper–Pearson intervals; the variants
    table stores counts, from which the same interval follows exactly (core.stats.clopper_pearson)."""
    from core.stats import clopper_pearson

    if record.kind == "audit-detection":
        rows = record.data["main"]["rows"]
    else:
        seeds = record.data["config"]["seeds"]
        rows = [{**r, "n_seeds": seeds} for r in record.data["rows"]]
    out = []
    for r in rows:
        n, k = r.get("n_seeds"), r.get("detections")
        if not (isinstance(n, int) and isinstance(k, int) and 0 <= k <= n > 0):
            continue
        interval = r.get("detection_interval")
        if not (isinstance(interval, list) and len(interval) == 2 and all(is_number(v) for v in interval)):
            interval = list(clopper_pearson(k, n))
        out.append({**r, "rate": k / n, "interval": interval})
    return out, "Clopper–Pearson 95 %"


def detection_bars(record: Record) -> tuple[bytes, str]:
    """Detection rate per variant (bars) and input law (groups), with binomial intervals and the level α."""
    rows, method = _rows_with_intervals(record)
    if not rows:
        raise NotDrawn(f"{record.path} has no rows with detection counts")
    laws = list(dict.fromkeys(r["law"] for r in rows))
    names = list(dict.fromkeys(r["variant"] for r in rows))
    by_key = {(r["variant"], r["law"]): r for r in rows}
    alpha = record.data.get("alpha")
    fig, (ax,) = _figure(min(14.0, max(6.0, 0.75 * len(laws) + 2)), 4.2)
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        xs, heights, low, high = [], [], [], []
        for j, law in enumerate(laws):
            r = by_key.get((name, law))
            if r is None:
                continue
            xs.append(j + (i - (len(names) - 1) / 2) * width)
            heights.append(r["rate"])
            low.append(r["rate"] - r["interval"][0])
            high.append(r["interval"][1] - r["rate"])
        ax.bar(xs, heights, width=width, label=name, color=f"C{i % 10}")
        ax.errorbar(xs, heights, yerr=[low, high], fmt="none", ecolor="black", elinewidth=0.6, capsize=1.5)
    if is_number(alpha):
        ax.axhline(alpha, color="red", ls="--", lw=1.0, label=f"α = {fmt(alpha, sig=None)} (false alarms expected)")
    rotate = len(laws) > 8
    ax.set_xticks(range(len(laws)), laws, fontsize=7, rotation=30 if rotate else 0, ha="right" if rotate else "center")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("input law")
    ax.set_ylabel("share of seeds detected")
    seeds = sorted({r["n_seeds"] for r in rows})
    ax.set_title(
        f"Detection against each variant's own null at α = {fmt(alpha, sig=None)}\n"
        f"{', '.join(map(str, seeds))} seeds per input, {method} intervals",
        fontsize=9,
    )
    ax.legend(fontsize=7, ncols=min(len(names) + 1, 8), loc="lower center", bbox_to_anchor=(0.5, 1.1))
    # What to notice: the input on which the variants disagree most (largest spread of detection rates).
    spread = {law: [by_key[(v, law)]["rate"] for v in names if (v, law) in by_key] for law in laws}
    law = max(laws, key=lambda w: (max(spread[w]) - min(spread[w]), -laws.index(w)))
    cells = [by_key[(v, law)] for v in names if (v, law) in by_key]
    parts = ", ".join(f"{r['variant']} {fmt(r['detections'])}/{fmt(r['n_seeds'])}" for r in cells)
    caption = (
        f"Share of seeds in which each variant rejects N(0, I) at α = {fmt(alpha, sig=None)} against a Monte Carlo "
        f"null of the same implementation (bars; black: {method} intervals; dashed red: α, the rate expected on "
        f"Gaussian input). Notice the input the variants disagree on most, {law}: {parts}. (From {record.path}.)"
    )
    return _png(fig), caption


def _condition_runs(experiment: Record, runs: dict[str, Record]) -> dict[str, list[Record]]:
    mapping = experiment.data.get("runs")
    if not isinstance(mapping, dict):
        raise NotDrawn(f"{experiment.path} lists no runs (key `runs`: condition -> run file names)")
    out = {}
    for condition, stems in mapping.items():
        found = [runs[s] for s in stems if isinstance(s, str) and s in runs] if isinstance(stems, list) else []
        if found:
            out[condition] = found
    if not out:
        raise NotDrawn(f"none of the run files {experiment.path} lists is under replication/runs/")
    return out


def _grid(rows: int, columns: int, width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * columns, height * rows), dpi=100, layout="constrained")
    return fig, fig.subplots(rows, columns, squeeze=False)


def training_curves(experiment: Record, runs: dict[str, Record]) -> tuple[bytes, str]:
    """Training loss against step: one panel per objective (condition) and dataset, each on its own axis, because
    the losses of different objectives are not on one scale; one line per seed."""
    by_condition = _condition_runs(experiment, runs)
    curves = {
        c: [(r.data["train"].get("loss_curve"), r.data["train"].get("loss_curve_stride", 1)) for r in rs]
        for c, rs in by_condition.items()
    }
    curves = {c: [(y, s) for y, s in v if _numbers(y) and isinstance(s, int) and s > 0] for c, v in curves.items()}
    curves = {c: v for c, v in curves.items() if v}
    if not curves:
        raise NotDrawn(f"the runs of {experiment.path} carry no train.loss_curve (with train.loss_curve_stride)")
    split = {(c.split("/", 1)[0] if "/" in c else "", c.split("/", 1)[-1]): v for c, v in curves.items()}
    datasets = list(dict.fromkeys(ds for ds, _ in split))
    objectives = list(dict.fromkeys(o for _, o in split))
    fig, axes = _grid(len(datasets), len(objectives), 2.6, 2.2)
    for i, ds in enumerate(datasets):
        for j, objective in enumerate(objectives):
            ax = axes[i][j]
            lines = split.get((ds, objective))
            if not lines:
                ax.set_axis_off()
                continue
            for y, stride in lines:
                ax.plot([k * stride for k in range(len(y))], y, color=f"C{j % 10}", lw=0.8)
            ax.set_title(f"{ds + ': ' if ds else ''}{objective} ({len(lines)} seeds)", fontsize=8)
            ax.set_xlabel("step", fontsize=7)
            ax.set_ylabel("training loss", fontsize=7)
            ax.tick_params(labelsize=6)
    caption = (
        f"Training loss against step for each objective of {experiment.ident}, one panel each (one line per seed; "
        "each panel has its own y-axis). Notice that the losses of different objectives are not comparable with "
        "each other: a lower curve is not a better model (compare the probes in the table above). "
        f"(From {experiment.path} and replication/runs/.)"
    )
    return _png(fig), caption


SPECTRUM_KEYS = ("projector", "backbone")


def _eigenvalues(run: Record, part: str):
    values = dig(run.data, "eval", part, "diagnostics", "eigenvalues")
    return values if _numbers(values) else None


def spectra(experiment: Record, runs: dict[str, Record]) -> tuple[bytes, str]:
    """Covariance eigenvalues of the learned embeddings (eval.<part>.diagnostics.eigenvalues), per condition."""
    from matplotlib.ticker import MaxNLocator

    by_condition = _condition_runs(experiment, runs)
    found = {
        part: {c: [v for r in rs if (v := _eigenvalues(r, part)) is not None] for c, rs in by_condition.items()}
        for part in SPECTRUM_KEYS
    }
    found = {p: {c: v for c, v in cs.items() if v} for p, cs in found.items()}
    found = {p: cs for p, cs in found.items() if cs}
    if not found:
        raise NotDrawn(
            f"the runs of {experiment.path} carry no eigen-spectra "
            "(eval.projector.diagnostics.eigenvalues / eval.backbone.diagnostics.eigenvalues)"
        )
    fig, axes = _figure(4.2 * len(found), 3.6, columns=len(found))
    for ax, (part, conditions) in zip(axes, found.items(), strict=True):
        for colour, (condition, spectra_) in enumerate(conditions.items()):
            for i, values in enumerate(spectra_):
                ys = sorted((v for v in values if v > 0), reverse=True)
                ax.plot(range(1, len(ys) + 1), ys, color=f"C{colour % 10}", lw=0.8, label=condition if i == 0 else None)
        ax.set_yscale("log")
        ax.set_xlabel("eigenvalue rank")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("eigenvalue (log scale)")
        ax.set_title(f"{part} embedding", fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc="outside lower center", ncols=min(len(labels), 5))
    caption = (
        f"Covariance eigenvalues of the learned embeddings in {experiment.ident}, largest first, one line per seed. "
        "Notice how steeply each arm's projector spectrum falls: a flat spectrum is an isotropic embedding, a steep "
        "one a collapsed one; the projector's effective rank and top-eigenvalue share in the table above give the "
        f"same in one number each. (From {experiment.path} and replication/runs/.)"
    )
    return _png(fig), caption


def hero(experiment: Record, runs: dict[str, Record], arms: dict[str, str]) -> tuple[bytes, str]:
    """The projector spectra of the listing against the corrected SIGReg, one panel per dataset: the report's
    first figure. `arms` maps a condition suffix ("listing (V1)") to its label on the figure."""
    from matplotlib.ticker import MaxNLocator

    by_condition = _condition_runs(experiment, runs)
    datasets = list(dict.fromkeys(c.split("/", 1)[0] for c in by_condition))
    panels = []
    for ds in datasets:
        lines = []
        for suffix, label in arms.items():
            spectra_ = [v for r in by_condition.get(f"{ds}/{suffix}", []) if (v := _eigenvalues(r, "projector"))]
            if spectra_:
                lines.append((label, spectra_, dig(experiment.data, "conditions", f"{ds}/{suffix}")))
        if len(lines) >= 2:
            panels.append((ds, lines))
    if not panels:
        raise NotDrawn(f"the runs of {experiment.path} carry no projector spectra for both the listing and R1")
    fig, axes = _figure(4.3 * len(panels), 3.6, columns=len(panels))
    for ax, (ds, lines) in zip(axes, panels, strict=True):
        for colour, (label, spectra_, summary) in enumerate(lines):
            erank = dig(summary, "projector_effective_rank", "mean")
            shown = f"{label}: effective rank {fmt(erank)}" if is_number(erank) else label
            for i, values in enumerate(spectra_):
                total = sum(v for v in values if v > 0)
                ys = sorted((v / total for v in values if v > 0), reverse=True)
                ax.plot(range(1, len(ys) + 1), ys, color=("C1", "C0", "C2", "C3")[colour % 4], marker="o", ms=2.5,
                        lw=1.0, label=shown if i == 0 else None)  # fmt: skip
        ax.set_yscale("log")
        ax.set_xlabel("projector eigenvalue rank")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("share of variance (log scale)")
        ax.set_title(f"{ds}: projector spectrum after training", fontsize=9)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    shares = []
    for ds, lines in panels:
        tops = [dig(summary, "projector_top_eigenvalue_fraction", "mean") for _, _, summary in lines]
        if all(is_number(t) for t in tops):
            shares.append(f"{ds}: " + ", ".join(f"{label} {fmt(100 * t)} %" for (label, _, _), t in zip(lines, tops,
                          strict=True)))  # fmt: skip
    notice = (
        " Notice how much of the variance the top direction carries (a flat spectrum gives each direction an equal "
        f"share): {'; '.join(shares)}."
        if shares
        else ""
    )
    caption = (
        f"Projector covariance spectra after training with each regulariser ({experiment.ident}, one line per seed, "
        f"eigenvalues as shares of the total variance; the legend gives each arm's mean effective rank).{notice}"
    )
    return _png(fig), caption


def scaling(bench: Record | None, c4: Record | None) -> tuple[bytes, str]:
    """Time against size on log-log axes: bench.json sweeps (engine and R1) and claim C4's axes (R1)."""
    panels = []

    def positive(values) -> bool:  # log axes: every value must be a positive number
        return _numbers(values) and all(v > 0 for v in values)

    sweeps = bench.data["sweeps"] if bench is not None else {}
    for variable, sweep in sorted(sweeps.items()):
        sizes = dig(sweep, "sizes")
        if not positive(sizes):
            continue
        lines = []
        for impl in ("engine", "R1"):
            ys = dig(sweep, impl, "fwd_bwd_median_ms")
            if positive(ys) and len(ys) == len(sizes):
                lines.append((f"{impl} (slope {fmt(dig(sweep, impl, 'slope_fwd_bwd', 'slope'))})", sizes, ys))
        if lines:
            panels.append((f"bench: forward+backward vs {variable}", variable, "median time (ms, log scale)", lines))
    axes = dig(c4.data, "detail", "axes") if c4 is not None else None
    lines = []
    for axis, values in sorted(axes.items()) if isinstance(axes, dict) else []:
        xs, ys = dig(values, "sizes"), dig(values, "min_ms")
        if positive(xs) and positive(ys) and len(xs) == len(ys):
            lines.append((f"{axis} (slope {fmt(dig(values, 'time_slope'))})", xs, ys))
    if lines:
        panels.append(("C4: R1 forward+backward per axis", "size of N, M or K", "fastest time (ms, log scale)", lines))
    if not panels:
        raise NotDrawn("no timing sweeps: bench.json sweeps.<N|M>.<impl>.fwd_bwd_median_ms or claim C4 detail.axes")
    from matplotlib.ticker import NullFormatter

    fig, axes_ = _figure(4.0 * len(panels), 3.2, columns=len(panels))
    for ax, (title, xlabel, ylabel, lines) in zip(axes_, panels, strict=True):
        for label, xs, ys in lines:
            ax.loglog(xs, ys, marker="o", ms=3, label=label)
        sizes = sorted({x for _, xs, _ in lines for x in xs})
        ax.set_xticks(sizes, [fmt(x) for x in sizes], fontsize=7)  # the measured sizes, not decades
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_minor_formatter(NullFormatter())  # minor labels overlap on ranges shorter than a decade
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    sources = " and ".join(r.path for r in (bench, c4) if r is not None)
    faster = []
    for variable, sweep in sorted(sweeps.items()):
        engine, r1 = dig(sweep, "engine", "fwd_bwd_median_ms"), dig(sweep, "R1", "fwd_bwd_median_ms")
        if positive(engine) and positive(r1) and len(engine) == len(r1):
            ratios = [b / a for a, b in zip(engine, r1, strict=True)]
            faster.append(f"{fmt(min(ratios))}–{fmt(max(ratios))}x along {variable}")
    notice = f" Notice the engine's time against R1's: R1 takes {', '.join(faster)} as long." if faster else ""
    caption = (
        "Forward+backward time against the size of one axis, log-log; a slope of 1 (in the legend) means linear "
        f"cost, the paper's claim C4.{notice} (From {sources}.)"
    )
    return _png(fig), caption
