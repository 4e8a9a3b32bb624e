"""The pages beside the JSON: one module per page family, each rendering a producer's records into the Markdown (and
LaTeX) page that sits next to them. The producers write JSON only; `python -m checks report` writes these pages
(`--pages-only`: these pages alone, without REPORT.md).

- bench: bench.md and bench_cuda.md from bench.json and bench_cuda.json (`python -m repro bench`);
- variants: variants.md from variants.json (`python -m checks variants`);
- experiments: replication/E<n>_<scale>.md from E<n>_<scale>.json (`python -m repro replicate`, `python -m repro
  demo` for E5);
- discrepancies: audit/discrepancies.md and .tex from audit/*.json (`python -m checks audit`).

The experiments' and the audit's records are looked for in their folder of the results tree (replication/, audit/)
and in the tree itself, where a producer run with `--out DIR` leaves them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from core.results import atomic_write_text

from . import bench, discrepancies, experiments, variants


@dataclass(frozen=True)
class Page:
    """One page to write: `target`, rendered by `render()` from the records named by `source` (None: no page)."""

    target: Path
    source: str
    render: Callable[[], str | None]


def _from_json(source: Path, render: Callable[[dict], str | None]) -> Page:
    """The page <source>.md rendered from the one JSON record `source`."""
    return Page(source.with_suffix(".md"), str(source), lambda: render(json.loads(source.read_text(encoding="utf-8"))))


def pages(root: Path) -> Iterator[Page]:
    """Every page the records under the results tree `root` call for, family by family. Records that may come from
    a producer's `--out DIR` (the experiments', the audit's) are looked for in `root` itself and in their folder."""
    root = Path(root)
    for name, render in bench.PAGES.items():
        if (root / f"{name}.json").is_file():
            yield _from_json(root / f"{name}.json", render)
    if (root / "variants.json").is_file():
        yield _from_json(root / "variants.json", variants.render_markdown)
    for folder in (root, root / "replication"):
        for source in sorted(folder.glob("E*_*.json")):
            yield _from_json(source, experiments.render_markdown)
    for folder in (root, root / "audit"):
        yield Page(folder / "discrepancies.md", str(folder / "*.json"), partial(discrepancies.markdown_page, folder))
        yield Page(folder / "discrepancies.tex", str(folder / "*.json"), partial(discrepancies.latex_page, folder))


def write_pages(root: Path) -> list[Path]:
    """Render every page the records under `root` call for and write it; return the pages written. A page whose
    records do not load or render is named on stderr and left as it was: the rest of the report still stands."""
    written = []
    for page in pages(root):
        try:
            text = page.render()
        except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
            print(
                f"{page.target.name} not written: {page.source} did not render ({type(error).__name__}: {error})",
                file=sys.stderr,
            )
            continue
        if text is not None:
            atomic_write_text(page.target, text)
            written.append(page.target)
    return written
