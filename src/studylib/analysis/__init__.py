"""Descriptive analysis of a bundle: the panel of events, the metrics of a tie, compositions, count models.

:mod:`.panel` builds the events (one per activity, or per year under annual expansion) and the tie-year panel;
:mod:`.metrics` the window metrics; :mod:`.compose` and :mod:`.select` compositions and selections; :mod:`.models`
and :mod:`.model_results` the count models and their results; :mod:`.terms` their terms in words. The public names
are re-exported by :mod:`studylib`; nothing is imported here so that loading one module stays light.
"""
