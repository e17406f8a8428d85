"""Model terms in words: patsy's ``C(tie_id)[T.surabaya-busan]:C(sector)[T.education]`` as
"tie: Surabaya–Busan × sector: education", and the reference category each categorical variable is compared with."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..i18n import _, label, name_in_language, reader_text, text_column

__all__ = ["term_label", "reference_levels", "reference_sentence", "labelled_tidy"]

_LEVEL = re.compile(r"^(?P<factor>.+?)\[(?:T\.)?(?P<level>.*)\]$")
_VARIABLE = re.compile(r"^C\(\s*(?P<name>[^,()\s]+)")
NAMES = {"tie_id": "tie", "years_since_start": "years since start"}  # variable names that read better as words


def _variable(factor: str) -> str:
    """``C(tie_id, Treatment('x'))`` -> ``tie_id``; any other factor name as it is."""
    match = _VARIABLE.match(factor.strip())
    return match.group("name") if match else factor.strip()


TERM_CONTEXT = "model term"  # msgctxt of a variable's name in a term ('sector' -> 'sektor')


def _word(variable: str) -> str:
    """A variable's name in words, in the report language (the catalog's entry under :data:`TERM_CONTEXT`)."""
    translated = name_in_language(TERM_CONTEXT, variable)
    return translated if translated != variable else NAMES.get(variable, variable.replace("_", " "))


def _level(variable: str, level, labels: dict | None) -> str:
    """A level in words: ``labels``' display name (a tie's 'Surabaya–Busan'), else its codebook label in the report
    language (:func:`studylib.i18n.label`; in English the value itself)."""
    if labels and level in labels:
        return labels[level]
    return label(variable, level)


def term_label(term: str, labels: dict | None = None) -> str:
    """A patsy term name in words: each ``C(var)[T.level]`` part as "var: level" (``labels`` maps a level to its
    display name, e.g. tie ids to "Surabaya–Busan"), parts of an interaction joined by " × "."""
    if term == "Intercept":
        return _("intercept")
    parts = []
    for part in term.split(":"):
        match = _LEVEL.match(part)
        if match:
            variable = _variable(match.group("factor"))
            parts.append(f"{_word(variable)}: {_level(variable, match.group('level'), labels)}")
        else:
            parts.append(_word(part))
    return " × ".join(parts)


def reference_levels(result) -> dict:
    """``{variable: reference level}`` of each categorical variable of a formula-fitted statsmodels result (the
    level whose row of the treatment contrast is all zeros: patsy's first level in sorted order unless the formula
    names another)."""
    data = getattr(getattr(result, "model", None), "data", None)
    design = getattr(data, "design_info", None) or getattr(data, "model_spec", None)  # statsmodels < / >= 0.15
    if not hasattr(design, "term_codings"):  # not a patsy design (e.g. formulaic's): no reference to name
        return {}
    found = {}
    for codings in design.term_codings.values():
        for sub in codings:
            for factor, contrast in sub.contrast_matrices.items():
                categories = design.factor_infos[factor].categories
                matrix = np.asarray(contrast.matrix)
                if categories is None or matrix.shape[1] != len(categories) - 1:
                    continue  # full-rank coding (no intercept): every level has its own coefficient
                zero = [c for c, row in zip(categories, matrix) if not np.any(row)]
                if len(zero) == 1:
                    found.setdefault(_variable(factor.name()), zero[0])
    return found


def reference_sentence(result, labels: dict | None = None) -> str:
    """"Reference categories: tie = Medan–Gwangju; sector = culture." ("" when the model has no categorical
    variable)."""
    refs = reference_levels(result)
    if not refs:
        return ""
    return _("Reference categories: {categories}.").format(
        categories="; ".join(f"{_word(v)} = {_level(v, str(r), labels)}" for v, r in refs.items()))


def labelled_tidy(tidy: pd.DataFrame, labels: dict | None = None) -> pd.DataFrame:
    """``tidy`` with a ``label`` column (each term in words, see :func:`term_label`) last, so the columns before it
    stay :meth:`ModelResult.tidy`'s."""
    out = tidy.copy()
    # each label in the report language, its English kept for the CSV file
    out["label"] = text_column((reader_text(lambda t=t: term_label(str(t), labels)) for t in out["term"])
                               if "term" in out.columns else [], out.index)
    return out
