"""replication/E<n>_<scale>.md, each experiment's own page, from the record `python -m repro replicate` (E1-E8) or
`python -m repro demo` (E5) writes beside it (E<n>_<scale>.json). A record without conditions (not run, or E4 with
no random search) has no page. REPORT.md's summary of the same numbers is `replication.replication_section`."""

from __future__ import annotations

from tabulate import tabulate

from ..format import fmt, fmt_interval

#: E1-E8's columns: (header, metric of the summary, decimals).
COLUMNS = (
    ("linear probe %", "linear_probe", 1),
    ("10-shot %", "linear_probe_10shot", 1),
    ("kNN %", "knn", 1),
    ("proj. RankMe /16", "projector_effective_rank", 2),
    ("proj. top eig", "projector_top_eigenvalue_fraction", 2),
    ("proj. std mean", "projector_std_mean", 3),
    ("proj. std min", "projector_std_min", 3),
    ("collapsed", "projector_collapsed", 2),
    ("proj. SIGReg R1 clean", "projector_sigreg_R1", 1),
    ("proj. SIGReg R1 train views", "projector_sigreg_R1_train_views", 1),
    ("final loss", "final_loss", 3),
    ("plateaued", "plateaued", 2),
)
#: E5's columns (metrics of its start and end clouds).
E5_COLUMNS = ("eig_min", "eig_max", "max_abs_corr", "mardia_kurt_p", "hz_p", "sw_reject_frac", "sigreg_R1", "sigreg_V1")


def render_markdown(record: dict) -> str | None:
    if record.get("experiment") == "E5":
        return render_e5(record)
    return render_experiment(record) if "conditions" in record else None


def _mean_half_width(s: dict, decimals: int) -> str:
    """A summary as `mean ± half-width` (fixed decimals), a count as `k/n`, nothing as `-`."""
    if s.get("mean") is None:
        return "-"
    if "count" in s:
        return f"{s['count']}/{s['n']}"
    mean = fmt(s["mean"], decimals=decimals)
    return mean if s.get("half_width") is None else f"{mean} ± {fmt(s['half_width'], decimals=decimals)}"


def render_experiment(record: dict) -> str:
    rows = [[cond] + [_mean_half_width(s[key], d) for _, key, d in COLUMNS] for cond, s in record["conditions"].items()]
    return (
        f"# {record['experiment']}: mean ± 95 % t-interval over seeds (collapsed, plateaued: fraction of runs)\n\n"
        + tabulate(rows, headers=["condition"] + [c for c, _, _ in COLUMNS], tablefmt="github")
        + "\n"
    )


def _mean_interval(s: dict, sig: int = 2) -> str:
    if s.get("mean") is None:
        return "-"
    if s.get("low") is None:
        return fmt(s["mean"], sig, style="g")
    return fmt_interval(s["mean"], (s["low"], s["high"]), sig, style="g")


def render_e5(record: dict) -> str:
    rows = []
    for name, ref in record["reference_gaussian"].items():
        rows.append(
            [name, "sample"]
            + [fmt(ref[c]["mean"], 2, style="g") for c in E5_COLUMNS]
            + [f"{ref['looks_gaussian_frac']:.2f}"]
        )
    for cond, s in record["conditions"].items():
        rows.append([cond, "start"] + [_mean_interval(s["start"][c]) for c in E5_COLUMNS] + [""])
        ok = s["end_looks_gaussian"]
        rows.append([cond, "end"] + [_mean_interval(s["end"][c]) for c in E5_COLUMNS] + [f"{sum(ok)}/{len(ok)}"])
    return (
        "# E5: points optimised with SIGReg, judged by independent tests (mean [95 % interval] over seeds: t for "
        "values, t on the logit scale for p-values, Clopper–Pearson on pooled counts for rejection fractions)\n\n"
        + tabulate(rows, headers=["cloud/variant", "stage", *E5_COLUMNS, "looks Gaussian"], tablefmt="github")
        + "\n"
    )
