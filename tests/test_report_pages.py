"""The pages beside the JSON (checks/report/pages): the report writes each from its producer's records, byte for byte
the committed page, wherever the producer put the records; a page that does not render is named, not fatal."""

from __future__ import annotations

import argparse
import math
import shutil
from pathlib import Path

import pytest

from checks.report import cli as report_cli
from checks.report import format as report_format
from checks.report.pages import write_pages
from core.results import REPO_ROOT

RESULTS = REPO_ROOT / "results"
#: Each moved page family: its committed page, rebuilt from the JSON beside it.
PAGES = (
    "bench.md",
    "variants.md",
    *(f"replication/E{n}_cpu.md" for n in (1, 2, 3, 4, 5, 6, 7, 8)),
    "audit/discrepancies.md",
    "audit/discrepancies.tex",
)


def _records(root: Path) -> Path:
    """Only the JSON records of the committed results (no page, no figure) under `root`."""
    for path in RESULTS.rglob("*.json"):
        relative = path.relative_to(RESULTS)
        if relative.parts[0] in ("claims", "tables", "figures") or relative.parts[:2] == ("replication", "runs"):
            continue
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, root / relative)
    return root


def test_pages_only_rebuilds_every_committed_page_from_its_json(tmp_path):
    root = _records(tmp_path / "results")
    assert not [p for p in root.rglob("*") if p.suffix in (".md", ".tex")]
    assert report_cli.main(argparse.Namespace(results=root, pages_only=True)) == 0
    for page in PAGES:
        assert (root / page).read_bytes() == (RESULTS / page).read_bytes(), page
    not_run = root / "replication" / "E9_cpu.json"
    not_run.write_text('{"experiment": "E9", "scale": "cpu", "status": "not-run", "reason": "test"}')
    write_pages(root)
    assert not not_run.with_suffix(".md").exists()  # a record without conditions has no page


def test_pages_are_found_where_a_producer_wrote_with_out(tmp_path):
    # `python -m checks audit --out DIR` and `python -m repro replicate --out DIR` leave their records in DIR itself.
    for path in [*(RESULTS / "audit").glob("*.json"), RESULTS / "replication" / "E1_cpu.json"]:
        shutil.copy(path, tmp_path / path.name)
    written = {p.name for p in write_pages(tmp_path)}
    assert written == {"discrepancies.md", "discrepancies.tex", "E1_cpu.md"}
    assert (tmp_path / "E1_cpu.md").read_bytes() == (RESULTS / "replication" / "E1_cpu.md").read_bytes()


def test_a_page_that_does_not_render_is_named_and_the_others_are_written(tmp_path, capsys):
    shutil.copy(RESULTS / "variants.json", tmp_path / "variants.json")
    (tmp_path / "bench.json").write_text("{}")
    assert [p.name for p in write_pages(tmp_path)] == ["variants.md"]
    assert "bench.md not written" in capsys.readouterr().err and not (tmp_path / "bench.md").exists()


@pytest.mark.parametrize("value", [0.96, 1.0021, 12345.0, 1e-5, 3, -0.5, None, math.nan, math.inf])
@pytest.mark.parametrize("sig", [2, 3, 4])
def test_general_style_is_pythons_g_with_na_for_missing(value, sig):
    # The style the pages and the audit's sentences always printed: `{:.{sig}g}`, "n/a" for None and non-finite.
    expected = "n/a" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:.{sig}g}"
    assert report_format.fmt(value, sig, style="g") == expected
