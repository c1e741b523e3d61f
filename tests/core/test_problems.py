"""Input problems in the reader's language: every reason the code can give has a template."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

from trygg.analysis.errors import RowProblem
from trygg.core.problems import TEMPLATES, problem_reason, problem_text

SRC = Path(__file__).resolve().parents[2] / "src" / "trygg"
# Where reasons are written: the analysis layer and the services that add their own.
SOURCES = [
    *sorted((SRC / "analysis").rglob("*.py")),
    *sorted((SRC / "situation" / "services").glob("*.py")),
    *sorted((SRC / "imports" / "services").glob("*.py")),
    *sorted((SRC / "surveys" / "services").glob("*.py")),
    SRC / "crime" / "services.py",
]
# Reasons whose placeholders stand for words, not values: what they expand to.
EXPANDED = {
    "id '{}' also appears on {} {}": [
        "id 'A1' also appears on line 7",
        "id 'A1' also appears on item 7",
    ],
    "unknown area code '{}'{}": [
        "unknown area code '123'",
        "unknown area code '123' (did a spreadsheet drop a leading zero?)",
    ],
}
FIELD = re.compile(r"\{(\w+)\}")
NOT_REASONS = {"polisen.se events"}  # a file name, not a reason


def _text(node) -> str | None:
    """A string literal as written, its placeholders as ``{}``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        return None if left is None or right is None else left + right
    return None


def _reasons_in(tree) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        candidates = []
        if isinstance(node, ast.Call):
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", "")
            candidates += [kw.value for kw in node.keywords if kw.arg == "reason"]
            if name in {"RowProblem", "fail", "bad", "problem"} and len(node.args) >= 2:
                candidates.append(node.args[1])
            is_polars = getattr(getattr(func, "value", None), "id", "") == "pl"
            if name in {"lit", "format"} and is_polars and node.args:
                text = _text(node.args[0])
                if text and " " in text:  # pl.lit also makes column values
                    candidates.append(node.args[0])
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            first, *rest = node.value.elts
            if isinstance(first, ast.Constant) and first.value is None and len(rest) == 1:
                candidates.append(rest[0])  # a parser's (None, reason)
        elif isinstance(node, ast.Lambda):
            candidates.append(node.body)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            named = ast.unparse(target)
            if "why" in named and isinstance(node.value, ast.Dict):
                candidates += node.value.values
            elif "why" in named:
                candidates.append(node.value)
            elif named == "checks" and isinstance(node.value, ast.Tuple):
                # (column, ok, reason) rows
                candidates += [row.elts[2] for row in node.value.elts if len(row.elts) == 3]
        for candidate in candidates:
            text = _text(candidate)
            if text is not None and text not in NOT_REASONS:
                found.add(text)
    return found


def _samples(reason: str) -> list[str]:
    return EXPANDED.get(reason) or [reason.replace("{}", "7")]


def test_the_collector_finds_the_reasons_it_is_meant_to():
    found = set().union(*(_reasons_in(ast.parse(p.read_text())) for p in SOURCES))
    assert "the row has {} fields but the header has {}" in found  # a RowProblem(reason=…)
    assert "'{}' is not a number" in found  # a Polars check
    assert "the year is empty" in found  # a parser's (None, reason)
    assert "the city is empty" in found  # a (column, ok, reason) row
    assert "unknown category '{}'" in found  # a bad(column, reason) call
    assert len(found) > 140


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(SRC).as_posix())
def test_every_reason_in_the_code_has_a_swedish_template(path):
    untranslated = []
    with translation.override("sv"):
        for reason in sorted(_reasons_in(ast.parse(path.read_text()))):
            for sample in _samples(reason):
                if problem_reason(sample) == sample:
                    untranslated.append(sample)
    assert not untranslated, f"add these to trygg.core.problems.TEMPLATES: {untranslated}"


def test_the_values_from_the_file_are_kept_and_the_words_translated():
    with translation.override("sv"):
        assert problem_reason("the row has 5 fields but the header has 4") == (
            "raden har 5 fält men rubrikraden har 4"
        )
        assert problem_reason("unknown area code '2281A0010'; import the areas first") == (
            "okänd områdeskod '2281A0010'; importera områdena först"
        )
        # The more specific template wins over the shorter one it starts with.
        assert problem_reason(
            "unknown area code '123' (did a spreadsheet drop a leading zero?)"
        ) == ("okänd områdeskod '123' (har ett kalkylprogram tagit bort en inledande nolla?)")
        # A value that itself looks like a template field is shown as it was.
        assert problem_reason("'{count}' is not a number") == "'{count}' är inte ett tal"
        assert problem_reason("something new went wrong") == "something new went wrong"
    with translation.override("en"):
        assert problem_reason("the row has 5 fields but the header has 4") == (
            "the row has 5 fields but the header has 4"
        )


def test_a_problem_in_one_line_names_file_line_and_column_in_swedish():
    problem = RowProblem(file="svar.csv", line=12, column="year", reason="the year is empty")
    with translation.override("sv"):
        assert problem_text(problem) == "svar.csv, rad 12, kolumn 'year': årtalet är tomt"
    with translation.override("en"):
        assert problem_text(problem) == "svar.csv, line 12, column 'year': the year is empty"


def test_templates_are_unique_and_translations_keep_their_fields():
    assert len(set(TEMPLATES)) == len(TEMPLATES)
    with translation.override("sv"):
        for template in TEMPLATES:
            translated = translation.gettext(template)
            assert translated != template, template
            assert sorted(FIELD.findall(translated)) == sorted(FIELD.findall(template)), template
