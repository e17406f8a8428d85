"""The project's exceptions and warnings: every user-facing error derives from :class:`StudyError`, every warning
from :class:`StudyWarning`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StudyError", "ValidationError", "ParameterError", "ModelError", "RunError", "Problem", "StudyWarning",
           "DataWarning", "FitWarning"]


class StudyError(Exception):
    """Base class of every error the workbook reports to a user (printed without a traceback)."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a bundle, located by file, line and column."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        col = f" column '{self.column}':" if self.column else ""
        return f"{where}:{col} {self.message}"


class ValidationError(StudyError):
    """A bundle failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the data:\n{lines}")


class ParameterError(StudyError):
    """A notebook or command parameter is unknown or has a bad value."""


class ModelError(StudyError):
    """A model cannot be estimated honestly from the data given."""


class RunError(StudyError):
    """The notebooks cannot be run as asked (e.g. the Dask scheduler named is out of reach).

    A notebook that fails while it runs is not raised: it is a failed :class:`~studylib.RunResult`, kept for
    inspection, so that one failure never stops a batch.
    """


class StudyWarning(UserWarning):
    """Base class of every warning the workbook issues: worth a reader's attention, not an error."""


class DataWarning(StudyWarning):
    """Something in a bundle worth knowing that is not an error (e.g. an unknown column)."""


class FitWarning(StudyWarning):
    """A model was fitted but a reader should know something about it (e.g. few observations)."""
