"""What runs inside the kernel: :class:`~studylib.report.study.StudyRun` (``sl.open_study``) and what it writes.

:mod:`.study` is the notebook's door; :mod:`.parameters` reads and checks a notebook's parameters; :mod:`.sections`
writes the report's standard sections; :mod:`.tables` and :mod:`.markdown` show tables and text; :mod:`.outputs`
writes the files of a run (the file contract with the runner); :mod:`.latex` and :mod:`.references` the LaTeX
tables and the bibliography.
"""
