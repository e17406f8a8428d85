"""sl.md fills numbers with the report language's decimal and group marks; text values are escaped as before."""

from __future__ import annotations

import pytest

from studylib import i18n
from studylib.report.markdown import md


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


def test_numbers_in_a_template_follow_the_reports_language():
    template = "{n:,} events, p = {p:.3f}, share {s:.1%}, in {year}; *{name}*"
    values = {"n": 1190, "p": 0.9712, "s": 0.125, "year": 2010, "name": "a_b 1.5"}
    assert md(template, **values).data == "1,190 events, p = 0.971, share 12.5%, in 2010; *a\\_b 1.5*"
    i18n.set_language("id")
    assert md(template, **values).data == "1.190 events, p = 0,971, share 12,5%, in 2010; *a\\_b 1.5*"
