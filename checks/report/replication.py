"""The sections of REPORT.md on training and cost: the replication's tables (E1-E8), the demo's figure captions,
and the engine's benchmark; numbers are read from the JSON and printed with `checks.report.format.fmt`."""

from __future__ import annotations

from pathlib import PurePosixPath

from . import figures as figures_mod
from .context import FIGURES, Context, Section, sentence
from .format import DASH, Table, fmt, fmt_interval, is_number
from .load import Record, Results, dig

EXPERIMENT_TITLES = {
    "E1": "what collapses and why: R1, V1, V3, R1 without N, λ = 0 vs baselines",
    "E2": "λ × views grid with R1 (C23 analogue)",
    "E3": "integration range × knots, and directions, with R1 (C24 analogue)",
    "E4": "does the training loss predict probe accuracy? (C28 analogue)",
    "E6": "batch size at fixed epochs, λ fixed and λ ∝ 1/N (C25 analogue)",
    "E7": "a predictor, an EMA teacher, a constant learning rate (C5 and C27 analogues)",
    "E8": "encoder architectures against their random init (C26 analogue)",
    "E5": "point clouds optimised with SIGReg, judged by independent tests (C18, the minimum demo)",
}
REPLICATION_COLUMNS = (
    ("linear probe %", "linear_probe"),
    ("10-shot %", "linear_probe_10shot"),
    ("kNN %", "knn"),
    ("proj. RankMe", "projector_effective_rank"),
    ("proj. top eig.", "projector_top_eigenvalue_fraction"),
    ("proj. std mean", "projector_std_mean"),
    ("proj. std min", "projector_std_min"),
    ("collapsed", "projector_collapsed"),
    ("proj. SIGReg R1", "projector_sigreg_R1"),
    ("SIGReg R1, train views", "projector_sigreg_R1_train_views"),
    ("final loss", "final_loss"),
    ("plateaued", "plateaued"),
)
DEMO_COLUMNS = (
    ("eig. min", "eig_min"),
    ("eig. max", "eig_max"),
    ("max |corr|", "max_abs_corr"),
    ("Mardia kurt. p", "mardia_kurt_p"),
    ("HZ p", "hz_p"),
    ("SW reject", "sw_reject_frac"),
    ("SIGReg R1", "sigreg_R1"),
    ("SIGReg V1", "sigreg_V1"),
)


def _interval_cell(summary) -> str:
    """A {mean, low, high} summary (t-interval over seeds) as `mean [low, high]`; a {count, n} one as `count/n`."""
    if not isinstance(summary, dict) or not is_number(summary.get("mean")):
        return DASH
    if is_number(summary.get("count")) and is_number(summary.get("n")):  # a yes/no metric: runs out of runs
        return f"{summary['count']}/{summary['n']}"
    low, high = summary.get("low"), summary.get("high")
    return fmt_interval(summary["mean"], [low, high] if is_number(low) and is_number(high) else None)


def _quantile_cell(summary) -> str:
    if not isinstance(summary, dict) or not is_number(summary.get("mean")):
        return DASH
    return fmt_interval(summary["mean"], [summary.get("q10"), summary.get("q90")])


def _drop_empty_columns(headers: tuple, rows: list[tuple], keep: int) -> tuple[tuple, tuple]:
    """Drop columns (after the first `keep`) that are empty in every row."""
    columns = [i for i in range(len(headers)) if i < keep or any(row[i] != DASH for row in rows)]
    return tuple(headers[i] for i in columns), tuple(tuple(row[i] for i in columns) for row in rows)


def _experiment_rerun(d: dict) -> str:
    scale = str(d["scale"])
    quick = " --quick" if scale.endswith("-quick") else ""
    base = scale.removesuffix("-quick")
    if d["experiment"] == "E5":
        return f"python -m repro demo --scale {base}{quick}"
    tier = d.get("tier") or base
    return f"python -m repro replicate --only {d['experiment']} --tier {tier}{quick}"


def _experiment_table(record: Record, ctx: Context) -> Table | str:
    d = record.data
    exp, tag = d["experiment"], d["scale"]
    name = f"replication_{exp}_{tag}"
    title = f"{exp} ({tag}): {d.get('title') or EXPERIMENT_TITLES.get(exp, '')}".rstrip(": ")
    source = ctx.source_note(record)
    if d.get("status", "done") != "done":
        return f"{exp} ({tag}): {d['status']}: {d.get('reason') or 'no reason given'}. {source}"
    if exp == "E4":
        rows = []
        for runs_from, entry in sorted((d.get("spearman") or {}).items()):
            if not isinstance(entry, dict):
                continue
            for metric in ("linear_probe", "linear_probe_10shot", "knn"):
                m = entry.get(metric)
                if not isinstance(m, dict):
                    continue
                cell = [fmt_interval(dig(m, k, "rho"), [dig(m, k, "low"), dig(m, k, "high")])
                        for k in ("plain", "loss_over_lambda^0.4")]  # fmt: skip
                n_runs = dig(m, "plain", "n_runs")
                partial = fmt(dig(m, "partial_given_lambda", "rho"))
                rows.append((runs_from, fmt(entry.get("dataset")), metric, *cell, partial, fmt(n_runs)))
        headers = ("runs from", "dataset", "accuracy", "ρ(loss, acc.) [95 %]", "ρ(loss/λ^0.4, acc.) [95 %]",
                   "partial ρ given λ", "runs")  # fmt: skip
        notes = (
            "Spearman ρ with a percentile bootstrap interval over runs; partial ρ: of the ranks, given λ's rank "
            "(a grid over λ confounds the loss with λ).",
            source,
        )
        return Table(name, title, headers, tuple(rows), notes)
    conditions = d.get("conditions") or {}
    if exp == "E5":
        rows = []
        for ref_name, ref in (d.get("reference_gaussian") or {}).items():
            if isinstance(ref, dict):
                cells = [_quantile_cell(ref.get(key)) for _, key in DEMO_COLUMNS]
                rows.append((ref_name, "sample", *cells, fmt(ref.get("looks_gaussian_frac"))))
        for condition, s in conditions.items():
            if not isinstance(s, dict):
                continue
            for stage in ("start", "end"):
                cells = [_interval_cell(dig(s, stage, key)) for _, key in DEMO_COLUMNS]
                ok = s.get("end_looks_gaussian")
                looks = f"{sum(bool(v) for v in ok)}/{len(ok)}" if stage == "end" and isinstance(ok, list) else ""
                rows.append((condition, stage, *cells, looks))
        headers = ("cloud/variant", "stage", *(h for h, _ in DEMO_COLUMNS), "looks Gaussian")
        headers, rows_t = _drop_empty_columns(headers, rows, keep=2)
        notes = (
            "Sample rows: mean [10 %, 90 % quantiles] over genuine N(0, I) samples of the same size (looks Gaussian: "
            "fraction); other rows: mean [95 % interval] over seeds, as each statistic's `method` says: a t-interval, "
            "a t-interval on logit(p) for p-values, Clopper–Pearson on the pooled count for rejection fractions "
            "(looks Gaussian: seeds passing).",
            f"Verdict rule: {d['verdict_rule']}" if d.get("verdict_rule") else "",
            source,
        )
        return Table(name, title, headers, rows_t, tuple(n for n in notes if n))
    rows = []
    for condition, s in conditions.items():
        if not isinstance(s, dict):
            continue
        seeds = dig(s, "linear_probe", "n")
        rows.append((condition, *(_interval_cell(s.get(key)) for _, key in REPLICATION_COLUMNS), fmt(seeds)))
    headers, rows_t = _drop_empty_columns(("condition", *(h for h, _ in REPLICATION_COLUMNS), "seeds"), rows, keep=1)
    notes = ["Mean [95 % t-interval] over seeds (no interval with one seed); collapsed and plateaued: runs out "
             "of runs (collapsed: a projector dimension's std below 0.1 or the top eigenvalue above half the variance;"
             " plateaued: the last fifth of training made under 5 % of the loss's total fall)."]  # fmt: skip
    notes.append(source)
    return Table(name, title, headers, rows_t, tuple(notes))


def replication_section(results: Results, ctx: Context) -> Section:
    section = Section("Replication (E1–E8)", anchor="replication")
    records = sorted(results.of("experiment"), key=lambda r: (r.data["experiment"], r.data["scale"]))
    if not records:
        section.text(
            "No replication results (results/replication/E*.json): run `python -m repro replicate` and "
            "`python -m repro demo`."
        )
        return section
    anchors: set[str] = set()
    for record in records:
        made = _experiment_table(record, ctx)
        exp = record.data["experiment"]
        heading = f"{exp} ({record.data['scale']})"
        name = exp.lower() if exp.lower() not in anchors else record.ident.lower().replace("_", "-")
        anchors.add(name)
        section.lines += [f'<a id="{name}"></a>', ""]
        if isinstance(made, str):
            section.lines += [f"### {heading}", "", made, ""]
            continue
        section.table(made, heading)
        section.text(f"Rerun: `{_experiment_rerun(record.data)}`.")
        ctx.figure(section, f"{figures_mod.PREFIX}training_curves_{record.ident}.png")
        ctx.figure(section, f"{figures_mod.PREFIX}spectra_{record.ident}.png")
        for figure in record.data.get("figures") or [] if exp == "E5" else []:
            if isinstance(figure, str):
                name = PurePosixPath(figure).name
                if f"{FIGURES}/{name}" in results.figures:
                    ctx.figure(section, name, demo_caption(name, record))
    return section


def _end(record: Record, condition: str, key: str):
    return dig(record.data, "conditions", condition, "end", key, "mean")


def demo_caption(name: str, record: Record) -> str:
    """What each of the demo's figures shows and, from E5's numbers, the one thing to notice."""
    if name.endswith(".gif"):
        return (
            "Animation of the two-dimensional clouds while gradient descent runs on V1 and on R1 (seed 0). Notice how "
            f"each cloud's shape changes, or does not, over the steps; the numbers are in the table above. (From "
            f"{record.path}.)"
        )
    if "clouds" in name:
        start = dig(record.data, "conditions", "rotstretch2d/V1", "start", "max_abs_corr", "mean")
        v1, r1 = _end(record, "rotstretch2d/V1", "max_abs_corr"), _end(record, "rotstretch2d/R1", "max_abs_corr")
        notice = (
            f" Notice the stretched cloud: V1 keeps its correlation (largest |corr| {fmt(start)} at the start, "
            f"{fmt(v1)} after), R1 removes it ({fmt(r1)}); whether an end cloud is Gaussian is judged by the "
            "independent tests in the table (looks Gaussian), not by SIGReg."
            if all(is_number(v) for v in (start, v1, r1))
            else ""
        )
        return (
            "Two-dimensional point clouds (square, rotated and stretched, X-shaped) at the start and after gradient "
            f"descent on V1 and on R1 (seed 0), axes in units of the target N(0, 1).{notice} (From {record.path}.)"
        )
    v1, r1 = _end(record, "rank1_16d/V1", "eig_min"), _end(record, "rank1_16d/R1", "eig_min")
    notice = (
        f" Notice the rank-1 cloud: after V1 its smallest eigenvalue is still {fmt(v1)}, after R1 it is {fmt(r1)}."
        if is_number(v1) and is_number(r1)
        else ""
    )
    return (
        "Covariance eigenvalues (largest first, log scale) of 16-dimensional clouds after gradient descent on V1 and "
        f"on R1, with the start for reference; the target N(0, I) has all eigenvalues 1.{notice} (From {record.path}.)"
    )


def bench_section(results: Results, ctx: Context) -> Section:
    section = Section("Cost and scaling (engine against R1)", anchor="cost")
    record = results.one("engine-bench")
    if record is None:
        section.text("No benchmark (results/bench.json): run `python -m repro bench`.")
        return section
    d = record.data
    source = ctx.source_note(record)
    rows = []
    for r in d["main"]:
        if not isinstance(r, dict):
            continue
        rows.append(
            (
                fmt(r.get("n")),
                fmt(r.get("k")),
                fmt(r.get("m")),
                fmt_interval(r.get("engine_fwd_bwd_median_ms"), r.get("engine_fwd_bwd_95")),
                fmt_interval(r.get("R1_fwd_bwd_median_ms"), r.get("R1_fwd_bwd_95")),
                fmt(r.get("time_ratio_fwd_bwd")),
                fmt(r.get("engine_torch_peak_mib")),
                fmt(r.get("R1_torch_peak_mib")),
                fmt(r.get("memory_ratio_torch")),
                fmt(r.get("value_relative_difference")),
            )
        )
    headers = ("N", "K", "M", "engine ms [95 %]", "R1 ms [95 %]", "R1/engine time", "engine MiB", "R1 MiB",
               "R1/engine memory", "value rel. diff.")  # fmt: skip
    notes = ("Forward+backward, median over repeats with a bootstrap interval; memory: torch allocation peak.", source)
    section.table(
        Table("bench_main", "Engine against R1: time and memory", headers, tuple(rows), notes), "Time and memory"
    )
    rows = []
    for variable, sweep in sorted(d["sweeps"].items()):
        sizes = sweep.get("sizes") if isinstance(sweep, dict) else None
        if not isinstance(sizes, list) or not sizes:
            continue
        for impl in ("engine", "R1"):
            part = sweep.get(impl)
            if not isinstance(part, dict):
                continue
            rows.append(
                (
                    variable,
                    impl,
                    f"{fmt(sizes[0])}–{fmt(sizes[-1])}",
                    fmt_interval(dig(part, "slope_fwd_bwd", "slope"), dig(part, "slope_fwd_bwd", "bootstrap_95")),
                    fmt_interval(dig(part, "slope_forward", "slope"), dig(part, "slope_forward", "bootstrap_95")),
                    fmt(dig(part, "slope_torch_peak", "slope")),
                    fmt(dig(part, "slope_torch_peak", "max_relative_residual")),
                )
            )
    headers = ("variable", "implementation", "sizes", "time slope fwd+bwd [95 %]", "time slope fwd [95 %]",
               "memory slope", "memory affine residual")  # fmt: skip
    notes = ("Log-log slopes (1 = linear) with bootstrap intervals over repeats; memory is affine in size.", source)
    section.table(Table("bench_scaling", "Scaling of time and memory", headers, tuple(rows), notes), "Scaling")
    targets = d.get("targets")
    if isinstance(targets, dict) and targets:
        rows = [(name, fmt(dig(t, "target")), fmt(dig(t, "value")), fmt(dig(t, "met")))
                for name, t in targets.items() if isinstance(t, dict)]  # fmt: skip
        section.table(
            Table("bench_targets", "Engine targets", ("target", "required", "measured", "met"), tuple(rows), (source,)),
            "Targets",
        )
    table6 = d.get("table6")
    if isinstance(table6, dict):
        if table6.get("status") == "run" and isinstance(table6.get("rows"), list):
            rows = [
                (fmt(r.get("n")), fmt(r.get("m")), fmt(r.get("knots")), fmt(r.get("paper_ms"), sig=None),
                 fmt(r.get("engine_fwd_bwd_mean_ms")), fmt(r.get("R1_fwd_bwd_mean_ms")))
                for r in table6["rows"] if isinstance(r, dict)
            ]  # fmt: skip
            headers = ("N", "M", "knots", "paper ms (V100)", "engine ms", "R1 ms")
            notes = (f"Device: {fmt(table6.get('device'))}. {fmt(table6.get('method'))}", source)
            section.table(Table("bench_table6", "Paper Table 6 re-timed", headers, tuple(rows), notes), "Table 6")
        else:
            section.text(
                sentence(f"Paper Table 6 (C22): {table6.get('status', 'not-run')}: {fmt(table6.get('reason'))}")
            )
    ctx.figure(section, "report_scaling.png")
    quick = " --quick" if dig(d, "config", "quick") else ""
    seed = dig(d, "config", "seed")
    section.text(
        f"CPU: {fmt(d.get('cpu'))}; runtime {fmt(d.get('runtime_s'))} s. "
        f"Rerun: `python -m repro bench{quick}{'' if seed is None else f' --seed {seed}'}`."
    )
    return section
