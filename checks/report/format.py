"""How the report prints things: one number formatter, intervals, and tables as Markdown, LaTeX and CSV.

Every number in REPORT.md and results/tables/ goes through `fmt` (or `fmt_interval`, built on it), so one table
never mixes precisions. The paper's own numbers are printed as given (`fmt(x, sig=None)`), never re-rounded.
The pages beside the JSON (bench, audit) and the audit's effect sentences print numbers in Python's general format
(`style="g"`: trailing zeros dropped, "n/a" for a missing or non-finite value), as they always have.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from dataclasses import dataclass, field

from tabulate import tabulate

SIG = 3  # significant figures of every measured number
DASH = "—"  # no value


def _decimals(x: float, sig: int) -> int | None:
    """Decimal places that show `sig` significant figures of x in fixed notation; None: use an exponent."""
    if x == 0:
        return sig - 1
    rounded = float(f"{x:.{sig - 1}e}")  # 9.996 -> 10.0: count the digits after rounding
    exponent = math.floor(math.log10(abs(rounded)))
    if exponent < -3 or exponent >= 6:
        return None
    return max(0, sig - 1 - exponent)


def _fixed(x: float, decimals: int) -> str:
    text = f"{x:.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text  # no "-0.00"


NA = "n/a"  # no value, in the general style


def fmt(value, sig: int | None = SIG, decimals: int | None = None, style: str = "fixed") -> str:
    """The suite's one number formatter: `sig` significant figures, trailing zeros kept (`style="fixed"`, the
    report's), or Python's general format `{:.{sig}g}` (`style="g"`: trailing zeros dropped, None and non-finite
    floats as "n/a").

    >>> [fmt(1.0512), fmt(93.1667), fmt(0.000123), fmt(2.5e7), fmt(7), fmt(None), fmt(True), fmt(0.0056, sig=None)]
    ['1.05', '93.2', '1.23e-04', '2.50e+07', '7', '—', 'yes', '0.0056']
    >>> [fmt(0.96, style="g"), fmt(1.0021, 4, style="g"), fmt(None, style="g"), fmt(float("nan"), style="g")]
    ['0.96', '1.002', 'n/a', 'n/a']
    """
    if style == "g":
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return NA
        return f"{value:.{sig}g}"
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return {math.inf: "inf", -math.inf: "-inf"}.get(value, "nan")
        if sig is None:  # as given (the paper's numbers)
            return repr(value)
        if decimals is None:
            decimals = _decimals(value, sig)
        return f"{value:.{sig - 1}e}" if decimals is None else _fixed(value, decimals)
    return str(value)


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def fmt_interval(estimate, interval, sig: int = SIG, style: str = "fixed") -> str:
    """`estimate [low, high]`, the bounds with the estimate's decimal places (one precision per cell); in the
    general style (`fmt`'s `style="g"`) each of the three numbers is formatted on its own.

    >>> fmt_interval(1.0512, [1.0149, 1.0871]), fmt_interval(0.0, [0.0, 0.168]), fmt_interval(3.2, None)
    ('1.05 [1.01, 1.09]', '0.000 [0.000, 0.168]', '3.20')
    >>> fmt_interval(1.0021, [0.999, None], 4, style="g"), fmt_interval(0.5, None, style="g")
    ('1.002 [0.999, n/a]', '0.5')
    """
    if style == "g":
        if not interval:
            return fmt(estimate, sig, style=style)
        est, low, high = (fmt(v, sig, style=style) for v in (estimate, *interval))
        return f"{est} [{low}, {high}]"
    if not (isinstance(interval, list | tuple) and len(interval) == 2 and all(is_number(v) for v in interval)):
        return fmt(float(estimate) if is_number(estimate) else estimate, sig)
    low, high = (float(v) for v in interval)
    anchor = float(estimate) if is_number(estimate) and estimate != 0 else max(abs(low), abs(high))
    decimals = _decimals(anchor, sig)
    if decimals is None:
        parts = [fmt(v, sig) for v in (estimate, low, high)]
    else:
        parts = [fmt(float(v), sig, decimals) if is_number(v) else fmt(v, sig) for v in (estimate, low, high)]
    return f"{parts[0]} [{parts[1]}, {parts[2]}]"


def fmt_paper(numbers, limit: int = 3) -> str:
    """The paper's numbers of a claim (a possibly nested dict) as `key: value` pairs, the first `limit` shown.

    >>> fmt_paper({"var_isotropic": 0.0056, "ms": {"512,512,16": 0.465236, "2048,512,16": 1.406441}}, limit=2)
    'var_isotropic: 0.0056; ms.512,512,16: 0.465236 (+1 more)'
    """
    if numbers is None or numbers == {}:
        return DASH
    if not isinstance(numbers, dict):
        return fmt(numbers, sig=None)
    flat: list[tuple[str, object]] = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            flat.append((prefix, value))

    walk("", numbers)
    shown = "; ".join(f"{k}: {fmt(v, sig=None)}" for k, v in flat[:limit])
    return shown + (f" (+{len(flat) - limit} more)" if len(flat) > limit else "")


class Code(str):
    """A cell that is a command: `code` in Markdown, \\texttt in LaTeX, plain in CSV."""


@dataclass(frozen=True)
class Table:
    """One review table: written to results/tables/<name>.{md,tex,csv} and embedded in REPORT.md."""

    name: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = field(default=())


def _md_cell(cell) -> str:
    text = str(cell).replace("\n", " ").replace("|", "\\|")
    return f"`{text}`" if isinstance(cell, Code) else text


def to_markdown(table: Table) -> str:
    """The table (tabulate, GitHub pipes) and its notes, without a title."""
    if not table.rows:
        body = "(no rows)"
    else:
        rows = [[_md_cell(c) for c in row] for row in table.rows]
        headers = [_md_cell(h) for h in table.headers]
        body = tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)
    notes = "".join(f"\n\n{note}" for note in table.notes)
    return body + notes + "\n"


def table_file_markdown(table: Table) -> str:
    return f"# {table.title}\n\n" + to_markdown(table)


# Greek letters that have a LaTeX macro of their own name (φ and ε take the paper's variant forms, below).
_GREEK = "αβγδζηθικλμνξπρστυχψωΓΔΘΛΞΠΣΥΦΨΩ"
_GREEK_NAMES = (
    "alpha beta gamma delta zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau upsilon chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
)
_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "|": r"$|$",  # OT1 fonts print | < > as other glyphs outside math
    "<": r"$<$",
    ">": r"$>$",
    "†": r"\textdagger{}",
    "‡": r"\textdaggerdbl{}",
    "—": "---",
    "–": "--",
    "−": "$-$",
    "±": r"$\pm$",
    "×": r"$\times$",
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "≈": r"$\approx$",
    "≠": r"$\ne$",
    "→": r"$\to$",
    "·": r"$\cdot$",
    "∝": r"$\propto$",
    "∈": r"$\in$",
    "∫": r"$\int$",
    "ᵀ": r"\textsuperscript{T}",
    "∞": r"$\infty$",
    "∂": r"$\partial$",
    "∇": r"$\nabla$",
    "√": r"$\surd$",
    "‖": r"$\|$",
    "…": r"\ldots{}",
    "§": r"\S{}",
    "’": "'",
    "‘": "`",
    "“": "``",
    "”": "''",
    "\u00a0": "~",
    "φ": r"$\varphi$",
    "ε": r"$\varepsilon$",
    **{g: f"$\\{name}$" for g, name in zip(_GREEK, _GREEK_NAMES.split(), strict=True)},
    **{c: rf"\textsuperscript{{{i}}}" for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")},
    **{c: rf"\textsubscript{{{i}}}" for i, c in enumerate("₀₁₂₃₄₅₆₇₈₉")},
}
_ACCENTS = {"\u0301": "'", "\u0300": "`", "\u0308": '"', "\u0302": "^", "\u0303": "~", "\u0327": "c"}
_MATH_ACCENTS = {"\u0304": "bar", "\u0302": "hat", "\u0303": "tilde", "\u0307": "dot"}  # λ̄ -> $\bar{\lambda}$


def _latex_char(ch: str) -> str:
    if ch in _LATEX:
        return _LATEX[ch]
    if ord(ch) < 128:
        return ch
    base, *marks = unicodedata.normalize("NFD", ch)
    if base.isascii() and len(marks) == 1 and marks[0] in _ACCENTS:
        return rf"\{_ACCENTS[marks[0]]}{{{base}}}"
    return f"[U+{ord(ch):04X}]"  # visible, and pdflatex-safe; tests require that nothing we write lands here


def latex_escape(text: str) -> str:
    r"""ASCII LaTeX for any text: specials escaped, the symbols the suite writes mapped to macros (pdflatex
    compiles it with booktabs alone); an unmapped character becomes a visible [U+XXXX], never a silent '?'.

    >>> print(latex_escape("λ̄ = 5% of N_1 † ≤ 2, é, Ω, ☃"))
    $\bar{\lambda}$ = 5\% of N\_1 \textdagger{} $\le$ 2, \'{e}, $\Omega$, [U+2603]
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", str(text)):
        if ch in _MATH_ACCENTS and out:  # a combining accent on the symbol before it
            base = out.pop()
            inner = base[1:-1] if base.startswith("$") and base.endswith("$") else base
            out.append(f"$\\{_MATH_ACCENTS[ch]}{{{inner}}}$")
        else:
            out.append(_latex_char(ch))
    return "".join(out)


def _tex_cell(cell) -> str:
    text = latex_escape(str(cell).replace("\n", " "))
    return rf"\texttt{{{text}}}" if isinstance(cell, Code) else text


def _numeric_column(values: list[str]) -> bool:
    present = [v for v in values if v not in ("", DASH)]
    return bool(present) and all(v[0].isdigit() or (v[0] == "-" and v[1:2].isdigit()) for v in present)


def _column_spec(values: list[str]) -> str:
    """r for numbers, l for short text, a wrapping paragraph column for long text (effects, statements)."""
    if _numeric_column(values):
        return "r"
    return "l" if max((len(v) for v in values), default=0) <= LATEX_WRAP else rf"p{{{LATEX_WIDTH}}}"


LATEX_WRAP = 40  # characters: longer cells wrap in a p{} column instead of running off the page
LATEX_WIDTH = "0.22\\linewidth"


def to_latex(table: Table) -> str:
    """A booktabs tabular (\\toprule, \\midrule, \\bottomrule); numeric columns right-aligned, notes below."""
    columns = list(zip(*table.rows, strict=True)) if table.rows else [() for _ in table.headers]
    spec = "".join(_column_spec([str(v) for v in col]) for col in columns)
    lines = [
        f"% {latex_escape(table.title)}",
        "% Generated by `python -m checks report` from the JSON under results/; needs \\usepackage{booktabs}.",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(latex_escape(h) for h in table.headers) + r" \\",
        r"\midrule",
        *(" & ".join(_tex_cell(c) for c in row) + r" \\" for row in table.rows),
        r"\bottomrule",
        r"\end{tabular}",
    ]
    lines += [rf"\par{{\footnotesize {latex_escape(note)}}}" for note in table.notes]
    return "\n".join(lines) + "\n"


def to_csv(table: Table) -> str:
    """Header and rows as printed (same cells as the Markdown); notes are not data and stay out."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.headers)
    writer.writerows([str(c) for c in row] for row in table.rows)
    return buffer.getvalue()
