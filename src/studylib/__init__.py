"""studylib: the helper library behind the paradiplomacy comparative study workbook.

Data flows one way: bundle -> validated tables -> panel -> models / charts -> outputs. Light names are imported
at once; the plotting, modelling and running names load on first use so that ``studylib validate`` starts fast.
"""

from importlib import import_module

from .bundle import Bundle, ValidationResult, load_bundle, load_codebook, validate_bundle
from .errors import (DataWarning, FitWarning, ModelError, ParameterError, RunError, StudyError, StudyWarning,
                     ValidationError)
from .paths import DATA_DIR, NOTEBOOKS_DIR, OUTPUTS_DIR, PROJECT_ROOT

__version__ = "0.1.0"

_LAZY = {
    "i18n": ["LANGUAGES", "set_language", "get_language", "gettext", "ngettext", "phrasebook", "format_number",
             "format_date", "label", "text_column", "upper_first"],
    "analysis.panel": ["add_frames", "expand_activities", "activity_panel", "observation_windows", "window_opens", "EXPANSION_RULE"],
    "analysis.metrics": ["METRIC_DEFINITIONS", "shares", "sector_counts", "shannon_evenness", "hhi", "reciprocity",
                "institutionalisation", "continuity", "people_exchanged", "axis_balance", "tie_metrics",
                "compare_metrics", "window_start", "metrics_long", "common_levels", "culture_profile",
                "axis_balance_by_stage", "metric_definitions", "no_events_reason", "ties_left_out",
                "descriptive_shares", "DESCRIPTIVE_BASIS"],
    "analysis.select": ["ties_of", "city_indicators", "tension_years", "display_labels"],
    "analysis.compose": ["composition"],
    "bundle.codebook": ["axis_mapping_table"],
    "bundle.dates": ["year_window", "parse_date", "is_uncertain"],
    "analysis.models": ["fit_model", "choose_count_family", "overdispersion", "lr_test", "ModelResult", "LRTest"],
    "report.study": ["StudyRun", "ModelReport", "open_study"],
    "inference": ["composition_table", "composition_test", "share_intervals", "jeffreys_interval", "even_split_test",
                  "contrast_test", "frame_origin", "model_units", "possible_years", "impute_undated",
                  "assumption_variants", "sensitivity_grid", "trend_quantity", "metric_quantity", "lr_quantity",
                  "covariate_quantity", "variant_bundles", "variant_activities", "variant_provenance", "mark_robust",
                  "CompositionTest", "Variant", "multiverse", "Multiverse", "robustness", "batched_poisson_trend",
                  "sensitivity_from_multiverse", "shipped_variants", "variants_touching", "ROBUST_DEFINITION",
                  "robust_definition", "ROBUSTNESS_RULES", "resolve_variants", "grid_as_multiverse",
                  "axis_claim_multiverse", "interaction_lr", "batched_poisson_covariate"],
    "charts.inference": ["share_interval_chart"],
    "charts.multiverse": ["specification_curve"],
    "inference.agreement": ["krippendorff_alpha", "alpha_interval", "cohen_kappa", "load_codings", "agreement_table",
                  "disagreements"],
    "report.latex": ["to_latex", "regression_table"],
    "runner.package": ["build_package"],
    "report.tables": ["Table"],
    "report.markdown": ["md", "md_escape"],
    "analysis.terms": ["term_label", "reference_levels", "reference_sentence", "labelled_tidy"],
    "runner.execute": ["run_notebook"],
    "runner.batch": ["run_many", "run_batch", "run_study"],
    "runner.render": ["RunResult", "export_html"],
    "bundle.scaffold": ["new_pair"],
    "report.parameters": ["check_parameters", "notebook_parameters", "list_notebooks"],
    "lab.widgets": ["Explorer", "explore"],
    "bundle.archive": ["archive_source"],
    "lab.workbench": ["CodingSession", "CodingWorkbench", "code_sources"],
}
_WHERE = {name: module for module, names in _LAZY.items() for name in names}

__all__ = [
    "Bundle", "ValidationResult", "load_bundle", "validate_bundle", "load_codebook",
    "StudyError", "ValidationError", "ParameterError", "ModelError", "RunError",
    "StudyWarning", "DataWarning", "FitWarning",
    "DATA_DIR", "NOTEBOOKS_DIR", "OUTPUTS_DIR", "PROJECT_ROOT", "charts", "network",
    *_WHERE,
]


def __getattr__(name):
    if name in ("charts", "network"):
        return import_module(f".{name}", __name__)
    if name in _WHERE:
        value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'studylib' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
