"""The bundle: the coded data folder read, typed and validated against the codebook.

:mod:`.load` reads a bundle (``load_bundle``) and checks it (``validate_bundle``); :mod:`.read` and
:mod:`.read_arrow` read one CSV (the careful path and the fast one); :mod:`.validate` holds the column checks,
:mod:`.codebook` the schema (``codebook.yaml``), :mod:`.dates` the EDTF dates, :mod:`.sources` the archived source
texts and their locators, :mod:`.archive` the tool that archives a source; :mod:`.scaffold` makes a new pair's
folder and :mod:`.handover` passes a validated bundle from the runner to the kernel.
"""

from .codebook import load_codebook
from .load import Bundle, ValidationResult, load_bundle, validate_bundle

__all__ = ["Bundle", "ValidationResult", "load_bundle", "validate_bundle", "load_codebook"]
