"""The project's exceptions: every user-facing error derives from :class:`StudyError`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StudyError", "ValidationError", "ParameterError", "ModelError", "RunError", "Problem"]


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
    """A notebook run failed."""
