"""audit/discrepancies.md and discrepancies.tex, the audit's own pages, from the records `python -m checks audit`
writes beside them (D<n>.json, one per entry, and the sections detection.json, ddp.json, dtypes.json): Markdown for
reading, booktabs LaTeX for papers. A partial audit run rewrites only its records; the pages are rebuilt from every
record present, so they keep the other entries' rows.
"""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path

from tabulate import tabulate

from ..format import fmt as format_number
from ..format import latex_escape

fmt = partial(format_number, style="g")  # the audit's numbers: Python's general format, as in its effect sentences
#: The audit's sections the pages show (a section that did not run, status != "ok", is left out).
SECTIONS = ("detection", "ddp", "dtypes")


def load(folder: Path) -> tuple[dict, dict]:
    """The entries (D<n>.json) and the sections that ran, by id, from `folder`."""
    entries, sections = {}, {}
    for path in sorted(Path(folder).glob("*.json")):
        if re.fullmatch(r"D\d+", path.stem):
            entries[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        elif path.stem in SECTIONS:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("status") == "ok":
                sections[path.stem] = data
    return entries, sections


def _commits(records) -> str | None:
    """The suite commit(s) the records were measured at, in order of first appearance."""
    commits = [r.get("run", {}).get("suite", {}).get("commit") for r in records]
    found = list(dict.fromkeys(c for c in commits if c))
    return ", ".join(found) or None


def markdown_page(folder: Path) -> str | None:
    entries, sections = load(folder)
    if not entries and not sections:
        return None
    return render_markdown(entries, sections, _commits([*entries.values(), *sections.values()]))


def latex_page(folder: Path) -> str | None:
    entries, sections = load(folder)
    return render_latex(entries, sections) if entries or sections else None


def _estimate(entry: dict) -> str:
    if entry["verdict"] == "not-run":
        return "—"
    est, interval = entry.get("estimate"), entry.get("interval")
    if est is None:
        return "—"
    if interval:  # 4 significant digits: D13's 1.002 must not print as 1
        return f"{fmt(est, 4)} [{fmt(interval[0], 4)}, {fmt(interval[1], 4)}]"
    return fmt(est, 4)


def _revision(revision: str) -> str:
    return revision[:12] if re.fullmatch(r"[0-9a-f]{40}", revision) else revision


def _id_key(entry_id: str) -> tuple:
    match = re.fullmatch(r"D(\d+)", entry_id)
    return (0, int(match.group(1))) if match else (1, entry_id)


def discrepancy_rows(entries: dict) -> list[dict]:
    rows = []
    for entry_id in sorted(entries, key=_id_key):
        e = entries[entry_id]
        rows.append(
            {
                "id": entry_id + (" (new)" if e.get("new") else ""),
                "discrepancy": e["title"],
                "variants": ", ".join(e["variants"]) or "—",
                "verdict": e["verdict"],
                "estimate [95 % interval]": _estimate(e),
                "basis": e["basis"],
                "mode": e.get("mode", ""),  # a table rebuilt after partial runs can mix quick and full entries
            }
        )
    return rows


def _detection_tables(section: dict) -> list[str]:
    main = section["main"]
    size = main["size"]
    rows = main["rows"]
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    laws = list(dict.fromkeys(r["law"] for r in rows))
    by = {(r["variant"], r["law"]): r for r in rows}

    def table(cell) -> str:
        body = [[law, *(cell(by[v, law]) if (v, law) in by else "" for v in variants)] for law in laws]
        return tabulate(body, headers=["input", *variants], tablefmt="github", disable_numparse=True)

    def det(r: dict) -> str:
        if r["mean"] is None:
            return "error"
        return f"{fmt(r['mean'])} ({r['detections']}/{r['n_seeds']})"

    lines = [
        f"### Detection at N = {size['n']}, K = {size['k']}, M = {size['m']}",
        "",
        f"Mean value over {rows[0]['n_seeds']} seeds (vectors averaged) and, in brackets, the number of seeds "
        f"detected at α = {section['alpha']} against a Monte Carlo null of the same variant at the same size "
        f"({rows[0]['null_reps']} N(0, I) batches; multi-view inputs against V = 4 independent N(0, I) views). "
        "R0 has no factor N (D13). Clopper–Pearson intervals are in `detection.json`.",
        "",
        table(det),
        "",
        "Ratio to the exact statistic on the same data and directions (mean over directions per view; R0 × N):",
        "",
        table(lambda r: fmt(r.get("ratio_to_oracle"))),
        "",
        "Largest per-sample gradient norm of the variant's (mean) output; exact oracle in the last column:",
        "",
    ]
    grad_rows = []
    for law in laws:
        oracle_grad = next((by[v, law].get("oracle_grad_max_row") for v in variants if (v, law) in by), None)
        grad_rows.append(
            [law, *(fmt(by[v, law]["grad_max_row"]) if (v, law) in by else "" for v in variants), fmt(oracle_grad)]
        )
    lines += [tabulate(grad_rows, headers=["input", *variants, "exact"], tablefmt="github", disable_numparse=True), ""]
    sweeps = section.get("sweeps") or []
    if sweeps:
        labels = [f"{s['axis']}: {s['size']['n']}/{s['size']['k']}/{s['size']['m']}" for s in sweeps]
        sweep_laws = list(dict.fromkeys(r["law"] for s in sweeps for r in s["rows"]))
        sweep_variants = list(dict.fromkeys(r["variant"] for s in sweeps for r in s["rows"]))
        body = []
        for law in sweep_laws:
            for v in sweep_variants:
                cells = []
                for s in sweeps:
                    r = next((r for r in s["rows"] if r["law"] == law and r["variant"] == v), None)
                    cells.append(f"{r['detections']}/{r['n_seeds']}" if r else "—")
                body.append([law, v, *cells])
        lines += [
            "### Size sweeps (one axis at a time; cells: seeds detected at α = 0.01, N/K/M in the header; — not run: "
            "V1 costs ∝ K and its per-coordinate blindness does not depend on K)",
            "",
            tabulate(body, headers=["input", "variant", *labels], tablefmt="github", disable_numparse=True),
            "",
        ]
    return lines


def _ddp_table(section: dict) -> list[str]:
    body = []
    for probe in section["probes"]:
        for style in section["styles"]:
            cells = [section["result"][f"rank{r}"]["probes"][probe][style] for r in range(section["world_size"])]
            body.append(
                [
                    probe,
                    style,
                    " / ".join(fmt(c["value_over_reference"], 4) for c in cells),
                    " / ".join(fmt(c["input_grad_cosine"], 4) for c in cells),
                    " / ".join(fmt(c["input_grad_norm_ratio"], 4) for c in cells),
                    fmt(cells[0]["param_grad_cosine"], 4),
                    fmt(cells[0]["param_grad_norm_ratio"], 4),
                ]
            )
    size = section["result"]["size"]
    return [
        f"### DDP (gloo, W = {section['world_size']}, N_local = {size['n_local']}, K = {size['k']}, M = {size['m']})",
        "",
        "Per rank (rank 0 / rank 1): value over the single-process value on the global batch; cosine and norm "
        "ratio of the rank's input gradient / W against the true gradient slice; the parameter gradient of a "
        "DistributedDataParallel linear encoder after DDP averaging against the single-process one.",
        "",
        tabulate(
            body,
            headers=[
                "probe",
                "reduction",
                "value/global",
                "grad cos",
                "grad norm ratio",
                "DDP param cos",
                "DDP param norm ratio",
            ],
            tablefmt="github",
            disable_numparse=True,
        ),
        "",
    ]


def _dtype_table(section: dict) -> list[str]:
    modes = section["modes"]
    body = []
    for law, block in section["result"].items():
        for vid, runs in block["variants"].items():
            cells = []
            for mode in modes:
                run = runs[mode]
                if run["status"] == "raises":
                    cells.append(f"raises {run['exception']}")
                else:
                    change = run.get("rel_change_vs_fp32")
                    cells.append(f"{run['out_dtype']}, Δ {fmt(change, 2)}" if mode != "float32" else run["out_dtype"])
            body.append([law, vid, *cells])
    return [
        "### Dtypes (value dtype and relative change against float32 on the same data and directions)",
        "",
        tabulate(body, headers=["input", "variant", *modes], tablefmt="github", disable_numparse=True),
        "",
    ]


def render_markdown(entries: dict, sections: dict, commit: str | None = None) -> str:
    lines = [
        "# SIGReg differential audit: discrepancy registry",
        "",
        "One row per discrepancy (D1–D19 of docs/discrepancies.md and the new ones found here). Verdicts: "
        "confirmed / refuted / not-run (with the reason). Basis: measured (an experiment run here whose outcome was "
        "not known in advance), derived (holds by construction: an identity, an exact computation or a fact of the "
        "code), cited (recorded from the paper's or a source's text: nothing here could measure it). Rerun one "
        "entry with "
        "`python -m checks audit <id> [--seed S]`.",
        "",
        tabulate(discrepancy_rows(entries), headers="keys", tablefmt="github", disable_numparse=True),
        "",
        "## Entries",
        "",
    ]
    for entry_id in sorted(entries, key=_id_key):
        e = entries[entry_id]
        lines.append(
            f"**{entry_id}{' (new)' if e.get('new') else ''}: {e['title']}** — {e['verdict']}. {e['statement']}"
        )
        lines.append("")
        # .get: a table rebuilt from older (version 1) files has no paper/code text
        for key, label in (("paper_says", "Paper says"), ("code_does", "Code does")):
            if e.get(key):
                lines.append(f"- {label}: {e[key]}")
        if e["verdict"] == "not-run":
            lines.append(f"- Not run: {e['reason']}")
        else:
            lines.append(f"- Measured: {e['effect']}")
            if e.get("estimate") is not None:
                lines.append(f"- Estimate: {_estimate(e)} ({e['interval_method']})")
            if e.get("variant_behaviour"):
                lines.append("- By variant: " + "; ".join(f"{v}: {t}" for v, t in e["variant_behaviour"].items()))
        if e.get("paper_vs_measured"):
            lines.append(f"- Stated vs measured: {e['paper_vs_measured']}")
        if e.get("criterion"):
            lines.append(f"- Criterion: {e['criterion']}")
        sources = "; ".join(
            f"{v}: {s['origin']} @ {_revision(s['revision'])}, {s['path'].split(';')[0]}"
            for v, s in e.get("sources", {}).items()
        )
        lines.append(f"- Where: {e['locus']}" + (f". Sources: {sources}" if sources else ""))
        lines.append(f"- Reproduce: `{e['reproducer']}` (seed {e['seed']}, {e['mode']} mode)")
        lines.append("")
    if "detection" in sections:
        lines += ["## Detection rates", "", *_detection_tables(sections["detection"])]
    if "ddp" in sections:
        lines += ["## Distributed", "", *_ddp_table(sections["ddp"])]
    if "dtypes" in sections:
        lines += ["## Dtypes", "", *_dtype_table(sections["dtypes"])]
    if commit:
        lines += [f"Suite commit {commit}. Regenerate: `python -m checks audit`.", ""]
    return "\n".join(lines)


# -- LaTeX -------------------------------------------------------------------------------------------------


def _tabular(headers: list[str], rows: list[list[str]], spec: str, caption: str, label: str) -> list[str]:
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        r"\small",
        rf"\caption{{{latex_escape(caption)}}}",
        rf"\label{{{label}}}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(rf"\textbf{{{latex_escape(h)}}}" for h in headers) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join(latex_escape(c) for c in row) + r" \\" for row in rows]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    return lines


def render_latex(entries: dict, sections: dict) -> str:
    """booktabs tables (\\usepackage{booktabs}); pure ASCII so pdflatex takes it as is."""
    rows = [
        [r["id"], r["discrepancy"], r["variants"], r["verdict"], r["estimate [95 % interval]"], r["basis"]]
        for r in discrepancy_rows(entries)
    ]
    lines = ["% Generated by `python -m checks audit`; needs \\usepackage{booktabs}.", ""]
    lines += _tabular(
        ["id", "discrepancy", "variants", "verdict", "estimate [95% interval]", "basis"],
        rows,
        "l p{5.2cm} l l l l",
        "SIGReg discrepancy registry: verdicts and measured effects",
        "tab:sigreg-discrepancies",
    )
    texts = [
        [entry_id, entries[entry_id]["paper_says"], entries[entry_id]["code_does"]]
        for entry_id in sorted(entries, key=_id_key)
        if entries[entry_id].get("paper_says") and entries[entry_id].get("code_does")
    ]
    # Several floats rather than a longtable: 23 entries of prose do not fit one page, and booktabs stays the
    # only package needed.
    parts = [texts[i : i + 5] for i in range(0, len(texts), 5)]
    for i, part in enumerate(parts, 1):
        lines += _tabular(
            ["id", "paper says", "official code and packages do"],
            part,
            r"l p{0.4\linewidth} p{0.4\linewidth}",
            "SIGReg discrepancies: what the paper says and what the code does"
            + (f" (part {i} of {len(parts)})" if len(parts) > 1 else ""),
            "tab:sigreg-paper-code" + (f"-{i}" if len(parts) > 1 else ""),
        )
    if "detection" in sections:
        main = sections["detection"]["main"]
        size = main["size"]
        variants = list(dict.fromkeys(r["variant"] for r in main["rows"]))
        laws = list(dict.fromkeys(r["law"] for r in main["rows"]))
        by = {(r["variant"], r["law"]): r for r in main["rows"]}
        body = [
            [
                law,
                *(
                    f"{fmt(by[v, law]['mean'])} ({by[v, law]['detections']}/{by[v, law]['n_seeds']})"
                    if (v, law) in by and by[v, law]["mean"] is not None
                    else "--"
                    for v in variants
                ),
            ]
            for law in laws
        ]
        lines += _tabular(
            ["input", *variants],
            body,
            "l" + "r" * len(variants),
            f"Mean value and seeds detected at alpha = 0.01 (N = {size['n']}, K = {size['k']}, "
            f"M = {size['m']}; Monte Carlo null of each variant)",
            "tab:sigreg-detection",
        )
    return "\n".join(lines)
