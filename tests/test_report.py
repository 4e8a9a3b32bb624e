"""The report (`python -m checks report`) and the one-command reproduction (`python -m checks reproduce`).

Golden files: tests/fixtures/report/results/ is a small hand-written results tree (variants, five claims with all
four verdicts, three discrepancies with the audit's detection, ddp and check files, replication E1/E2/E4 with run
files, a bench file, run.json, a producer's figure, one malformed and one partial claim file, one file no reader
knows); tests/fixtures/report/current.json stands in for the code's claim list and check versions. The expected
REPORT.md and tables under tests/fixtures/report/expected/ were written once by
`python tests/test_report.py --regenerate` and checked by eye; a change to the renderer shows up as a diff there.
"""

from __future__ import annotations

import doctest
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checks import reproduce
from checks.report import build as report
from checks.report import cli as report_cli
from checks.report import context, findings
from checks.report import figures as report_figures
from checks.report import format as report_format
from checks.report import load as report_load
from checks.reproduce import Section
from core import cli
from core.results import REPO_ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "report"
EXPECTED = FIXTURES / "expected"
PNG = b"\x89PNG\r\n\x1a\n"


def _current() -> tuple[dict, dict, list[str]]:
    data = json.loads((FIXTURES / "current.json").read_text(encoding="utf-8"))
    return data["catalog"], data["versions"], data["unresolved"]


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "results"
    shutil.copytree(FIXTURES / "results", root)
    return root


def _render_fixture(root: Path) -> report.Rendered:
    rendered = report.render(report_load.read(root), *_current())
    report.write(rendered, root)
    return rendered


def _run_cli(*argv: str) -> int:
    return cli.run(cli.build_parser("python -m checks", "", [report_cli, reproduce]), list(argv))


# -- Golden files -- #


@pytest.fixture(scope="module")
def rendered_tree(tmp_path_factory) -> Path:
    root = _tree(tmp_path_factory.mktemp("golden"))
    _render_fixture(root)
    return root


def test_report_markdown_matches_golden(rendered_tree):
    # Byte for byte: the report takes commit, device and versions from run.json and current.json, never from
    # this checkout, so the expected file holds on any machine and at any commit.
    assert (rendered_tree / "REPORT.md").read_bytes() == (EXPECTED / "REPORT.md").read_bytes()


def test_report_tables_match_golden_in_every_format(rendered_tree):
    written = sorted(p.name for p in (rendered_tree / "tables").iterdir() if not p.name.startswith("."))
    expected = sorted(p.name for p in (EXPECTED / "tables").iterdir())
    assert written == expected
    for name in expected:
        assert (rendered_tree / "tables" / name).read_bytes() == (EXPECTED / "tables" / name).read_bytes(), name
    # Every table exists in all three formats, and every LaTeX file is a booktabs tabular.
    stems = {Path(n).stem for n in expected}
    assert {f"{s}{x}" for s in stems for x in (".md", ".tex", ".csv")} == set(expected)
    for stem in stems:
        tex = (EXPECTED / "tables" / f"{stem}.tex").read_text(encoding="utf-8")
        assert tex.index(r"\toprule") < tex.index(r"\midrule") < tex.index(r"\bottomrule"), stem


def latex_problems(tex: str) -> list[str]:
    """What would stop pdflatex with booktabs alone (no LaTeX engine on the reference machine, so checked by
    structure): non-ASCII, an unmapped [U+XXXX], unbalanced braces or math, a row with the wrong cell count."""
    import re

    problems = []
    if not tex.isascii():
        problems.append(f"non-ASCII: {sorted({c for c in tex if not c.isascii()})}")
    if "[U+" in tex:
        problems.append("an unmapped character ([U+XXXX])")
    body = re.sub(r"\\[\\{}$&%#_]", "", "\n".join(ln for ln in tex.splitlines() if not ln.startswith("%")))
    if body.count("{") != body.count("}"):
        problems.append(f"braces: {body.count('{')} open, {body.count('}')} close")
    for line in body.splitlines():
        if line.count("$") % 2:
            problems.append(f"odd $ in: {line[:80]}")
    tables = list(re.finditer(r"\\begin\{tabular\}\{((?:[^{}]|\{[^{}]*\})*)\}(.*?)\\end\{tabular\}", tex, re.S))
    if not tables:
        problems.append("no tabular")
    for table in tables:
        columns = len(re.findall(r"[lrcpmb]", re.sub(r"\{[^{}]*\}", "", table.group(1))))
        for row in table.group(2).splitlines():
            cells = len(re.findall(r"(?<!\\)&", row)) + 1
            if row.endswith(r"\\") and cells != columns:
                problems.append(f"{cells} cells for {columns} columns: {row[:60]}")
    return problems


def test_latex_checker_finds_what_pdflatex_would_reject():
    good = "\n".join(
        [
            "\\begin{tabular}{lp{0.2\\linewidth}r}",
            "\\toprule",
            "a & $\\lambda$ \\& b & 1 \\\\",
            "\\bottomrule",
            "\\end{tabular}",
        ]
    )
    assert latex_problems(good) == []
    assert latex_problems(good.replace("1 \\\\", "1 & 2 \\\\"))  # one cell too many
    assert latex_problems(good.replace("$\\lambda$", "λ"))  # non-ASCII
    assert latex_problems(good.replace("$\\lambda$", "$\\lambda"))  # unbalanced math


@pytest.mark.parametrize(
    "path",
    sorted((EXPECTED / "tables").glob("*.tex"))
    + sorted((REPO_ROOT / "results" / "tables").glob("*.tex"))
    + sorted((REPO_ROOT / "results" / "audit").glob("*.tex")),
    ids=lambda p: p.relative_to(REPO_ROOT).as_posix(),
)
def test_latex_outputs_compile_with_pdflatex_and_booktabs(path):
    assert latex_problems(path.read_text(encoding="utf-8")) == []


def test_report_lists_malformed_partial_and_unknown_files_by_path(rendered_tree):
    text = (rendered_tree / "REPORT.md").read_text(encoding="utf-8")
    skipped = text[text.index("## Skipped results") :]
    assert "`claims/C8-knn-kernel-bias.json`: malformed: not JSON" in skipped
    assert "`claims/C6-ridge-bias.json`: partial: missing claim_version, verdict" in skipped
    assert "`notes.json`: not read: no reader for this location" in skipped


def test_report_marks_other_commit_device_and_older_versions(rendered_tree):
    text = (rendered_tree / "REPORT.md").read_text(encoding="utf-8")
    provenance = text[text.index("## Provenance and staleness") : text.index("## Missing data")]
    # C19 was produced at commit bbbbbbb, C22 on cuda (run.json says aaaaaaa on cpu); C3 and D1 are older than
    # the versions current.json gives.
    assert "claims/C19-minibatch-bias.json: † commit bbbbbbb, report aaaaaaa" in provenance
    assert "claims/C22-v100-timing.json: † device cuda, report cpu" in provenance
    assert "claims/C3-core-fifty-lines.json: ‡ check version 1, code 2" in provenance
    assert "audit/D1.json: ‡ check version 1, code 2" in provenance
    # D1 and the detection table keep suite/env inside `run` (as the audit writes them): read, not skipped.
    assert "audit/detection.json" not in text[text.index("## Skipped results") :]
    assert "| C19-minibatch-bias†" in text and "| C3-core-fifty-lines‡" in text and "| D1‡" in text
    assert "C4-linear-cost†" not in text and "C4-linear-cost‡" not in text


def test_report_draws_figures_from_json_and_says_which_are_missing(rendered_tree):
    figures = rendered_tree / "figures"
    drawn = sorted(p.name for p in figures.glob("report_*.png"))
    assert drawn == [
        "report_audit_detection.png",
        "report_scaling.png",
        "report_training_curves_E1_cpu.png",
        "report_variants_detection.png",
    ]
    assert all((figures / name).read_bytes().startswith(PNG) for name in drawn)
    text = (rendered_tree / "REPORT.md").read_text(encoding="utf-8")
    for name in [*drawn, "demo_clouds_2d.png"]:
        assert f"![{name}](figures/{name})" in text
    # The fixture's runs carry no eigenvalues (as the replication writes them today): reported, not faked.
    assert "report_spectra_E1_cpu.png: the runs of replication/E1_cpu.json carry no eigen-spectra" in text


def test_report_spectra_figure_is_drawn_when_runs_carry_eigenvalues(tmp_path):
    root = _tree(tmp_path)
    path = root / "replication" / "runs" / "train__scale=cpu.json"
    run = json.loads(path.read_text(encoding="utf-8"))
    run["eval"]["projector"]["diagnostics"]["eigenvalues"] = [4.0, 2.0, 1.0, 0.5]
    path.write_text(json.dumps(run), encoding="utf-8")
    results = report_load.read(root)
    experiment = next(r for r in results.of("experiment") if r.ident == "E1_cpu")
    runs = {Path(r.path).stem: r for r in results.of("training-run")}
    png, caption = report_figures.spectra(experiment, runs)
    assert png.startswith(PNG) and "E1_cpu" in caption


def test_report_survives_unexpected_shapes_deeper_than_the_key_checks(tmp_path):
    # Shapes found by fuzzing the fixture tree (random deletions and type swaps inside valid files): each once
    # crashed a section or a figure. The report must render them, as dashes or as a "could not" note.
    root = _tree(tmp_path)

    def edit(rel: str, change) -> None:
        path = root / rel
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(json.dumps(data), encoding="utf-8")

    edit("bench.json", lambda d: d.update(sweeps={"N": True, "M": {"sizes": [1, 2], "engine": [3]}}))
    edit("claims/C4-linear-cost.json", lambda d: d.update(discrepancies=7, detail={"axes": 3}))
    edit("claims/C15-bounded-gradient.json", lambda d: d.update(seeds={"suite_seed": {"nested": 1}}))
    edit("replication/E1_cpu.json", lambda d: d["conditions"]["mnist5k/corrected (R1)"].update(linear_probe="n/a"))
    edit("replication/runs/train__scale=cpu.json", lambda d: d.update(eval="x"))
    rendered = report.render(report_load.read(root), *_current())
    text = rendered.markdown
    assert "## Skipped results" in text and "could not be rendered" not in text
    assert "| mnist5k/corrected (R1) | —" in text  # the malformed cell is a dash, the row stays
    # No valid sweep is left for the scaling figure: it is listed as not drawn, with what it needs; the others draw.
    assert "report_scaling.png: no timing sweeps" in text
    assert {"report_training_curves_E1_cpu.png", "report_variants_detection.png"} <= set(rendered.figures)


def test_report_removes_its_stale_outputs_when_data_go_away(tmp_path):
    root = _tree(tmp_path)
    _render_fixture(root)
    assert (root / "tables" / "bench_main.csv").exists() and (root / "figures" / "report_scaling.png").exists()
    (root / "bench.json").unlink()
    (root / "claims" / "C4-linear-cost.json").unlink()
    _render_fixture(root)
    assert not (root / "tables" / "bench_main.csv").exists()
    assert not (root / "figures" / "report_scaling.png").exists()
    assert (root / "figures" / "demo_clouds_2d.png").exists()  # not the report's: never touched


# -- Findings: the first screen of REPORT.md and README.md -- #

# Where each finding's numbers live, written here independently of checks/report/findings.py: for a finding id,
# the result file (a glob under results/) and the strings its sentence must show, read straight from that file.


def _e1_strings(d: dict) -> list[str]:
    ds = "mnist5k" if "mnist5k/listing (V1)" in d["conditions"] else next(iter(d["conditions"])).split("/")[0]
    out = []
    for arm in ("listing (V1)", "corrected (R1)"):
        s = d["conditions"][f"{ds}/{arm}"]["projector_effective_rank"]
        out.append(report_format.fmt_interval(s["mean"], [s["low"], s["high"]]))
    return out


def _estimate_and_verdict(d: dict) -> list[str]:
    return [report_format.fmt_interval(d["estimate"], d["interval"]), f", {d['verdict']})"]


FINDING_SOURCES = {
    "E1": ("replication/E1_*.json", _e1_strings),
    "D1": ("audit/D1.json", _estimate_and_verdict),
    "C15": ("claims/C15-*.json", _estimate_and_verdict),
    "D13": ("audit/D13.json", _estimate_and_verdict),
    "D16": ("audit/D16.json", _estimate_and_verdict),
    "C19": ("claims/C19-*.json", _estimate_and_verdict),
}


def findings_block(text: str) -> list[str]:
    """The numbered findings of a README (between the markers) or a REPORT.md (under "What we found")."""
    if findings.README_START in text:
        text = text.split(findings.README_START, 1)[1].split(findings.README_END, 1)[0]
    else:
        text = text.split("## What we found", 1)[1].split("\n## ", 1)[0]
    return [line for line in text.splitlines() if line[:1].isdigit() and ". " in line[:4]]


def finding_problems(text: str, root: Path) -> list[str]:
    """Every way the findings in `text` disagree with the result files under `root` (empty: they agree)."""
    import re

    problems = []
    for line in findings_block(text):
        ident = re.search(r"\[([A-Z]+[0-9]+)\]\([^)]*\)$", line)
        if ident is None or ident.group(1) not in FINDING_SOURCES:
            problems.append(f"no known result id at the end of: {line[:60]}")
            continue
        pattern, strings = FINDING_SOURCES[ident.group(1)]
        files = sorted(root.glob(pattern))
        if not files:
            problems.append(f"{ident.group(1)}: no {pattern}")
            continue
        data = json.loads(files[0].read_text(encoding="utf-8"))
        problems += [f"{ident.group(1)}: {want!r} not in its sentence" for want in strings(data) if want not in line]
    return problems


def test_findings_agree_with_their_result_files_and_fail_when_one_changes(tmp_path):
    root = _tree(tmp_path)
    rendered = _render_fixture(root)
    assert len(findings_block(rendered.markdown)) >= 4  # the fixture lacks D13 and D16
    assert finding_problems(rendered.markdown, root) == []
    assert finding_problems(rendered.readme_block.join(["<!-- findings:start -->", "<!-- findings:end -->"])
                            .replace("<!-- findings:start -->", findings.README_START)
                            .replace("<!-- findings:end -->", findings.README_END), root) == []  # fmt: skip
    # Negative controls: a result whose number or verdict changed after the text was written is caught.
    d1 = json.loads((root / "audit" / "D1.json").read_text(encoding="utf-8"))
    (root / "audit" / "D1.json").write_text(json.dumps({**d1, "estimate": d1["estimate"] * 1.5}), encoding="utf-8")
    assert [p for p in finding_problems(rendered.markdown, root) if p.startswith("D1:")]
    (root / "audit" / "D1.json").write_text(json.dumps({**d1, "verdict": "refuted"}), encoding="utf-8")
    assert [p for p in finding_problems(rendered.markdown, root) if p.startswith("D1:")]


def test_committed_report_and_readme_show_findings_that_match_results():
    report_text = (REPO_ROOT / "results" / "REPORT.md").read_text(encoding="utf-8")
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    first_screen = "\n".join(report_text.splitlines()[:40])
    assert len(findings_block(first_screen + "\n## ")) >= 5
    assert "figures/report_hero.png" in first_screen
    assert finding_problems(report_text, REPO_ROOT / "results") == []
    assert finding_problems(readme, REPO_ROOT / "results") == []
    # README and report carry the same findings (the README's links point into results/).
    block = findings_block(readme)
    assert [ln.replace("results/REPORT.md#", "#").replace("](docs/", "](../docs/") for ln in block] == (
        findings_block(report_text)
    )


def test_findings_words_follow_the_verdict(tmp_path):
    # The bold lead states what the verdict means; with another verdict the sentence must not keep the old words.
    root = _tree(tmp_path)
    c15 = root / "claims" / "C15-bounded-gradient.json"
    data = json.loads(c15.read_text(encoding="utf-8"))
    c15.write_text(json.dumps({**data, "verdict": "inconclusive"}), encoding="utf-8")
    found, _ = findings.findings(report_load.read(root))
    text = next(f.text for f in found if f.ident == "C15")
    assert "does not hold" not in text and "(C15, inconclusive)" in text


def test_readme_block_is_replaced_between_markers_only():
    start, end = findings.README_START, findings.README_END
    readme = f"# x\n\nbefore\n{start}\nold\n{end}\nafter\n"
    assert report.with_findings(readme, "new\n") == f"# x\n\nbefore\n{start}\nnew\n{end}\nafter\n"
    with pytest.raises(ValueError, match="exactly one"):
        report.with_findings("# no markers\n", "new\n")


# -- Command line, determinism, atomic writes -- #


def test_report_command_reproduces_report_byte_for_byte(tmp_path):
    root = _tree(tmp_path)
    assert _run_cli("report", "--results", str(root)) == 0
    first = (root / "REPORT.md").read_bytes()
    tables = {p.name: p.read_bytes() for p in (root / "tables").iterdir()}
    assert _run_cli("report", "--results", str(root)) == 0
    assert (root / "REPORT.md").read_bytes() == first
    assert {p.name: p.read_bytes() for p in (root / "tables").iterdir()} == tables
    # No temporary file of an atomic write is left behind anywhere.
    assert not [p for p in root.rglob("*.tmp")]
    # The live registry lists every claim: those without a result file are rows too, as not-run.
    assert "| C1-imagenet-vith " in first.decode("utf-8")


def test_report_on_empty_tree_renders_and_says_what_is_missing(tmp_path):
    assert _run_cli("report", "--results", str(tmp_path), "--no-registry") == 0
    text = (tmp_path / "REPORT.md").read_text(encoding="utf-8")
    assert "No valid results/run.json" in text and "No valid results/variants.json" in text


def test_atomic_write_bytes_leaves_target_untouched_on_failure(tmp_path):
    target = tmp_path / "figure.png"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        report.atomic_write_bytes(target, "not bytes")  # fails inside the write, after the temporary exists
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["figure.png"]


# -- Formatting -- #


@pytest.mark.parametrize("module", [report_format])
def test_report_format_doctests_pass(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


@pytest.mark.parametrize(
    ("estimate", "interval", "text"),
    [
        (1.0512, [1.0149, 1.0871], "1.05 [1.01, 1.09]"),  # the style guide's example
        (93.1667, [92.88, 93.45], "93.2 [92.9, 93.5]"),  # bounds at the estimate's decimals
        (-0.0001, [-0.0004, 0.0002], "-1.00e-04 [-4.00e-04, 2.00e-04]"),  # exponent below 1e-3
        (9.996, [9.99, 10.01], "10.0 [10.0, 10.0]"),  # rounding across a power of ten keeps 3 figures
        (None, None, "—"),
        ("inf", None, "inf"),  # claims store non-finite floats as strings
    ],
)
def test_fmt_interval_is_one_precision_per_cell(estimate, interval, text):
    assert report_format.fmt_interval(estimate, interval) == text


# -- Staleness of committed results -- #


def test_committed_results_come_from_current_check_versions():
    # Only results committed to git count (local runs may be older while one works). Current versions come from
    # the claims registry and core.versions (every other producer stamps its files from that table).
    try:
        listed = subprocess.run(
            ["git", "ls-files", "results"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, check=True
        ).stdout.split()
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"git is not available here ({error})")
    committed = {Path(p).relative_to("results").as_posix() for p in listed}
    if not committed:
        pytest.skip("no result is committed under results/")
    records = [r for r in report_load.read(REPO_ROOT / "results").records if r.path in committed]
    _, versions, _ = report.current_versions()
    stale = [f"{r.path} (v{theirs} < v{current})" for r, theirs, current in context.outdated(records, versions)]
    assert not stale, f"committed results from older check versions; rerun them: {stale}"


def test_outdated_finds_older_and_missing_versions():
    results = report_load.read(FIXTURES / "results")
    catalog, versions, _ = _current()
    versions = {**versions, **{f"claim:{k}": v["claim_version"] for k, v in catalog.items()}}
    found = {r.path: (theirs, current) for r, theirs, current in context.outdated(results.records, versions)}
    assert found == {"claims/C3-core-fifty-lines.json": (1, 2), "audit/D1.json": (1, 2)}  # D6, D12: kind's version 1


# -- Reproduce: orchestration on a tiny fake section table -- #


def _py(code: str) -> str:
    return f"python -c {shlex.quote(code)}"


def test_reproduce_records_done_failed_and_timed_out_sections(tmp_path):
    sections = (
        Section("ok", _py("print('hello')"), None, 1, (1, 1), 60),
        Section(
            "fails",
            _py("import sys; print('boom: bad input', file=sys.stderr); sys.exit(3)"),
            None,
            1,
            (1, 1),
            60,
        ),  # fmt: skip
        Section("hangs", _py("import time; time.sleep(60)"), None, 1, (1, 1), 1),
        Section("last", _py("print('after all')"), None, 2, (1, 1), 60, after=("ok", "fails", "hangs")),
    )
    record = reproduce.reproduce(sections, root=tmp_path, progress=False, poll_s=0.05)
    by_name = {s["name"]: s for s in record["sections"]}
    assert [s["name"] for s in record["sections"]] == ["ok", "fails", "hangs", "last"]
    assert by_name["ok"]["status"] == by_name["last"]["status"] == "done"
    assert by_name["fails"]["status"] == "not-run"
    assert by_name["fails"]["reason"] == "failed with exit code 3: boom: bad input"
    assert by_name["hangs"]["reason"].startswith("timed out after 1 s")
    assert all(isinstance(by_name[n]["wall_s"], float) for n in ("ok", "fails", "hangs", "last"))
    on_disk = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert on_disk["sections"] == record["sections"] and on_disk["kind"] == "reproduce-run"
    assert {"commit", "dirty"} <= set(on_disk["suite"]) and "hostname" not in json.dumps(on_disk)
    assert (tmp_path / "logs" / "ok.log").read_text(encoding="utf-8").splitlines()[-1] == "hello"
    # The report reads this run.json as valid (no section of it is skipped).
    assert not report_load.read(tmp_path).skipped


def test_reproduce_runs_two_single_core_sections_at_once(tmp_path):
    # A rendezvous: each section writes its own flag and waits (up to 20 s) for the other's. Run one after the
    # other, the first would time out at 20 s and fail; run together, both pass at once. No timing assumption.
    def meet(mine: str, other: str) -> str:
        return (
            _py(
                "import pathlib, sys, time; d = pathlib.Path(sys.argv[1]); "
                f"(d / '{mine}').touch(); t = time.time()\n"
                f"while not (d / '{other}').exists():\n"
                "    time.sleep(0.02)\n"
                "    if time.time() - t > 20: sys.exit(5)"
            )
            + f" {tmp_path}"
        )

    sections = (
        Section("a", meet("a", "b"), None, 1, (1, 1), 60),
        Section("b", meet("b", "a"), None, 1, (1, 1), 60),
    )
    record = reproduce.reproduce(sections, root=tmp_path, progress=False, poll_s=0.05)
    assert [s["status"] for s in record["sections"]] == ["done", "done"]


def test_reproduce_runs_a_two_core_section_alone(tmp_path):
    # "second" needs both cores, so it may start only once "first" has ended (first's end flag must exist).
    first = _py(f"import pathlib, time; time.sleep(0.3); pathlib.Path({str(tmp_path / 'end')!r}).touch()")
    second = _py(f"import pathlib, sys; sys.exit(0 if pathlib.Path({str(tmp_path / 'end')!r}).exists() else 6)")
    sections = (
        Section("first", first, None, 1, (1, 1), 60),
        Section("second", second, None, 2, (1, 1), 60),
    )
    record = reproduce.reproduce(sections, root=tmp_path, progress=False, poll_s=0.05)
    assert [s["status"] for s in record["sections"]] == ["done", "done"]


def test_reproduce_points_every_section_at_its_results_tree(tmp_path):
    # A section that writes through core.results.RESULTS must land under the run's root (how --quick keeps
    # its smoke results out of results/), whatever the parent's environment says.
    code = "from core.results import RESULTS, atomic_write_text; atomic_write_text(RESULTS / 'probe.txt', 'x')"
    sections = (Section("writes", _py(code), None, 1, (1, 1), 60),)
    record = reproduce.reproduce(sections, root=tmp_path / "tree", progress=False, poll_s=0.05)
    assert record["sections"][0]["status"] == "done"
    assert (tmp_path / "tree" / "probe.txt").read_text(encoding="utf-8") == "x"
    assert reproduce.QUICK_RESULTS != REPO_ROOT / "results"


def test_reproduce_renders_the_run_record_again_once_it_is_final(tmp_path):
    # The report section reads run.json while it runs (it sees itself "running"); it is run once more at the
    # end, so its output describes the finished run (and `python -m checks report` would give the same bytes).
    code = (
        "import json, os, pathlib; root = pathlib.Path(os.environ['SIGREG_RESULTS']); "
        "run = json.loads((root / 'run.json').read_text()); "
        "(root / 'seen.txt').write_text(next(s['status'] for s in run['sections'] if s['name'] == 'render'))"
    )
    sections = (
        Section("work", _py("print('work')"), None, 1, (1, 1), 60),
        Section("render", _py(code), None, 1, (1, 1), 60, after=("work",), renders_run_record=True),
    )
    record = reproduce.reproduce(sections, root=tmp_path, progress=False, poll_s=0.05)
    assert [s["status"] for s in record["sections"]] == ["done", "done"]
    assert (tmp_path / "seen.txt").read_text(encoding="utf-8") == "done"
    assert "again, with run.json final" in (tmp_path / "logs" / "render.log").read_text(encoding="utf-8")


def test_every_result_kind_has_a_current_version():
    # A kind without a current version would make its results unverifiable for staleness.
    _, versions, unresolved = report.current_versions()
    assert not unresolved
    kinds = ("variants-table", "engine-bench", "experiment", "experiment:E5", "training-run", "discrepancy")
    assert all(isinstance(versions.get(k), int) for k in kinds), versions


def test_reproduce_writes_run_json_while_a_section_runs(tmp_path):
    # The section reads run.json during its own run: it must be valid JSON already, saying "running".
    code = (
        "import json, sys; d = json.load(open(sys.argv[1])); "
        "sys.exit(0 if [s['status'] for s in d['sections'] if s['name'] == 'reader'] == ['running'] else 7)"
    )
    sections = (Section("reader", _py(code) + f" {tmp_path / 'run.json'}", None, 1, (1, 1), 60),)
    record = reproduce.reproduce(sections, root=tmp_path, progress=False, poll_s=0.05)
    assert record["sections"][0]["status"] == "done"


def test_reproduce_quick_and_only_keep_other_sections_records(tmp_path):
    sections = (
        Section("one", _py("print(1)"), _py("print('quick')"), 1, (1, 1), 60),
        Section("two", _py("print(2)"), None, 1, (5, 0), 60),
    )
    first = reproduce.reproduce(sections, quick=True, root=tmp_path, progress=False, poll_s=0.05)
    one, two = first["sections"]
    assert one["status"] == "done" and one["command"] == _py("print('quick')") and first["quick"] is True
    assert two["status"] == "not-run" and two["reason"] == "not part of --quick (about 5 s in a full run)"
    second = reproduce.reproduce(sections, only=["two"], root=tmp_path, progress=False, poll_s=0.05)
    assert second["sections"][0] == one  # not selected: the last run's record of it is kept
    assert second["sections"][1]["status"] == "done"


def test_reproduce_rejects_unknown_sections_and_backward_dependencies(tmp_path):
    sections = (Section("one", _py("print(1)"), None, 1, (1, 1), 60),)
    with pytest.raises(ValueError, match="unknown section.*nope; known: one"):
        reproduce.reproduce(sections, only=["nope"], root=tmp_path, progress=False)
    bad = (
        Section("a", _py("1"), None, 1, (1, 1), 60, after=("b",)),
        Section("b", _py("1"), None, 1, (1, 1), 60),
    )
    with pytest.raises(ValueError, match="must come after"):
        reproduce.reproduce(bad, root=tmp_path, progress=False)
    assert not (tmp_path / "run.json").exists()  # bad arguments write nothing


def test_reproduce_section_table_is_complete_and_runnable_as_written():
    # Every section the issue names is in the one table, in order, ending with the report, and each command
    # starts with `python -m <module>` (run with this interpreter).
    names = [s.name for s in reproduce.SECTIONS]
    assert names == [
        "variants",
        "audit",
        "claims-fast",
        "claims-slow",
        "mutate",
        "replication",
        "claims-analogue",
        "demo",
        "bench",
        "bench-gpu",
        "report",
    ]
    assert set(reproduce.SECTIONS[-1].after) == set(names[:-1])
    for s in reproduce.SECTIONS:
        for command in filter(None, (s.command, s.quick)):
            argv = reproduce.argv_of(command)
            assert argv[0] == sys.executable and argv[1] == "-m", command
    # Budgets: the expected times fit 30 min (full) and 5 min (quick) on 2 cores, all sections one after another.
    assert sum(s.expect_s[0] for s in reproduce.SECTIONS if "cpu" in s.tiers) <= 30 * 60
    assert sum(s.expect_s[1] for s in reproduce.SECTIONS if s.quick) <= 5 * 60


def regenerate() -> None:
    """Rewrite the expected files from the renderer (then read them by eye before committing)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = _tree(Path(tmp))
        _render_fixture(root)
        shutil.rmtree(EXPECTED, ignore_errors=True)
        (EXPECTED / "tables").mkdir(parents=True)
        shutil.copy(root / "REPORT.md", EXPECTED / "REPORT.md")
        for path in (root / "tables").iterdir():
            if not path.name.startswith("."):
                shutil.copy(path, EXPECTED / "tables" / path.name)
    print(f"wrote {EXPECTED}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python tests/test_report.py --regenerate")
    regenerate()


def test_reproduce_tier_fills_commands_and_skips_sections_of_other_tiers(tmp_path):
    sections = (
        Section("echo", _py("import sys; print(sys.argv[1])") + " {tier}", None, 1, (1, 1), 60),
        Section("gpu-only", _py("raise SystemExit(1)"), None, 1, (1, 1), 60, tiers=("gpu",)),
    )
    record = reproduce.reproduce(sections, root=tmp_path, progress=False, poll_s=0.05, tier="cpu-full")
    by_name = {s["name"]: s for s in record["sections"]}
    assert by_name["echo"]["status"] == "done" and by_name["echo"]["command"].endswith(" cpu-full")
    assert (tmp_path / "logs" / "echo.log").read_text(encoding="utf-8").splitlines()[-1] == "cpu-full"
    assert by_name["gpu-only"]["status"] == "not-run" and "--tier gpu only" in by_name["gpu-only"]["reason"]
    assert record["tier"] == "cpu-full"
    with pytest.raises(ValueError, match="unknown tier"):
        reproduce.reproduce(sections, root=tmp_path, progress=False, tier="tpu")
