"""variants.md, the variants table's own page, from the record `python -m checks variants` writes (variants.json).
REPORT.md's table of the same rows is `sections.variants_section`."""

from __future__ import annotations

from tabulate import tabulate


def render_markdown(result: dict) -> str:
    config = result["config"]
    laws = list(dict.fromkeys(row["law"] for row in result["rows"]))
    by_key = {(row["variant"], row["law"]): row for row in result["rows"]}
    variants = list(result["variants"])

    def table(cell) -> str:
        body = [[v, *(cell(by_key[v, law]) for law in laws)] for v in variants]
        return tabulate(body, headers=["variant", *laws], tablefmt="github", disable_numparse=True)

    lines = [
        "# SIGReg variants on one seeded battery",
        "",
        f"N = {config['n']}, K = {config['k']}, M = {config['m']}; {config['seeds']} data seeds per law, "
        f"directions shared by all variants; run seed {config['seed']}.",
        "",
        f"Mean value as a ratio to the exact null mean E[EP] = {result['oracle_null_mean']:.7f}, with the "
        f"fraction of seeds detected at α = {result['alpha']} against a Monte Carlo null of the same "
        f"implementation ({config['null_reps']} N(0, I) batches):",
        "",
        table(lambda r: f"{r['ratio_to_null_mean']:.3g} ({r['detection_rate']:.0%})"),
        "",
        "Value relative to R1 on the same data and directions (mean over seeds of the ratio):",
        "",
        table(lambda r: f"{r['ratio_to_R1']:.4g}"),
        "",
        "Variants:",
        "",
    ]
    for vid, described in result["variants"].items():
        source = described["source"]
        lines.append(
            f"- **{vid}**: {described['title']}; returns {described['returns']}. "
            f"Source: {source['origin']} @ {source['revision']}, {source['path']}."
        )
    suite = result["suite"]
    lines += [
        "",
        f"Suite commit {suite['commit']}{' (dirty)' if suite['dirty'] else ''}; "
        f"torch {result['env']['torch']}, numpy {result['env']['numpy']}; runtime {result['runtime_s']} s. "
        "Rerun: `python -m checks variants`.",
        "",
    ]
    return "\n".join(lines)
