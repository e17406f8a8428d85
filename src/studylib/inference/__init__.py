"""Inference on the coded activity: exact tests of composition, share intervals, and the sensitivity grid.

The unit of analysis is the **coded activity** (one row of ``activities.csv``), not the yearly cells that the
annual-expansion rule generates. Composition questions (sector mix, direction, actor type) are answered on
activity-level tables that include undated activities, with exact tests where the tables are sparse; shares come
with Jeffreys intervals. Results that need a date (yearly count models, metrics over a window) are re-computed
under every variant of the coding assumptions (:func:`sensitivity_grid`), and a result is called robust only when
its conclusion is the same in every variant.

These functions return numbers and tables; the sentences that state a verdict belong in the notebooks. This module
gathers them under one name; each job has its own module: :mod:`studylib.inference.exact_tests` (composition tests, share
intervals), :mod:`studylib.inference.units` (what a result rests on), :mod:`studylib.inference.imputation` (undated
activities' windows and placements), :mod:`studylib.inference.sensitivity` (the grid, its variants and quantities) and
:mod:`studylib.inference.multiverse` (every crossed specification in one vectorised pass, and the one definition of
robust).
"""

from __future__ import annotations

from .exact_tests import (DEFAULT_RESAMPLES, DEFAULT_SEED, EXACT_LIMIT, EXACT_TABLES, IMPLEMENTED, CompositionTest,
                          _exact_rxc, composition_table, composition_test, contrast_test, even_split_test,
                          jeffreys_interval, share_intervals)
from .imputation import impute_undated, possible_years
from .multiverse import (FACTORS, ROBUST_DEFINITION, ROBUSTNESS_RULES, Multiverse, RobustRule, batched_poisson_trend,
                         grid_as_multiverse, multiverse, resolve_variants, robust_definition, robustness,
                         sensitivity_from_multiverse,
                         shipped_variants, variants_touching)
from .sensitivity import (SENSITIVITY_COLUMNS, Variant, assumption_variants, covariate_quantity, lr_quantity,
                          mark_robust, metric_quantity, sensitivity_grid, trend_quantity, variant_activities,
                          variant_bundles, variant_provenance)
# EXACT_LIMIT, EXACT_TABLES, IMPLEMENTED and _exact_rxc are not public, but were importable from here before the split
from .units import frame_origin, model_units

__all__ = [
    "DEFAULT_SEED", "DEFAULT_RESAMPLES", "CompositionTest", "composition_table", "composition_test",
    "share_intervals", "jeffreys_interval", "even_split_test", "contrast_test", "frame_origin", "model_units",
    "possible_years", "impute_undated", "Variant", "assumption_variants", "sensitivity_grid", "trend_quantity",
    "metric_quantity", "lr_quantity", "covariate_quantity", "variant_bundles", "variant_activities", "variant_provenance", "mark_robust",
    "SENSITIVITY_COLUMNS", "FACTORS", "ROBUST_DEFINITION", "robust_definition", "ROBUSTNESS_RULES", "Multiverse", "RobustRule",
    "batched_poisson_trend", "multiverse", "robustness", "sensitivity_from_multiverse", "shipped_variants",
    "variants_touching", "resolve_variants", "grid_as_multiverse",
]
