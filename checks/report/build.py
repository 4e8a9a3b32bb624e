"""REPORT.md, its tables and figures from a results tree: `generate` reads the JSON (`load.read`), renders every
section (`render`), writes the files (`write`) and the pages beside the JSON (`pages.write_pages`) and, for the
repository's own results/, README.md's findings block.

REPORT.md opens with the findings (`findings`: a few sentences, each built from one result file) and the hero
figure; rendering the repository's own results/ also rewrites README.md's "What we found" block between its marker
comments, so the README cannot drift from the results either.

The renderer computes no statistic: every number is read from a result file and printed with one formatter
(`format.fmt`). The environment, the reference commit and device (against which results are marked stale) and the
wall times come from run.json, written by `python -m checks reproduce`, so the same JSON gives the same bytes on any
machine at any commit. From the code the report takes only the registry: the claim list (claims without a result
file are listed as not-run) and the current version of each check, so that a result produced by an older version
is marked.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.results import REPO_ROOT, RESULTS, atomic_write_bytes, atomic_write_json, atomic_write_text
from core.versions import AUDIT_KINDS, VERSIONS

from ..registry import VERDICTS
from . import figures as figures_mod
from . import findings as findings_mod
from .context import FIGURES, OUTDATED, STALE, Context, Section, reference_of, short
from .environment import environment_section, figures_section, missing_section, provenance_section, skipped_section
from .evidence import basis_section, evidence_summary, mutations_section
from .format import DASH, Table, table_file_markdown, to_csv, to_latex
from .load import Results, read
from .pages import write_pages
from .replication import bench_section, replication_section
from .sections import claims_section, discrepancies_section, variants_section

REPORT_NAME = "REPORT.md"
README = REPO_ROOT / "README.md"  # its "What we found" block is rewritten when the report renders results/
TABLES = "tables"
MANIFEST = ".report-manifest.json"  # under tables/: the files the last report wrote (stale ones are removed)
__all__ = ["Rendered", "current_versions", "generate", "render", "with_findings", "write", "write_readme"]


# -- Rendering -- #


@dataclass
class Rendered:
    markdown: str
    tables: list[Table]
    figures: dict[str, bytes]  # report_*.png
    readme_block: str = ""  # the findings as README.md shows them (between findings_mod.README_START/END)


SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _guarded(title: str, build, *args) -> Section:
    """A section, or a note saying it could not be rendered: a file that passed the key checks can still hold an
    unexpected shape deeper down; the report then says so instead of stopping."""
    try:
        return build(*args)
    except SHAPE_ERRORS as error:
        section = Section(title)
        section.text(
            f"This section could not be rendered ({type(error).__name__}: {error}): a result file it reads has an "
            "unexpected shape deeper than the report checks. Rerun the command that wrote it."
        )
        return section


def draw_figures(results: Results) -> tuple[dict[str, tuple[bytes, str]], list[str]]:
    """The report's own figures, from JSON data; a figure whose data are missing becomes a reason instead."""
    drawn: dict[str, tuple[bytes, str]] = {}
    not_drawn: list[str] = []
    runs = {PurePosixPath(r.path).stem: r for r in results.of("training-run")}
    jobs = []
    for name, kind in (
        ("report_variants_detection.png", "variants-table"),
        ("report_audit_detection.png", "audit-detection"),
    ):
        record = results.one(kind)
        if record is None:
            not_drawn.append(f"{name}: no {'variants.json' if kind == 'variants-table' else 'audit/detection.json'}")
        elif kind == "audit-detection" and record.data["status"] != "ok":
            not_drawn.append(f"{name}: {record.path} has status {record.data['status']}")
        else:
            jobs.append((name, lambda r=record: figures_mod.detection_bars(r)))
    try:
        e1, _, _, _ = findings_mod._e1_arms(results)
    except findings_mod.Missing as reason:
        not_drawn.append(f"{findings_mod.HERO}: no {reason}")
    else:
        conditions = e1.data.get("conditions") or {}
        v3 = [c.split("/", 1)[-1] for c in conditions if findings_mod.V3_ARM in c]
        arms = {findings_mod.LISTING: "first listing (V1)", findings_mod.CORRECTED: "corrected SIGReg (R1)"}
        arms.update({name: "v3 listing (V3)" for name in dict.fromkeys(v3)})
        jobs.append((findings_mod.HERO, lambda: figures_mod.hero(e1, runs, arms)))
    for record in sorted(results.of("experiment"), key=lambda r: r.path):
        if record.data["experiment"] != "E1" or record.data.get("status", "done") != "done":
            continue
        tag = record.ident
        jobs.append((f"report_training_curves_{tag}.png", lambda r=record: figures_mod.training_curves(r, runs)))
        jobs.append((f"report_spectra_{tag}.png", lambda r=record: figures_mod.spectra(r, runs)))
    if not any(r.data["experiment"] == "E1" for r in results.of("experiment")):
        not_drawn.append("report_training_curves_*.png, report_spectra_*.png: no replication/E1_*.json")
    c4 = next((r for r in results.of("claim") if r.ident.startswith("C4-")), None)
    jobs.append(("report_scaling.png", lambda: figures_mod.scaling(results.one("engine-bench"), c4)))
    for name, job in jobs:
        try:
            drawn[name] = job()
        except figures_mod.NotDrawn as reason:
            not_drawn.append(f"{name}: {reason}")
        except SHAPE_ERRORS as error:  # data of an unexpected shape: say so, keep going
            not_drawn.append(f"{name}: could not draw ({type(error).__name__}: {error})")
    return drawn, not_drawn


def render(
    results: Results,
    catalog: dict[str, dict] | None = None,
    versions: dict[str, int] | None = None,
    unresolved: list[str] | None = None,
    figures: bool = True,
) -> Rendered:
    """REPORT.md text, the tables and the report's figures, from `results` (and the code's claim list/versions)."""
    catalog = catalog or {}
    versions = {
        **{f"claim:{k}": v["claim_version"] for k, v in catalog.items() if "claim_version" in v},
        **(versions or {}),
    }
    drawn, not_drawn = draw_figures(results) if figures else ({}, ["figures not drawn (--no-figures)"])
    captions = {k: caption for k, (_, caption) in drawn.items()}
    ctx = Context(reference_of(results), versions, figures=captions)
    found, left_out = findings_mod.findings(results)
    hero = None
    if findings_mod.HERO in captions:
        ctx.placed.append(findings_mod.HERO)
        hero = (f"{FIGURES}/{findings_mod.HERO}", captions[findings_mod.HERO])
    intro = findings_mod.overview(results, catalog)
    sections = [
        _guarded("Claims: the paper against our outcomes", claims_section, results, ctx, catalog),
        _guarded("Discrepancies: paper, official code and packages", discrepancies_section, results, ctx),
        _guarded("What the verdicts rest on", basis_section, results),
        _guarded("Mutation matrix: which check sees which defect", mutations_section, results),
        _guarded("Variants on one seeded battery", variants_section, results, ctx),
        _guarded("Replication (E1–E8)", replication_section, results, ctx),
        _guarded("Cost and scaling (engine against R1)", bench_section, results, ctx),
        _guarded("Figures", figures_section, results, ctx, captions, not_drawn),
        _guarded("Environment", environment_section, results, ctx),
        _guarded("Provenance and staleness", provenance_section, results, ctx, unresolved or []),
        _guarded("Missing data", missing_section, results),
        _guarded("Skipped results", skipped_section, results),
    ]
    body = []
    for section in sections:  # rendered first: the marks they hand out are counted in the summary
        body += [f'<a id="{section.anchor}"></a>', ""] if section.anchor else []
        body += [f"## {section.title}", "", *section.lines]
    ref = ctx.reference
    verdicts = Counter(r.data["verdict"] for r in results.of("claim"))
    audit = Counter(r.data["verdict"] for r in results.of("discrepancy"))
    run = results.one("reproduce-run")
    lines = [
        "# SIGReg reproduction report (LeJEPA, arXiv 2511.08544)",
        "",
        "Generated by `python -m checks report` from the JSON under `results/` only (do not edit); every table is "
        "also in `results/tables/` as Markdown, LaTeX and CSV. What the paper claims, each discrepancy, the exact "
        "oracle and the variants' sources are described in [docs/](../docs/).",
        "",
        '<a id="findings"></a>',
        "",
        "## What we found",
        "",
        *findings_mod.block(found, left_out, intro, hero),
        "",
        *body,
        "## About this report",
        "",
        f"Reference: commit {short(ref.commit)}{' with uncommitted changes' if ref.dirty else ''}, "
        f"device {ref.device or DASH} (from {ref.source}). {STALE} marks a result produced at another commit or "
        f"on another device, {OUTDATED} one produced by an older version of its check.",
        "",
        f"- Claim result files: {sum(verdicts.values())} ("
        + (", ".join(f"{verdicts[v]} {v}" for v in VERDICTS if verdicts[v]) or "none")
        + ").",
        f"- Discrepancy results: {sum(audit.values())}"
        + (f" ({', '.join(f'{n} {v}' for v, n in sorted(audit.items()))})" if audit else "")
        + f"; replication results: {len(results.of('experiment'))}.",
        evidence_summary(results),
    ]
    if run is not None:
        statuses = Counter(s["status"] for s in run.data["sections"])
        lines.append(
            "- Reproduce sections: " + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) + "."
        )
    lines += [
        f"- Results marked stale ({STALE}) or outdated ({OUTDATED}): {len(ctx.marked)}; skipped files: "
        f"{len(results.skipped) + len(results.unrecognised)}.",
        "",
    ]
    text = "\n".join(lines).rstrip("\n") + "\n"
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    readme = "\n".join(findings_mod.block(found, left_out, intro, hero, prefix="results/")) + "\n"
    tables = [t for s in sections for t in s.tables]
    return Rendered(text, tables, {name: png for name, (png, _) in drawn.items()}, readme)


def write(rendered: Rendered, root: Path) -> list[Path]:
    """Tables, figures, then REPORT.md (last: a reader who sees the report sees its files). Returns the paths.

    Table files and report_* figures the previous report wrote and this one did not are removed, so a table
    whose data went away does not linger as if current."""
    root = Path(root)
    tables, figures = root / TABLES, root / FIGURES
    written: list[Path] = []
    for table in rendered.tables:
        for suffix, text in (
            (".md", table_file_markdown(table)),
            (".tex", to_latex(table)),
            (".csv", to_csv(table)),
        ):
            path = tables / f"{table.name}{suffix}"
            atomic_write_text(path, text)
            written.append(path)
    for name, png in sorted(rendered.figures.items()):
        atomic_write_bytes(figures / name, png)
        written.append(figures / name)
    manifest = tables / MANIFEST
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        previous = []
    now = {p.relative_to(root).as_posix() for p in written}
    for stale in previous if isinstance(previous, list) else []:
        if isinstance(stale, str) and stale not in now and stale.startswith((f"{TABLES}/", f"{FIGURES}/report_")):
            (root / stale).unlink(missing_ok=True)
    if figures.is_dir():  # report figures this run could not draw (their data went away)
        for path in figures.glob(f"{figures_mod.PREFIX}*.png"):
            if path.name not in rendered.figures:
                path.unlink()
    atomic_write_json(manifest, {"files": sorted(now)})
    atomic_write_text(root / REPORT_NAME, rendered.markdown)
    return written + [root / REPORT_NAME]


def with_findings(readme: str, block: str) -> str:
    """`readme` with the text between the findings markers replaced by `block` (ValueError if a marker is missing)."""
    start, end = findings_mod.README_START, findings_mod.README_END
    if readme.count(start) != 1 or readme.count(end) != 1 or readme.index(start) > readme.index(end):
        raise ValueError(f"README.md needs exactly one {start!r} followed by one {end!r}")
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{block}{end}{tail}"


def write_readme(rendered: Rendered, readme: Path = README) -> bool:
    """Rewrite README.md's findings block; True if its bytes changed."""
    text = readme.read_text(encoding="utf-8")
    new = with_findings(text, rendered.readme_block)
    if new != text:
        atomic_write_text(readme, new)
    return new != text


# -- What the code says now (claim list and check versions) -- #


def current_versions() -> tuple[dict[str, dict], dict[str, int], list[str]]:
    """(claim catalog from the registry, current version per result kind, kinds whose version is not resolved)."""
    catalog: dict[str, dict] = {}
    versions: dict[str, int] = {}
    unresolved: list[str] = []
    try:
        from ..registry import load_claims

        for entry in load_claims():
            catalog[entry.id] = entry.describe()
            versions[f"claim:{entry.id}"] = entry.version
            reason = getattr(sys.modules.get(entry.module), "REASON", None)  # why a claim is never run here
            if isinstance(reason, str) and reason:
                catalog[entry.id]["reason"] = reason
    except Exception as error:  # noqa: BLE001 - a broken claim module must not stop the report; it is listed
        unresolved.append(f"claims: the registry did not load ({type(error).__name__}: {error})")
    versions.update({kind: v for kind, v in VERSIONS.items() if kind != "audit"})
    versions.update({kind: VERSIONS["audit"] for kind in AUDIT_KINDS})
    return catalog, versions, unresolved


# -- Rendering a results tree -- #


def generate(root: Path = RESULTS, figures: bool = True, registry: bool = True) -> Rendered:
    results = read(root)
    catalog, versions, unresolved = current_versions() if registry else ({}, {}, ["not compared (--no-registry)"])
    rendered = render(results, catalog, versions, unresolved, figures=figures)
    write(rendered, root)
    write_pages(root)
    if Path(root).resolve() == (REPO_ROOT / "results").resolve() and README.is_file():
        try:
            write_readme(rendered)  # the README mirrors the repository's own results, never another tree's
        except ValueError as error:  # markers edited away: the report still stands; say what was not done
            print(f"README.md not updated: {error}", file=sys.stderr)
    return rendered
