"""studylib: the helper library behind the paradiplomacy comparative study workbook."""

from .bundle import Bundle, load_bundle, validate_bundle
from .codebook import load_codebook
from .errors import ModelError, ParameterError, RunError, StudyError, ValidationError
from .paths import DATA_DIR, NOTEBOOKS_DIR, OUTPUTS_DIR, PROJECT_ROOT

__version__ = "0.1.0"

__all__ = [
    "Bundle", "load_bundle", "validate_bundle", "load_codebook",
    "StudyError", "ValidationError", "ParameterError", "ModelError", "RunError",
    "DATA_DIR", "NOTEBOOKS_DIR", "OUTPUTS_DIR", "PROJECT_ROOT",
]
