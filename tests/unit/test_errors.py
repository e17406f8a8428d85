"""The error model: one base class for user errors, one for warnings, and the runner's list of user errors."""

from __future__ import annotations

import ast
import importlib
import warnings

import pytest
import statsmodels.tools.sm_exceptions as sm_exceptions

import studylib
from bundles import base_rows, write_bundle
from studylib import DataWarning, FitWarning, StudyError, StudyWarning, load_bundle
from studylib.paths import PROJECT_ROOT
from studylib.runner.execute import USER_ERRORS, _error_text


def test_data_and_fit_warnings_share_one_base_and_no_statsmodels_name():
    for warning in (DataWarning, FitWarning):
        assert issubclass(warning, StudyWarning) and issubclass(StudyWarning, UserWarning)
        assert not issubclass(warning, sm_exceptions.ModelWarning)
        assert not hasattr(sm_exceptions, warning.__name__)
    assert not hasattr(studylib, "ModelWarning")


def test_one_filter_on_the_base_class_catches_a_data_warning(tmp_path):
    rows = base_rows()
    for r in rows["activities"]:
        r["mood"] = "happy"
    with pytest.warns(StudyWarning, match="unknown column"):
        load_bundle(write_bundle(tmp_path / "b", rows))


def test_a_user_error_in_a_notebook_is_reported_without_a_traceback_hint():
    assert all(isinstance(error, type) and issubclass(error, StudyError) for error in USER_ERRORS)

    class KernelError(Exception):  # what papermill raises for an exception in a notebook cell
        def __init__(self, ename, evalue):
            self.ename, self.evalue = ename, evalue

    assert _error_text(KernelError("ParameterError", "no tie 'x'")) == "ParameterError: no tie 'x'"
    assert _error_text(KernelError("KeyError", "'x'")) == "KeyError: 'x' (see the failed notebook for the traceback)"


def test_every_module_declares_all_and_defines_what_it_lists():
    for path in sorted((PROJECT_ROOT / "src" / "studylib").glob("*.py")):
        if path.name == "__main__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        declared = [node for node in tree.body if isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)]
        assert declared, f"{path.name} declares no __all__"
        if path.name == "__init__.py":
            continue  # re-exports, some loaded on first use: checked by importing below
        defined = {t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                   for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)}
        defined |= {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        defined |= {(a.asname or a.name) for node in tree.body if isinstance(node, ast.ImportFrom) for a in node.names}
        listed = ast.literal_eval(declared[0].value)
        missing = set(listed) - defined
        if missing and "__getattr__" in defined:  # names the module serves on first use must really be served
            module = importlib.import_module(f"studylib.{path.stem}")
            missing = {name for name in missing if not hasattr(module, name)}
        assert not missing, f"{path.name} lists undefined {missing}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in studylib.__all__:
            assert getattr(studylib, name) is not None, name
