"""Year-over-year change with its test (issue 16 item 5): the survey indices' design-based
t-test, the crime rates' exact conditional test, and both written by a run."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from trygg.analysis.crime import crime_rate_changes, rate_change
from trygg.analysis.pipeline import run_analysis
from trygg.analysis.survey import year_over_year

from .test_pipeline import fast_params, write_inputs

# --- crime: exact test of two Poisson counts with population offsets -------------------


def central_p(x2: int, n: int, p0: float) -> float:
    """The two-sided central p-value, from scipy's one-sided binomial tests."""
    less = stats.binomtest(x2, n, p0, alternative="less").pvalue
    greater = stats.binomtest(x2, n, p0, alternative="greater").pvalue
    return min(1.0, 2 * min(less, greater))


def test_rate_change_against_scipy_with_equal_populations():
    change = rate_change(30, 1000, 50, 1000)
    reference = stats.binomtest(50, 80, 0.5)  # symmetric: central and minlike agree
    assert change.p_value == pytest.approx(reference.pvalue)
    assert change.p_value == pytest.approx(0.03299, abs=1e-5)
    ci = reference.proportion_ci(confidence_level=0.95, method="exact")
    assert change.ratio == pytest.approx(50 / 30)
    assert change.ratio_low == pytest.approx(ci.low / (1 - ci.low))
    assert change.ratio_high == pytest.approx(ci.high / (1 - ci.high))
    assert change.difference == pytest.approx(20.0)
    assert change.significant and not change.suppressed
    assert change.percent == pytest.approx(66.667, abs=1e-3)


def test_rate_change_against_scipy_with_population_offsets():
    # 12 crimes among 2,000 residents, then 20 among 1,500: the rate doubles (6 → 13.3).
    change = rate_change(12, 2000, 20, 1500)
    p0 = 1500 / 3500
    assert change.p_value == pytest.approx(central_p(20, 32, p0))
    ci = stats.binomtest(20, 32, p0).proportion_ci(method="exact")
    odds = 2000 / 1500
    assert change.ratio == pytest.approx((20 / 1500) / (12 / 2000))
    assert change.ratio_low == pytest.approx(ci.low / (1 - ci.low) * odds)
    assert change.ratio_high == pytest.approx(ci.high / (1 - ci.high) * odds)
    assert change.rate_from == pytest.approx(6.0)
    assert change.rate_to == pytest.approx(13.333, abs=1e-3)
    # The same rate with a grown population is no change at all.
    same = rate_change(100, 10_000, 120, 12_000)
    assert same.ratio == pytest.approx(1.0) and same.p_value == pytest.approx(1.0)
    assert not same.significant


def test_rate_change_edges():
    zero = rate_change(0, 1000, 0, 1000)
    assert zero.p_value == 1.0 and not zero.significant and zero.ratio is None
    from_none = rate_change(0, 1000, 9, 1000)
    assert from_none.ratio is None and from_none.ratio_high is None
    assert from_none.ratio_low > 1 and from_none.significant  # 9 vs 0: p = 2·0.5⁹
    assert from_none.p_value == pytest.approx(2 * 0.5**9)
    to_none = rate_change(9, 1000, 0, 1000)
    assert to_none.ratio == 0.0 and to_none.ratio_high < 1 and to_none.significant
    # Too few residents (or none known): suppressed, every figure empty, never significant.
    for thin in (rate_change(5, 10, 30, 12, min_population=50),
                 rate_change(5, None, 30, 1000), rate_change(5, 1000, 30, 0)):  # fmt: skip
        assert thin.suppressed and not thin.significant
        assert thin.p_value is thin.ratio is thin.difference is thin.rate_to is None


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    x1=st.integers(0, 400),
    x2=st.integers(0, 400),
    e1=st.floats(1, 50_000),
    e2=st.floats(1, 50_000),
    min_population=st.sampled_from([1, 50, 500]),
)
def test_rate_change_properties(x1, x2, e1, e2, min_population):
    change = rate_change(x1, e1, x2, e2, min_population=min_population)
    if min(e1, e2) < min_population:
        assert change.suppressed and not change.significant
        assert change.p_value is None and change.ratio_low is None and change.ratio is None
        return
    assert 0.0 <= change.p_value <= 1.0
    if change.ratio is not None:
        assert change.ratio_low is None or change.ratio_low <= change.ratio * (1 + 1e-9)
        assert change.ratio_high is None or change.ratio <= change.ratio_high * (1 + 1e-9)
    # The test and the interval agree: significant exactly when the interval leaves out 1.
    low = change.ratio_low if change.ratio_low is not None else 0.0
    high = change.ratio_high if change.ratio_high is not None else math.inf
    if change.significant:
        assert low > 1 - 1e-9 or high < 1 + 1e-9
    elif x1 + x2 > 0:
        assert low <= 1 + 1e-6 and high >= 1 - 1e-6


def test_crime_rate_changes_sum_categories_not_population():
    rates = pl.DataFrame(
        {
            "area_code": ["a", "a", "a", "a", "b", "b", "b", "b"],
            "year": [2024, 2024, 2025, 2025, 2024, 2024, 2025, 2025],
            "category": ["theft", "violence"] * 4,
            "count": [10, 20, 15, 40, 1, 2, 1, 1],
            "population": [1000.0, 1000.0, 1100.0, 1100.0, 20.0, 20.0, 20.0, 20.0],
        }
    )
    per_area = crime_rate_changes(rates, min_population=50).sort("area_code")
    a = per_area.row(0, named=True)
    expected = rate_change(30, 1000, 55, 1100)
    assert (a["count_from"], a["count_to"]) == (30, 55)
    assert (a["population_from"], a["population_to"]) == (1000.0, 1100.0)
    assert a["p_value"] == pytest.approx(expected.p_value)
    assert a["ratio_low"] == pytest.approx(expected.ratio_low)
    b = per_area.row(1, named=True)
    assert b["suppressed"] and not b["significant"] and b["p_value"] is None
    per_category = crime_rate_changes(rates, by=("area_code", "category"), min_population=50)
    theft = per_category.filter((pl.col("area_code") == "a") & (pl.col("category") == "theft"))
    assert theft["population_from"][0] == 1000.0  # the area's, not summed over categories
    total = crime_rate_changes(rates, by=(), min_population=1)
    assert total["count_from"][0] == 33 and total["population_from"][0] == 1020.0


# --- survey: design-based test of the difference ---------------------------------------


def survey_frame(rows: list[tuple]) -> pl.DataFrame:
    """(area, year, estimate, se, df, suppressed) rows of one index."""
    return pl.DataFrame(
        {
            "level": ["area"] * len(rows),
            "area_code": [r[0] for r in rows],
            "index": ["problem_index"] * len(rows),
            "year": [r[1] for r in rows],
            "direct_estimate": [None if r[5] else r[2] for r in rows],
            "direct_se": [None if r[5] else r[3] for r in rows],
            "df": [float(r[4]) for r in rows],
            "share": [None if r[5] else r[2] / 6 for r in rows],
            "share_se": [None if r[5] else r[3] / 6 for r in rows],
            "suppressed": [r[5] for r in rows],
        },
        schema_overrides={"direct_estimate": pl.Float64, "direct_se": pl.Float64,
                          "share": pl.Float64, "share_se": pl.Float64},
    )  # fmt: skip


def test_year_over_year_known_values():
    frame = survey_frame(
        [("A", 2024, 2.0, 0.2, 30, False), ("A", 2025, 2.5, 0.15, 40, False),
         ("B", 2024, 2.0, 0.1, 30, False), ("B", 2025, 2.5, 0.1, 40, False),
         ("C", 2024, 2.0, 0.1, 30, True), ("C", 2025, 2.5, 0.1, 40, False)]
    )  # fmt: skip
    out = {r["area_code"]: r for r in year_over_year(frame).iter_rows(named=True)}
    a = out["A"]  # SE(diff) = √(0.2² + 0.15²) = 0.25, t = 2 on min(30, 40) df
    assert a["se"] == pytest.approx(0.25) and a["t"] == pytest.approx(2.0)
    assert a["p_value"] == pytest.approx(2 * stats.t.sf(2.0, 30))  # 0.0546: not significant
    assert not a["significant"]
    half = stats.t.ppf(0.975, 30) * 0.25
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((0.5 - half, 0.5 + half))
    assert a["ci_low"] < 0 < a["ci_high"]
    b = out["B"]  # SE 0.141, t 3.54: significant, and the interval leaves out 0
    assert b["significant"] and b["ci_low"] > 0
    c = out["C"]
    assert c["suppressed"] and not c["significant"]
    assert c["difference"] is c["ci_low"] is c["p_value"] is None


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 6),
            st.floats(0.01, 1.5),
            st.integers(1, 200),
            st.booleans(),
            st.floats(0, 6),
            st.floats(0.01, 1.5),
            st.integers(1, 200),
            st.booleans(),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_year_over_year_properties(pairs):
    rows = []
    for i, (e1, s1, d1, sup1, e2, s2, d2, sup2) in enumerate(pairs):
        rows += [(f"A{i}", 2024, e1, s1, d1, sup1), (f"A{i}", 2025, e2, s2, d2, sup2)]
    out = year_over_year(survey_frame(rows)).sort("area_code")
    assert out.height == len(pairs)
    for row, pair in zip(out.iter_rows(named=True), pairs, strict=True):
        if pair[3] or pair[7]:
            assert row["suppressed"] and not row["significant"]
            assert row["difference"] is None and row["ci_low"] is None and row["p_value"] is None
            continue
        assert 0.0 <= row["p_value"] <= 1.0
        assert row["ci_low"] <= row["difference"] <= row["ci_high"]
        # Significant exactly when the interval leaves out zero (same t quantile and df).
        if row["significant"]:
            assert row["ci_low"] > -1e-12 or row["ci_high"] < 1e-12


# --- a run writes both tables and the report has the chapter -----------------------------


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    inputs = write_inputs(tmp_path_factory.mktemp("yoy-inputs"))
    out = tmp_path_factory.mktemp("yoy-runs") / "result"
    results = run_analysis(
        areas=inputs["areas"], crimes=inputs["crimes"], survey=inputs["survey"],
        population=inputs["population"], out=out, params=fast_params(pdf=False),
    )  # fmt: skip
    return results, out, inputs


def test_a_run_writes_the_changes_and_the_report_shows_them(run):
    results, out, _inputs = run
    survey = pl.read_csv(out / "survey_changes.csv", schema_overrides={"area_code": pl.String})
    assert survey.columns[:5] == ["level", "area_code", "index", "year_from", "year_to"]
    assert {"difference", "ci_low", "ci_high", "p_value", "significant", "suppressed"} <= set(
        survey.columns
    )
    assert set(zip(survey["year_from"], survey["year_to"], strict=True)) == {
        (2024, 2025), (2025, 2026)
    }  # fmt: skip
    hidden = survey.filter(pl.col("suppressed"))
    assert hidden["difference"].null_count() == hidden.height  # suppressed: empty
    shown = survey.filter(~pl.col("suppressed"))
    assert (
        (shown["ci_low"] <= shown["difference"]) & (shown["difference"] <= shown["ci_high"])
    ).all()
    crime = pl.read_csv(out / "crime_changes.csv", schema_overrides={"area_code": pl.String})
    assert {"area_code", "category", "ratio", "ratio_low", "ratio_high", "p_value"} <= set(
        crime.columns
    )
    total = crime.filter((pl.col("area_code").fill_null("") == "") & (pl.col("year_to") == 2026))
    assert total.height == 1 and total["category"][0] == "total"
    p = crime["p_value"].drop_nulls()
    assert ((p >= 0) & (p <= 1)).all()
    html = (out / "report.html").read_text(encoding="utf-8")
    chapter = html[html.index('id="changes"') :].split("</section>")[0]
    assert "Förändring sedan föregående år" in chapter
    assert "Trygghetsmätningen 2025–2026" in chapter
    assert "Anmälda brott per 1 000 invånare 2025–2026" in chapter
    verdicts = ("statistiskt säkerställd", "Kan vara slumpen")
    assert any(v in chapter for v in verdicts)
    # Every row that is not suppressed says its verdict in words.
    rows = [r for r in chapter.split("<tr") if "<td" in r]
    assert rows and all(any(v in r for v in (*verdicts, "För få")) for r in rows)
    assert np.isfinite(results.crime_changes["p_value"].drop_nulls().to_numpy()).all()
