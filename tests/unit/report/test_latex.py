"""Booktabs LaTeX of saved tables and the side-by-side regression table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from studylib.analysis.models import fit_model
from studylib.report.latex import LONG_TABLE_ROWS, escape, regression_table, to_latex


def test_escape_every_special_character():
    assert escape("50% & $x_1$ #2 {a} ~ ^ \\") == (r"50\% \& \$x\_1\$ \#2 \{a\} \textasciitilde{} "
                                                   r"\textasciicircum{} \textbackslash{}")
    assert escape("서울 東京") == "서울 東京"


def test_to_latex_is_booktabs_with_caption_label_and_decimals():
    data = pd.DataFrame({"tie_id": ["a_b", "c&d"], "share": [0.5, 0.25], "n": [3, 12], "p_value": [0.0001, 0.2]})
    tex = to_latex(data, caption="Shares (50%)", label="tab:shares")
    assert tex.index(r"\toprule") < tex.index(r"\midrule") < tex.index(r"\bottomrule")
    assert r"\caption{Shares (50\%)}" in tex and r"\label{tab:shares}" in tex
    assert r"\begin{tabular}{lrrr}" in tex
    assert r"a\_b & 0.50 & 3 & 0.0001 \\" in tex and r"c\&d & 0.25 & 12 & 0.200 \\" in tex
    assert r"\hline" not in tex
    fixed = to_latex(data, caption="c", label="l", decimals={"share": 1})
    assert r"a\_b & 0.5 & 3" in fixed


def test_long_tables_break_across_pages():
    data = pd.DataFrame({"x": range(LONG_TABLE_ROWS + 1)})
    tex = to_latex(data, caption="Long", label="tab:long")
    assert r"\begin{longtable}" in tex and r"\end{longtable}" in tex


def test_to_latex_refuses_what_is_not_a_table():
    with pytest.raises(TypeError):
        to_latex([1, 2], caption="c", label="l")


def test_regression_table_puts_models_side_by_side():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"x": rng.normal(size=120), "g": rng.choice(["a", "b"], 120)})
    df["y"] = rng.poisson(np.exp(0.4 * df["x"]))
    small, big = fit_model(df, "y ~ x", "poisson"), fit_model(df, "y ~ x + C(g)", "poisson")
    tex = regression_table([small, big], caption="Counts", label="tab:reg", names=["Base", "Group"])
    assert r" & Base & Group \\" in tex and r"\begin{tabular}{lcc}" in tex
    se = small.tidy().set_index("term").loc["x", "std_error"]
    assert f"({se:.3f})" in tex
    assert r"g: b &  & " in tex  # the term only the second model has, in words
    assert "Reference categories: g = a." in tex and "T.b" not in tex
    assert f"$n$ & 120 & 120" in tex and f"{small.glance()['aic'].iloc[0]:.2f}" in tex
    interval = regression_table([small], caption="c", label="l", interval=True)
    low, high = small.tidy().set_index("term").loc["x", ["conf_low", "conf_high"]]
    assert f"[{low:.3f}, {high:.3f}]" in interval


def test_regression_table_keeps_a_model_that_was_not_estimated():
    from studylib.report.study import ModelReport

    rng = np.random.default_rng(4)
    df = pd.DataFrame({"x": rng.normal(size=60)})
    df["y"] = rng.poisson(2.0, size=60)
    tex = regression_table([fit_model(df, "y ~ x", "poisson"), ModelReport(None, "too few rows", "y ~ x")],
                           caption="c", label="l")
    assert "Poisson & not estimated" in tex
    with pytest.raises(TypeError):
        regression_table([object()], caption="c", label="l")
    with pytest.raises(ValueError):
        regression_table([], caption="c", label="l")


def test_own_decimals_columns_keep_each_value_s_decimals(tmp_path):
    from studylib.report.latex import write_latex, write_regression_table

    data = pd.DataFrame({"value": [4404.0, 99.9], "unit": ["people", "%"]})
    assert r"4404.0 & people" in to_latex(data, caption="c", label="l")
    assert r"4404 & people" in to_latex(data, caption="c", label="l", own_decimals=["value"])
    path = write_latex(data, tmp_path / "t.tex", caption="c", label="l", own_decimals=["value"])
    assert r"99.9 & \%" in path.read_text(encoding="utf-8")
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"x": rng.normal(size=50)})
    df["y"] = rng.poisson(2.0, size=50)
    out = write_regression_table([fit_model(df, "y ~ x", "poisson")], tmp_path / "m" / "models.tex", caption="c",
                                 label="l")
    assert r"\toprule" in out.read_text(encoding="utf-8")


def test_regression_table_never_prints_negative_zero():
    class Tiny:  # a fitted model whose slope rounds to zero from below
        family = "ols"

        def tidy(self):
            return pd.DataFrame({"term": ["Intercept", "x"], "estimate": [1.0, -1e-9], "std_error": [0.1, -0.0],
                                 "conf_low": [0.8, -0.2], "conf_high": [1.2, 0.2]})

        def glance(self):
            return pd.DataFrame([{"n": 10, "loglik": -1.0, "aic": 6.0, "deviance": np.nan}])

    tex = regression_table([Tiny()], caption="c", label="l")
    assert r"x & 0.000 \\" in tex and "(0.000)" in tex and "-0.000" not in tex


def test_a_table_too_long_for_a_paper_gets_no_latex(tmp_path):
    from studylib.report.latex import MAX_LATEX_ROWS, write_latex

    big = pd.DataFrame({"activity_id": [f"a{i}" for i in range(MAX_LATEX_ROWS + 1)], "n": 1})
    assert write_latex(big, tmp_path / "big.tex", caption="big", label="tab:big") is None
    assert not (tmp_path / "big.tex").exists()
    assert write_latex(big.head(3), tmp_path / "small.tex", caption="small", label="tab:small").exists()


def test_a_wide_table_is_a_landscape_longtable_whose_text_wraps():
    """Issue 27: the 17-column activities table ran off the page as a plain tabular."""
    import pandas as pd

    from studylib.report.latex import to_latex

    data = pd.DataFrame({f"c{i}": ["sb-001", "mg-002"] for i in range(12)})
    data["title"] = ["A long description of an exchange programme between two cities", "Another long description"]
    tex = to_latex(data, caption="Activities of the ties", label="tab:a")
    assert r"\begin{landscape}" in tex and r"\begin{longtable}" in tex and r"\end{landscape}" in tex
    assert r"\caption{Activities of the ties}" in tex and r"\endhead" in tex  # header repeated on each page
    spec = tex.split(r"\begin{longtable}{", 1)[1].split("}\n", 1)[0]
    assert spec.startswith("l" * 12) and "p{" in spec  # ids stay whole; the long text wraps
    narrow = to_latex(data.iloc[:, :3], caption="x", label="tab:x")
    assert r"\begin{table}" in narrow and "landscape" not in narrow
