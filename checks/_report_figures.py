"""Figures the report draws itself, from the JSON data only (matplotlib's Agg canvas, PNG, no pyplot state).

Each function takes the records it needs and returns (PNG bytes, caption), or raises `NotDrawn` saying which data
are missing; the report lists those reasons. File names start with `report_` so that the report can tell its own
figures from those other commands write into results/figures/ (the demo's point-cloud panels).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from ._report_format import fmt, is_number
from ._report_load import Record, dig

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


def detection_bars(record: Record) -> tuple[bytes, str]:
    """Detection rate per variant (bars) and input law (groups): variants.json rows or the audit's detection table."""
    if record.kind == "audit-detection":
        rows, seeds = record.data["main"]["rows"], {r["n_seeds"] for r in record.data["main"]["rows"]}
    else:
        rows, seeds = record.data["rows"], {record.data["config"]["seeds"]}
    if not rows:
        raise NotDrawn(f"{record.path} has no rows")
    laws = list(dict.fromkeys(r["law"] for r in rows))
    names = list(dict.fromkeys(r["variant"] for r in rows))
    rate = {(r["variant"], r["law"]): r.get("detection_rate") for r in rows}
    fig, (ax,) = _figure(min(14.0, max(6.0, 0.7 * len(laws) + 2)), 3.8)
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(laws))]
        heights = [rate.get((name, law)) for law in laws]
        ax.bar(xs, [h if is_number(h) else 0.0 for h in heights], width=width, label=name)
    ax.set_xticks(
        range(len(laws)),
        laws,
        fontsize=7,
        rotation=30 if len(laws) > 8 else 0,
        ha="right" if len(laws) > 8 else "center",
    )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("detection rate")
    per_law = ", ".join(fmt(s) for s in sorted(seeds))
    ax.set_title(
        f"Detected at α = {fmt(record.data.get('alpha'), sig=None)} against each variant's own null "
        f"({per_law} seeds per input)",
        fontsize=9,
    )
    ax.legend(fontsize=7, ncols=min(len(names), 8), loc="lower center", bbox_to_anchor=(0.5, 1.08))
    return _png(fig), f"Detection rate per variant and input (from {record.path})."


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


def _panels(conditions: Iterable[str]) -> dict[str, list[str]]:
    """Conditions grouped by their dataset prefix ("mnist5k/corrected (R1)" -> panel "mnist5k")."""
    panels: dict[str, list[str]] = {}
    for condition in conditions:
        panels.setdefault(condition.split("/", 1)[0], []).append(condition)
    return panels


def training_curves(experiment: Record, runs: dict[str, Record]) -> tuple[bytes, str]:
    """Training loss against step, one line per run (seed), one colour per condition, one panel per dataset."""
    by_condition = _condition_runs(experiment, runs)
    curves = {
        c: [(r.data["train"].get("loss_curve"), r.data["train"].get("loss_curve_stride", 1)) for r in rs]
        for c, rs in by_condition.items()
    }
    curves = {c: [(y, s) for y, s in v if _numbers(y) and isinstance(s, int) and s > 0] for c, v in curves.items()}
    curves = {c: v for c, v in curves.items() if v}
    if not curves:
        raise NotDrawn(f"the runs of {experiment.path} carry no train.loss_curve (with train.loss_curve_stride)")
    panels = _panels(curves)
    fig, axes = _figure(4.2 * len(panels), 3.2, columns=len(panels))
    for ax, (panel, conditions) in zip(axes, panels.items(), strict=True):
        positive = all(v > 0 for c in conditions for y, _ in curves[c] for v in y)
        for colour, condition in enumerate(conditions):
            for i, (y, stride) in enumerate(curves[condition]):
                label = condition.split("/", 1)[-1] if i == 0 else None
                ax.plot([j * stride for j in range(len(y))], y, color=f"C{colour % 10}", lw=0.8, label=label)
        if positive:
            ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("training loss")
        ax.set_title(panel, fontsize=9)
        ax.legend(fontsize=6)
    caption = f"Training loss per run, {experiment.ident} (from {experiment.path} and replication/runs/)."
    return _png(fig), caption


SPECTRUM_KEYS = ("projector", "backbone")


def spectra(experiment: Record, runs: dict[str, Record]) -> tuple[bytes, str]:
    """Covariance eigenvalues of the learned embeddings (eval.<part>.diagnostics.eigenvalues), per condition."""
    by_condition = _condition_runs(experiment, runs)

    def eigenvalues(run: Record, part: str):
        values = dig(run.data, "eval", part, "diagnostics", "eigenvalues")
        return values if _numbers(values) else None

    found = {
        part: {c: [v for r in rs if (v := eigenvalues(r, part)) is not None] for c, rs in by_condition.items()}
        for part in SPECTRUM_KEYS
    }
    found = {p: {c: v for c, v in cs.items() if v} for p, cs in found.items()}
    found = {p: cs for p, cs in found.items() if cs}
    if not found:
        raise NotDrawn(
            f"the runs of {experiment.path} carry no eigen-spectra "
            "(eval.projector.diagnostics.eigenvalues / eval.backbone.diagnostics.eigenvalues)"
        )
    fig, axes = _figure(4.2 * len(found), 3.2, columns=len(found))
    for ax, (part, conditions) in zip(axes, found.items(), strict=True):
        for colour, (condition, spectra_) in enumerate(conditions.items()):
            for i, values in enumerate(spectra_):
                ys = sorted((v for v in values if v > 0), reverse=True)
                ax.plot(range(1, len(ys) + 1), ys, color=f"C{colour % 10}", lw=0.8, label=condition if i == 0 else None)
        ax.set_yscale("log")
        ax.set_xlabel("rank")
        ax.set_ylabel("eigenvalue")
        ax.set_title(f"{part} embedding", fontsize=9)
        ax.legend(fontsize=6)
    return _png(fig), f"Covariance spectra of the learned embeddings, {experiment.ident} (from {experiment.path})."


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
            panels.append((f"bench: forward+backward vs {variable}", variable, "median ms", lines))
    axes = dig(c4.data, "detail", "axes") if c4 is not None else None
    lines = []
    for axis, values in sorted(axes.items()) if isinstance(axes, dict) else []:
        xs, ys = dig(values, "sizes"), dig(values, "min_ms")
        if positive(xs) and positive(ys) and len(xs) == len(ys):
            lines.append((f"{axis} (slope {fmt(dig(values, 'time_slope'))})", xs, ys))
    if lines:
        panels.append(("C4: R1 forward+backward", "size", "fastest ms", lines))
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
    return _png(fig), f"Time against size, log-log (from {sources}); slopes as the JSON reports them."
