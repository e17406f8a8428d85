"""What the runner hands from one step to the next: a notebook executed in its staging folder (:class:`Executed`,
from :mod:`studylib.runner.execute` to :mod:`studylib.runner.render`) and the outcome of a run (:class:`RunResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

__all__ = ["Executed", "RunResult"]


@dataclass
class RunResult:
    """Outcome of one notebook run."""

    notebook: str
    slug: str
    status: str  # "ok" or "failed"
    output_dir: Path
    seconds: float
    error: str = ""
    parameters: dict = field(default_factory=dict)
    pdf_note: str = ""  # why report.pdf is missing ("" when written or when the run failed)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class Executed:
    """A notebook that has run in its staging folder and waits to be rendered and moved into place."""

    stem: str
    staging: Path
    dest: Path
    status: str
    error: str
    seconds: float
    started: datetime
    checked: dict
    data_files: dict
    sources: object = None  # the bundle's sources table: references.bib lists those the saved tables cite

    @property
    def slug(self) -> str:
        return self.dest.name
