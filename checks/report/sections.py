"""The sections of REPORT.md on what the paper states: claims, discrepancies (with the audit's detection table) and
the variants table, each built from the records `checks.report.load.read` returns (no statistic is computed here:
numbers are read and printed with `checks.report.format.fmt`)."""

from __future__ import annotations

from collections import Counter

from ..registry import VERDICTS, sort_key
from .context import Context, Section, legend, sentence
from .format import DASH, Code, Table, fmt, fmt_interval, fmt_paper, is_number
from .load import Results


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


def _catalog_claim(claim_id: str, entry: dict, problem: str | None) -> tuple[tuple, tuple, str]:
    """Table row, full row and details note of a claim with no (readable) result file: not run, and why."""
    reason = f"its result file was skipped ({problem})" if problem else entry.get("reason")
    reason = reason or "no result file under results/claims/ and no reason in its module"
    short_ = "result file skipped" if problem else _short_reason(reason)
    row = (claim_id, _paper_cell(entry), f"not run: {short_}", "not-run", entry.get("basis") or DASH)
    full = (claim_id, fmt(entry.get("claim_version")), entry.get("paper") or DASH,
            fmt_paper(entry.get("paper_numbers")), DASH, "not-run", entry.get("basis") or DASH,
            entry.get("tier") or DASH, DASH, DASH, Code(f"python -m checks run {claim_id}"))  # fmt: skip
    parts = [
        entry.get("statement"),
        f"Paper: {entry.get('paper') or DASH}; numbers: {fmt_paper(entry.get('paper_numbers'), limit=99)}",
        f"Not run: {reason}",
        f"Tier {entry.get('tier') or DASH}; rerun: `python -m checks run {claim_id}`",
    ]
    note = f'- <a id="{claim_anchor(claim_id)}"></a>**{claim_id}**: ' + " ".join(sentence(p) for p in parts if p)
    return row, full, note


def _claim_note(claim_id: str, d: dict, rerun: str) -> str:
    """The details note of a claim's result: statement, paper, scale, outcome, interval, tolerance, control."""
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
    return f'- <a id="{claim_anchor(claim_id)}"></a>**{claim_id}** (v{d["claim_version"]}): ' + " ".join(
        sentence(p) for p in parts if p
    )


def claims_section(results: Results, ctx: Context, catalog: dict[str, dict]) -> Section:
    section = Section("Claims: the paper against our outcomes", anchor="claims")
    records = {r.ident: r for r in results.of("claim")}
    skipped = {s.path: s.problem for s in results.skipped}
    ids = sorted(set(records) | set(catalog), key=sort_key)
    rows, full, notes = [], [], []
    for claim_id in ids:
        record = records.get(claim_id)
        if record is None:
            row, full_row, note = _catalog_claim(claim_id, catalog[claim_id], skipped.get(f"claims/{claim_id}.json"))
            rows.append(row)
            full.append(full_row)
            notes.append(note)
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
        notes.append(_claim_note(claim_id, d, rerun))
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
        line = " ".join(sentence(p) for p in parts)
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
            bullets.append(f"- **{vid}**: {title}; returns {returns}. {sentence(where or DASH)}")
    if bullets:
        section.lines += [*bullets, ""]
    return section
