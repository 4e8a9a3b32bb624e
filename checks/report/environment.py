"""The closing sections of REPORT.md: figures not shown beside a table, the environment and reproduce run, the
provenance of every result file and the staleness marks handed out, what is missing and what was skipped."""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath

from . import figures as figures_mod
from .context import FIGURES, OUTDATED, STALE, Context, Section, short
from .format import DASH, Code, Table, fmt, is_number
from .load import Results, dig

ENV_KEYS = ("python", "torch", "numpy", "scipy", "datasets", "device")


def figures_section(results: Results, ctx: Context, drawn: dict[str, str], not_drawn: list[str]) -> Section:
    section = Section("Figures")
    producers: dict[str, str] = {}
    for record in results.of("experiment"):
        listed = record.data.get("figures")
        for item in listed if isinstance(listed, list) else []:
            if isinstance(item, str):
                producers.setdefault(PurePosixPath(item).name, record.path)
    theirs = [f for f in results.figures if not PurePosixPath(f).name.startswith(figures_mod.PREFIX)]
    ours = [f"{FIGURES}/{name}" for name in drawn]
    for path in sorted(set(theirs) | set(ours)):
        name = PurePosixPath(path).name
        if name in ctx.placed:
            continue
        if name in drawn:
            caption = drawn[name]
        elif name in producers:
            caption = f"Written by the command that wrote {producers[name]}."
        else:
            caption = "Found under results/figures/ (no result file lists it)."
        section.lines += [f"![{name}]({path})", "", f"*{name}*: {caption}", ""]
    if not [p for p in set(theirs) | set(ours) if PurePosixPath(p).name not in ctx.placed]:
        section.text("Every figure is shown next to the table it illustrates.")
    if not_drawn:
        section.lines += ["Not drawn (data missing from the JSON):", "", *(f"- {reason}" for reason in not_drawn), ""]
    return section


_RUNNING = {
    "running": "in progress when this report was rendered",
    "pending": "not started when this report was rendered",
}


def environment_section(results: Results, ctx: Context) -> Section:
    section = Section("Environment")
    ref = ctx.reference
    run = results.one("reproduce-run")
    rows = [
        ("suite commit", ref.commit or DASH),
        ("uncommitted changes", fmt(ref.dirty)),
        *((key, fmt(ref.env.get(key))) for key in ENV_KEYS),
    ]
    seeds = []
    claim_seeds = sorted({fmt(v) for r in results.of("claim") if (v := dig(r.data, "seeds", "suite_seed")) is not None})
    if claim_seeds:
        seeds.append(f"claims suite seed {', '.join(map(str, claim_seeds))}")
    variants = results.one("variants-table")
    if variants is not None and dig(variants.data, "config", "seed") is not None:
        seeds.append(f"variants run seed {variants.data['config']['seed']}")
    bench = results.one("engine-bench")
    if bench is not None and dig(bench.data, "config", "seed") is not None:
        seeds.append(f"bench seed {bench.data['config']['seed']}")
    for record in sorted(results.of("experiment"), key=lambda r: r.ident):
        plan_seeds = dig(record.data, "plan", "seeds")
        if isinstance(plan_seeds, list):
            seeds.append(f"{record.ident} seeds {', '.join(map(str, plan_seeds))}")
    rows.append(("seeds", "; ".join(seeds) or DASH))
    if run is not None:
        rows.append(("reproduce", "quick" if run.data.get("quick") else "full"))
        rows.append(("reproduce wall s", fmt(run.data.get("wall_s"))))
    section.text(f"The report's reference environment, from {ref.source}; no hostname is recorded.")
    section.table(Table("environment", "Environment", ("item", "value"), tuple(rows)))
    if run is not None:
        sections_rows = []
        for s in run.data["sections"]:
            wall = s.get("wall_s")
            sections_rows.append(
                (
                    s["name"],
                    s["status"],
                    fmt(wall) if is_number(wall) else DASH,
                    Code(s["command"]) if isinstance(s.get("command"), str) and s["command"] else DASH,
                    fmt(s.get("reason")) if s.get("reason") else _RUNNING.get(s["status"], ""),
                )
            )
        section.table(
            Table(
                "sections",
                "Reproduce run: sections",
                ("section", "status", "wall s", "command", "reason"),
                tuple(sections_rows),
                (ctx.source_note(run),),
            ),
            "Reproduce run (wall time per section)",
        )
    else:
        section.text("No run.json: `python -m checks reproduce` writes it (sections, wall times, environment).")
    return section


def provenance_section(results: Results, ctx: Context, unresolved: list[str]) -> Section:
    section = Section("Provenance and staleness")
    groups: Counter = Counter()
    for r in results.records:
        if not r.has_provenance:
            continue
        env = r.data["env"]
        groups[(short(r.commit), fmt(r.dirty), *(fmt(env.get(k)) for k in ("device", "python", "torch", "numpy")))] += 1
    rows = tuple((*key, str(count)) for key, count in sorted(groups.items()))
    section.text(
        f"Report reference: commit {short(ctx.reference.commit)}, device {ctx.reference.device or DASH} "
        f"(from {ctx.reference.source})."
    )
    headers = ("commit", "uncommitted changes", "device", "python", "torch", "numpy", "files")
    section.table(Table("provenance", "Environments the result files were produced in", headers, rows))
    if ctx.marked:
        section.lines += ["Marked results:", ""]
        section.lines += [f"- {path}: {'; '.join(reasons)}" for path, reasons in sorted(ctx.marked.items())]
        section.lines += [""]
    else:
        section.text(f"No result is marked ({STALE}, {OUTDATED}).")
    dirty = sum(1 for r in results.records if r.dirty)
    if dirty:
        section.text(
            f"{dirty} result file(s) were produced from a tree with uncommitted changes: the commit alone does not "
            "identify the code that produced them."
        )
    if unresolved:
        section.lines += ["Check versions not compared with the code:", ""]
        section.lines += [f"- {item}" for item in unresolved] + [""]
    return section


def missing_section(results: Results) -> Section:
    """What the report looked for and did not find: absent files and absent fields (nothing here is computed)."""
    section = Section("Missing data")
    items = []
    expected = (
        ("reproduce-run", "run.json", "python -m checks reproduce"),
        ("variants-table", "variants.json", "python -m checks variants"),
        ("claim", "claims/*.json", "python -m checks run --tier cpu"),
        ("discrepancy", "audit/D*.json", "python -m checks audit"),
        ("experiment", "replication/E*.json", "python -m repro replicate; python -m repro demo"),
        ("engine-bench", "bench.json", "python -m repro bench"),
    )
    for kind, where, command in expected:
        if not results.of(kind):
            items.append(f"No valid results/{where} ({command}).")
    for record in sorted(results.of("experiment"), key=lambda r: r.path):
        if record.version is None:
            items.append(f"{record.path}: no `version` of the experiment code, so staleness cannot be judged.")
    missing_runs = set()
    for record in results.of("experiment"):
        stems = record.data.get("runs")
        if isinstance(stems, dict):
            names = {s for v in stems.values() if isinstance(v, list) for s in v if isinstance(s, str)}
            have = {PurePosixPath(r.path).stem for r in results.of("training-run")}
            if names - have:
                missing_runs.add(
                    f"{record.path}: {len(names - have)} of its run files are not under replication/runs/."
                )
    items += sorted(missing_runs)
    section.text(*(f"- {item}" for item in items) if items else ("Nothing missing.",))
    return section


def skipped_section(results: Results) -> Section:
    section = Section("Skipped results")
    if not results.skipped and not results.unrecognised:
        section.text("None: every JSON file under results/ was read.")
        return section
    lines = [f"- `{s.path}`: {s.problem}" for s in sorted(results.skipped, key=lambda s: s.path)]
    lines += [f"- `{p}`: not read: no reader for this location" for p in results.unrecognised]
    section.text("These files were found and not used:", "", *lines)
    return section
