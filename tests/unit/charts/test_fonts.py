"""Figures draw Hangul, Kana and Kanji with an installed CJK font after the theme's Latin font."""

from __future__ import annotations

import warnings

import matplotlib
import pytest

matplotlib.use("Agg")

from studylib.charts.fonts import cjk_font, use_cjk_fallback  # noqa: E402

needs_cjk = pytest.mark.skipif(cjk_font() is None, reason="no CJK font (apt-get install fonts-noto-cjk)")


@needs_cjk
def test_cjk_text_is_drawn_without_missing_glyphs(tmp_path):
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid")
    latin = list(matplotlib.rcParams["font.family"])
    assert use_cjk_fallback() == cjk_font()
    family = list(matplotlib.rcParams["font.family"])
    assert family == [*latin, cjk_font()]  # the Latin font stays first: Indonesian text looks as before
    use_cjk_fallback()
    assert list(matplotlib.rcParams["font.family"]) == family  # not appended twice
    fig, ax = plt.subplots()
    ax.set_title("서울 東京 とうきょう Kunjungan")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        fig.savefig(tmp_path / "cjk.png")
    plt.close(fig)
