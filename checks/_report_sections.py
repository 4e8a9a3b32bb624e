"""The sections of REPORT.md, each built from the records `checks._report_load.read` returns (no statistic is
computed here: numbers are read and printed with `checks._report_format.fmt`), plus the staleness marks († another
commit or device than the report's, ‡ an older version of the check than the code's)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from . import _report_figures as figures_mod
from ._report_format import DASH, Code, Table, fmt, fmt_interval, fmt_paper, is_number, to_markdown
from ._report_load import ID_KEYS, Record, Results, dig
from .registry import VERDICTS, sort_key

FIGURES = "figures"
STALE = "†"  # produced at another commit or on another device than the report's
OUTDATED = "‡"  # produced by an older version of its check than the code's
ENV_KEYS = ("python", "torch", "numpy", "scipy", "datasets", "device")
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


def short(commit) -> str:
    return commit[:7] if isinstance(commit, str) else DASH


# -- Reference environment and staleness -- #


@dataclass(frozen=True)
class Reference:
    """The report's own commit and device, against which each result is judged."""

    commit: str | None
    dirty: bool | None
    device: str | None
    env: dict
    source: str


def reference_of(results: Results) -> Reference:
    """From run.json if there is one; otherwise the commit and device most result files share (ties: sorted)."""
    run = results.one("reproduce-run")
    if run is not None:
        return Reference(run.commit, run.dirty, run.device, run.data["env"], run.path)
    records = [r for r in results.records if r.has_provenance]
    if not records:
        return Reference(None, None, None, {}, "nothing: no result files")
    counts = Counter((r.commit or "", r.device or "") for r in records)
    (commit, device), _ = min(counts.items(), key=lambda item: (-item[1], item[0]))
    first = next(r for r in records if (r.commit or "", r.device or "") == (commit, device))
    return Reference(
        commit or None,
        first.dirty,
        device or None,
        first.data["env"],
        "the result files (no run.json: the commit and device most of them share)",
    )


def version_key(record: Record) -> str:
    if record.kind == "experiment":  # E5 (the demo) has its own producer; E1-E4 and E6-E8 share one
        return f"experiment:{record.data['experiment']}"
    return f"{record.kind}:{record.ident}" if record.kind in ID_KEYS else record.kind


def current_version(record: Record, versions: dict[str, int]) -> int | None:
    """The code's version of the check that wrote `record`: by id (claim:C4-…), else by kind (one for the audit)."""
    return versions.get(version_key(record), versions.get(record.kind))


def outdated(records: Iterable[Record], versions: dict[str, int]) -> list[tuple[Record, int | None, int]]:
    """Records whose check version is older than (or missing against) the code's: (record, theirs, current)."""
    found = []
    for record in records:
        current = current_version(record, versions)
        if current is not None and (record.version is None or record.version < current):
            found.append((record, record.version, current))
    return found


@dataclass
class Context:
    """What every section needs: the reference, the code's versions, and the marks handed out so far."""

    reference: Reference
    versions: dict[str, int]
    marked: dict[str, list[str]] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)  # the report's drawn figures: name -> caption
    placed: list[str] = field(default_factory=list)  # figures shown next to their table (the rest: Figures)

    def figure(self, section: Section, name: str, caption: str | None = None) -> None:
        """Show figure `name` (under figures/) here, with its caption, if it was drawn or lies in results/."""
        caption = caption if caption is not None else self.figures.get(name)
        if caption is None or name in self.placed:
            return
        self.placed.append(name)
        section.lines += [f"![{name}]({FIGURES}/{name})", "", f"*{caption}*", ""]

    def mark(self, record: Record | None) -> str:
        """† and/or ‡ for a record, remembering why (the Provenance section lists it)."""
        if record is None:
            return ""
        reasons, marks = [], ""
        ref = self.reference
        if not record.has_provenance:  # nothing to compare (audit/check.json records no suite)
            pass
        elif ref.commit is not None and record.commit != ref.commit:
            reasons.append(f"{STALE} commit {short(record.commit)}, report {short(ref.commit)}")
        if record.has_provenance and ref.device is not None and record.device != ref.device:
            reasons.append(f"{STALE} device {record.device or DASH}, report {ref.device}")
        if reasons:
            marks += STALE
        current = current_version(record, self.versions)
        if current is not None and (record.version is None or record.version < current):
            reasons.append(f"{OUTDATED} check version {record.version or DASH}, code {current}")
            marks += OUTDATED
        if reasons:
            self.marked[record.path] = reasons
        return marks

    def source_note(self, *records: Record | None) -> str:
        parts = [f"{r.path}{self.mark(r)}" for r in records if r is not None]
        return "Source: " + ", ".join(parts) + "."


def legend(rows: Iterable[Iterable[str]]) -> tuple[str, ...]:
    text = " ".join(str(c) for row in rows for c in row)
    notes = []
    if STALE in text:
        notes.append(f"{STALE} produced at another commit or on another device than this report (see Provenance).")
    if OUTDATED in text:
        notes.append(f"{OUTDATED} produced by an older version of its check than the current code (see Provenance).")
    return tuple(notes)


# -- Sections -- #


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    anchor: str = ""  # an HTML anchor before the heading, for links from the findings

    def table(self, table: Table, heading: str | None = None) -> None:
        if heading:
            self.lines += [f"### {heading}", ""]
        self.lines += [to_markdown(table)]
        self.tables.append(table)

    def text(self, *lines: str) -> None:
        self.lines += [*lines, ""]


def _short_reason(reason) -> str:
    """The first clause of a not-run reason ("needs a GPU (tier gpu)"), for the slim table; the details keep it all."""
    text = str(reason or "no reason recorded").strip()
    for stop in (":", ";", ". "):
        text = text.split(stop, 1)[0]
    return text


def _paper_cell(data: dict) -> str:
    numbers = fmt_paper(data.get("paper_numbers"), limit=2)
    if numbers != DASH:
        return numbers
    statement = str(data.get("statement") or DASH)
    return statement if len(statement) <= 80 else statement[:79].rsplit(" ", 1)[0] + " …"


def claim_anchor(claim_id: str) -> str:
    """C15-bounded-gradient -> c15 (the findings link to it)."""
    return claim_id.split("-", 1)[0].lower()


def claims_section(results: Results, ctx: Context, catalog: dict[str, dict]) -> Section:
    section = Section("Claims: the paper against our outcomes", anchor="claims")
    records = {r.ident: r for r in results.of("claim")}
    skipped = {s.path: s.problem for s in results.skipped}
    ids = sorted(set(records) | set(catalog), key=sort_key)
    rows, full, notes = [], [], []
    for claim_id in ids:
        record = records.get(claim_id)
        if record is None:
            entry = catalog[claim_id]
            problem = skipped.get(f"claims/{claim_id}.json")
            reason = f"its result file was skipped ({problem})" if problem else entry.get("reason")
            reason = reason or "no result file under results/claims/ and no reason in its module"
            short_ = "result file skipped" if problem else _short_reason(reason)
            rows.append((claim_id, _paper_cell(entry), f"not run: {short_}", "not-run",
                         entry.get("basis") or DASH))  # fmt: skip
            full.append((claim_id, fmt(entry.get("claim_version")), entry.get("paper") or DASH,
                         fmt_paper(entry.get("paper_numbers")), DASH, "not-run", entry.get("basis") or DASH,
                         entry.get("tier") or DASH, DASH, DASH, Code(f"python -m checks run {claim_id}")))  # fmt: skip
            parts = [
                entry.get("statement"),
                f"Paper: {entry.get('paper') or DASH}; numbers: {fmt_paper(entry.get('paper_numbers'), limit=99)}",
                f"Not run: {reason}",
                f"Tier {entry.get('tier') or DASH}; rerun: `python -m checks run {claim_id}`",
            ]
            notes.append(
                f'- <a id="{claim_anchor(claim_id)}"></a>**{claim_id}**: ' + " ".join(_sentence(p) for p in parts if p)
            )
            continue
        d = record.data
        measured = fmt_interval(d.get("estimate"), d.get("interval"))
        if d["verdict"] == "not-run":
            measured = f"not run: {_short_reason(d.get('reason'))}"
        basis = d.get("basis") if isinstance(d.get("basis"), str) and d.get("basis") else DASH
        if isinstance(d.get("scale"), str) and d["scale"]:  # a small-scale analogue, not the paper's setting
            basis = f"{basis}, {d['scale']}"
        rerun = d.get("rerun") or f"python -m checks run {claim_id}"
        rows.append((claim_id + ctx.mark(record), _paper_cell(d), measured, d["verdict"], basis))
        full.append(
            (claim_id + ctx.mark(record), fmt(d["claim_version"]), d["paper"], fmt_paper(d.get("paper_numbers")),
             fmt_interval(d.get("estimate"), d.get("interval")), d["verdict"], basis, d["tier"], fmt(d.get("n")),
             fmt(d.get("runtime_s")), Code(rerun))
        )  # fmt: skip
        parts = [d.get("statement")]
        parts.append(f"Paper: {d['paper']}; numbers: {fmt_paper(d.get('paper_numbers'), limit=99)}")
        if d.get("scale") == "cpu-analogue":
            parts.append("Judged at a CPU-analogue scale (MNIST-5k, a small MLP; docs/replication.md), not the paper's")
        if d.get("reason"):
            parts.append(f"{'Not run' if d['verdict'] == 'not-run' else 'Outcome'}: {d['reason']}")
        if d.get("interval_method"):
            parts.append(f"Interval: {d['interval_method']}")
        tolerance = d.get("tolerance")
        if isinstance(tolerance, dict):
            value = tolerance.get("value")
            shown = fmt_paper(value) if isinstance(value, dict) else fmt(value, sig=None)
            parts.append(f"Tolerance: {shown} ({tolerance.get('reason') or 'no reason given'})")
        control = d.get("control")
        if isinstance(control, dict) and control.get("what"):
            estimate = f", estimate {fmt(control['estimate'])}" if is_number(control.get("estimate")) else ""
            parts.append(f"Negative control: {control['what']}: {control.get('verdict') or DASH}{estimate}")
        if isinstance(d.get("discrepancies"), list) and d["discrepancies"]:
            parts.append(f"Discrepancies: {', '.join(map(str, d['discrepancies']))}")
        parts.append(f"Tier {d['tier']}, n {fmt(d.get('n'))}, {fmt(d.get('runtime_s'))} s; rerun: `{rerun}`")
        notes.append(
            f'- <a id="{claim_anchor(claim_id)}"></a>**{claim_id}** (v{d["claim_version"]}): '
            + " ".join(_sentence(p) for p in parts if p)
        )
    counts = Counter(row[3] for row in rows)
    summary = ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v])
    section.text(
        f"{len(rows)} claims: {summary or 'none'}. Each row: what the paper says (its number), what we measured "
        "(estimate [interval]), the verdict and what it rests on (measured: an experiment; derived: follows from an "
        "exact computation; cited: recorded from text). Locus, tier, sample size, runtime and the command to rerun "
        "are in the details below the table; the paper's claims are described in "
        "[docs/claims.md](../docs/claims.md)."
    )
    verdict_note = (
        "Verdicts: reproduced, not-reproduced, inconclusive (the interval straddles the tolerance), not-run (with the "
        "reason). Estimate and interval as each check reports them (the interval method is in the details)."
    )
    section.table(
        Table(
            "claims",
            "Paper claims against our outcomes",
            ("id", "paper says", "we measured [interval]", "verdict", "basis"),
            tuple(rows),
            legend(rows) + (verdict_note,),
        )  # fmt: skip
    )
    section.tables.append(  # the full record, for reviewers' tables (not shown in the report)
        Table(
            "claims_full",
            "Paper claims against our outcomes (all columns)",
            (
                "id",
                "v",
                "paper locus",
                "paper says",
                "estimate [interval]",
                "verdict",
                "basis",
                "tier",
                "n",
                "runtime s",
                "rerun",
            ),  # fmt: skip
            tuple(full),
            legend(full) + (verdict_note,),
        )
    )
    if notes:
        section.lines += ["### Claim details", "", *notes, ""]
    return section


def _sentence(text) -> str:
    text = str(text).strip()
    return text if text.endswith((".", "?", "!")) else text + "."


# Column -> keys read, in order. The audit writes paper_says / code_does / variant_behaviour (audit version 2);
# results of version 1 lack them, and then its `paper_vs_measured` and `statement` fill the columns, as the table says.
DISCREPANCY_FIELDS = {
    "paper": ("paper_says", "paper_vs_measured"),
    "code": ("code_does", "official_code_does", "statement"),
    "variants": ("variant_behaviour", "variants"),
    "effect": ("measured_effect", "effect"),
    "rerun": ("rerun", "reproducer", "command"),
}


def _first(data: dict, keys: tuple[str, ...]):
    for key in keys:
        if data.get(key) not in (None, "", [], {}):
            return data[key]
    return None


def _behaviour(value) -> str:
    """One variant's behaviour: a string, a number, or an object with a summary or an estimate."""
    if isinstance(value, dict):
        for key in ("behaviour", "summary", "value"):
            if value.get(key) is not None:
                return fmt(value[key])
        if is_number(value.get("estimate")):
            return fmt_interval(value["estimate"], value.get("interval"))
        return "; ".join(f"{k}: {fmt(v)}" for k, v in value.items() if not isinstance(v, dict | list))
    return fmt(value)


def _variants_cell(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_behaviour(v)}" for k, v in value.items()) or DASH
    if isinstance(value, list):
        return ", ".join(map(str, value)) or DASH
    return _behaviour(value)


def _effect(data: dict) -> str:
    """The measured effect: `estimate [interval]` and the effect's own words (either may be absent)."""
    effect = _first(data, DISCREPANCY_FIELDS["effect"])
    source = effect if isinstance(effect, dict) else data
    parts = []
    if data.get("verdict") != "not-run" and is_number(source.get("estimate")):
        parts.append(fmt_interval(source["estimate"], source.get("interval")))
    if isinstance(effect, dict):
        text = effect.get("summary") or effect.get("description")
        if text:
            parts.append(str(text))
    elif effect is not None:
        parts.append(fmt(effect))
    return "; ".join(parts) or DASH


def discrepancies_section(results: Results, ctx: Context) -> Section:
    section = Section("Discrepancies: paper, official code and packages", anchor="discrepancies")
    records = sorted(results.of("discrepancy"), key=lambda r: sort_key(r.ident))
    if not records:
        section.text("No discrepancy results (results/audit/D*.json): run `python -m checks audit`.")
    rows, notes, filled = [], [], set()
    for record in records:
        d = record.data
        for column, keys in DISCREPANCY_FIELDS.items():
            if column in ("paper", "code") and _first(d, keys[:-1]) is None and d.get(keys[-1]):
                filled.add(keys[-1])
        rerun = _first(d, DISCREPANCY_FIELDS["rerun"])
        basis = d.get("basis")
        rows.append(
            (
                record.ident + (" (new)" if d.get("new") is True else "") + ctx.mark(record),
                fmt(d.get("title")),
                fmt(_first(d, DISCREPANCY_FIELDS["paper"])),
                fmt(_first(d, DISCREPANCY_FIELDS["code"])),
                _variants_cell(_first(d, DISCREPANCY_FIELDS["variants"])),
                _effect(d),
                d["verdict"] + (f" ({basis})" if isinstance(basis, str) and basis else ""),
                Code(rerun) if rerun else DASH,
            )
        )
        parts = []
        for key, label in (
            ("locus", "Stated in"),
            ("criterion", "Criterion"),
            ("interval_method", "Interval"),
            ("reason", "Remarks"),
        ):
            if isinstance(d.get(key), str) and d[key]:
                parts.append(f"{label}: {d[key]}")
        parts.append(f"Described in [docs/discrepancies.md](../docs/discrepancies.md#{record.ident.lower()})")
        line = " ".join(_sentence(p) for p in parts)
        notes.append(f'- <a id="{record.ident.lower()}"></a>**{record.ident}**: {line}')
    if records:
        verdicts = Counter(r.data["verdict"] for r in records)
        section.text(
            f"{len(records)} discrepancies: " + ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())) + "."
        )
        headers = (
            "id",
            "discrepancy",
            "paper says",
            "code does",
            "variants",
            "measured effect",
            "verdict",
            "reproducer",
        )
        extra = []
        if filled:
            extra.append(
                "Where an entry records no paper_says / code_does, the columns show its "
                + " and ".join(sorted(filled))
                + " (the audit's own words)."
            )
        extra.append(
            "Measured effect: estimate [interval] as the audit reports it (method in the notes), then its summary."
        )
        section.table(Table("discrepancies", "Discrepancies", headers, tuple(rows), legend(rows) + tuple(extra)))
    if notes:
        section.lines += ["### Discrepancy notes", "", *notes, ""]
    _audit_detection(results, ctx, section)
    others = sorted(results.of("audit-section"), key=lambda r: r.ident)
    check = results.one("audit-check")
    if others or check is not None:
        lines = []
        for record in others:
            reproducer = record.data.get("reproducer")
            how = f" (`{reproducer}`)" if isinstance(reproducer, str) else ""
            reason = f": {record.data['reason']}" if isinstance(record.data.get("reason"), str) else ""
            lines.append(
                f"- {record.ident}{ctx.mark(record)}: {record.data['status']}{reason}{how}; see {record.path}."
            )
        if check is not None:
            differences = check.data["differences"]
            lines.append(
                f"- behaviour against the committed baseline ({check.path}): "
                + ("matches." if check.data["ok"] and not differences else f"{len(differences)} difference(s).")
            )
        section.lines += ["### Other audit results", "", *lines, ""]
    return section


def _audit_detection(results: Results, ctx: Context, section: Section) -> None:
    record = results.one("audit-detection")
    if record is None:
        return
    d = record.data
    if d["status"] != "ok" or not isinstance(d.get("main"), dict):
        section.text(f"Audit detection table ({record.path}): {d['status']}: {fmt(d.get('reason'))}.")
        return
    rows_in = d["main"]["rows"]
    names = list(dict.fromkeys(r["variant"] for r in rows_in))
    laws = list(dict.fromkeys(r["law"] for r in rows_in))
    by_key = {(r["variant"], r["law"]): r for r in rows_in}

    def cell(r: dict | None) -> str:
        if r is None:
            return DASH
        return f"{fmt(r.get('mean'))} ({fmt(r['detections'])}/{fmt(r['n_seeds'])})"

    rows = tuple((law, *(cell(by_key.get((v, law))) for v in names)) for law in laws)
    size = d["main"]["size"]
    dims = ", ".join(f"{k.upper()} = {size[k]}" for k in ("n", "k", "m") if k in size)
    section.table(
        Table(
            "audit_detection",
            "Audit: value and seeds detected per input and variant",
            ("input", *names),
            rows,
            (
                f"{dims}. Mean value over seeds and, in brackets, the seeds detected at "
                f"α = {fmt(d.get('alpha'), sig=None)} against a Monte Carlo null of the same variant "
                "(Clopper–Pearson intervals in the JSON).",
                ctx.source_note(record),
            ),
        ),
        "Detection table of the audit",
    )
    ctx.figure(section, "report_audit_detection.png")


def _variants_rerun(config: dict) -> str:
    flags = [("n", "--n"), ("k", "--k"), ("m", "--m"), ("seeds", "--seeds"), ("null_reps", "--null-reps")]
    parts = ["python -m checks variants"] + [f"{flag} {config[key]}" for key, flag in flags if key in config]
    if "seed" in config:
        parts.append(f"--seed {config['seed']}")
    return " ".join(parts)


def variants_section(results: Results, ctx: Context) -> Section:
    section = Section("Variants on one seeded battery", anchor="variants")
    record = results.one("variants-table")
    if record is None:
        section.text("No variants table (results/variants.json): run `python -m checks variants`.")
        return section
    d, config = record.data, record.data["config"]
    laws = list(dict.fromkeys(r["law"] for r in d["rows"]))
    names = list(dict.fromkeys(r["variant"] for r in d["rows"]))
    by_key = {(r["variant"], r["law"]): r for r in d["rows"]}
    seeds = config["seeds"]

    def cells(cell) -> tuple:
        return tuple((v, *(cell(by_key[v, law]) if (v, law) in by_key else DASH for law in laws)) for v in names)

    rows = cells(lambda r: f"{fmt(r['ratio_to_null_mean'])} ({fmt(r['detections'])}/{seeds})")
    sizes = ", ".join(f"{key.upper()} = {config[key]}" for key in ("n", "k", "m") if key in config)
    source = ctx.source_note(record)
    section.text(
        f"{sizes}; {seeds} data seeds per law, directions shared by all variants. Rerun: `{_variants_rerun(config)}`."
    )
    section.table(
        Table(
            "variants",
            "Variants: mean value over the exact null mean (seeds detected)",
            ("variant", *laws),
            rows,
            (
                f"Mean value as a ratio to the exact null mean E[EP] = {fmt(d.get('oracle_null_mean'), sig=None)}; "
                f"in brackets the seeds detected at α = {fmt(d['alpha'], sig=None)} against a Monte Carlo null of "
                "the same implementation.",
                source,
            ),
        ),
        "Value over the null mean (detections)",
    )
    ctx.figure(section, "report_variants_detection.png")
    ratio_rows = cells(lambda r: fmt(r["ratio_to_R1"]))
    section.table(
        Table(
            "variants_vs_r1",
            "Variants: value relative to R1 on the same data and directions",
            ("variant", *laws),
            ratio_rows,
            ("Mean over seeds of the ratio to R1 on the same data and directions.", source),
        ),
        "Value relative to R1",
    )
    described = d.get("variants") if isinstance(d.get("variants"), dict) else {}
    bullets = []
    for vid, info in described.items():
        if isinstance(info, dict):
            src = info.get("source") if isinstance(info.get("source"), dict) else {}
            where = ", ".join(str(src[k]) for k in ("origin", "revision", "path") if src.get(k))
            title, returns = info.get("title", DASH), info.get("returns", DASH)
            bullets.append(f"- **{vid}**: {title}; returns {returns}. {_sentence(where or DASH)}")
    if bullets:
        section.lines += [*bullets, ""]
    return section


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
                _sentence(f"Paper Table 6 (C22): {table6.get('status', 'not-run')}: {fmt(table6.get('reason'))}")
            )
    ctx.figure(section, "report_scaling.png")
    quick = " --quick" if dig(d, "config", "quick") else ""
    seed = dig(d, "config", "seed")
    section.text(
        f"CPU: {fmt(d.get('cpu'))}; runtime {fmt(d.get('runtime_s'))} s. "
        f"Rerun: `python -m repro bench{quick}{'' if seed is None else f' --seed {seed}'}`."
    )
    return section


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
