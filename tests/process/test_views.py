"""The explorer's view logic needs no widgets: it runs in a plain interpreter that never imports ipywidgets' shell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import studylib as sl

SRC = Path(sl.__file__).resolve().parents[1]


def test_views_need_no_widgets():
    # the view logic runs without the widget module (a script, a test without a browser); seaborn itself may load
    # ipywidgets when it is installed, so that is not what is checked
    code = ("import sys, matplotlib; matplotlib.use('Agg'); import studylib as sl; from studylib.lab.explorer import *; "
            "b = sl.load_bundle(); v = explorer_view(b, sl.expand_activities(b.activities, end_year=2023), "
            "Selection(years=(2000, 2023), ties=('surabaya-busan',))); "
            "assert v.figure is not None; assert 'studylib.lab.widgets' not in sys.modules, 'widgets imported'")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(SRC)})
