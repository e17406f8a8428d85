"""The ``studylib`` command line: validate data, scaffold a new pair, list and run the study notebooks, package them.

Every subcommand is defined here. Each command imports what it runs (bundle, execute, batch) when it runs, so that
``studylib validate`` starts without the notebook machinery. User errors exit with status 2 and a message, never a
traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ParameterError, RunError, StudyError, ValidationError
from .paths import DATA_DIR
from .report.parameters import WORKBENCH_NOTEBOOKS, check_parameters, list_notebooks, notebook_parameters, parse_value

# studylib.inference.agreement.CODED_VARIABLES, spelled out so that building the parser imports no analysis code
CODED_VARIABLES_TEXT = ("sector,activity_type,direction,stage,actor_type,participant_group,certainty,recurrence,"
                        "participants_qualifier,axis,dimension")

if TYPE_CHECKING:
    import concurrent.futures

    from .runner.render import RunResult

__all__ = ["main", "skip_iri_grammars"]


def _cmd_validate(args) -> int:
    from .bundle.load import load_bundle

    dirs = args.data if args.standalone else [DATA_DIR, *args.data]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bundle = load_bundle(*dirs)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    summary = bundle.summary()
    print("Data folders: " + ", ".join(str(d) for d in bundle.dirs))
    for row in summary.itertuples(index=False):
        loc = "" if row.with_locator != row.with_locator else f", {row.with_locator:.0%} with a locator"
        cited = "" if row.sources_cited != row.sources_cited else f", {int(row.sources_cited)} sources cited"
        print(f"  {row.table:<11} {row.rows:>6} rows{loc}{cited}")
    from .bundle.sources import count_locators  # archived sources: the locators checked, the rows not checked

    print(f"  locators    {count_locators(bundle.tables, bundle.dirs)}")
    print("OK: no problems found.")
    return 0


def _cmd_new_pair(args) -> int:
    from .bundle.scaffold import new_pair, next_commands

    folder = new_pair(args.city_a, args.city_b, into=args.into, xlsx=args.xlsx)
    tie_id = f"{args.city_a}-{args.city_b}"
    print(f"Created {folder} for the tie {tie_id}: fill its tables (see {folder / 'README.md'}), then run:")
    for cmd in next_commands(tie_id, folder):
        print(f"  {cmd}")
    return 0


def _report(results: list[RunResult]) -> int:
    for r in results:
        if r.ok:
            print(f"ok      {r.notebook:<24} {r.slug:<36} {r.seconds:5.1f}s  {r.output_dir}")
        else:
            where = f"  (kept: {r.output_dir})" if str(r.output_dir) not in ("", ".") else ""
            print(f"FAILED  {r.notebook:<24} {r.slug:<36} {r.error}{where}")
    failed = sum(not r.ok for r in results)
    print(f"{len(results) - failed} rendered, {failed} failed")
    for note in dict.fromkeys(r.pdf_note for r in results if r.ok and r.pdf_note):
        print(note)  # once per batch, not once per notebook
    return 1 if failed else 0


def _check_jobs(jobs: int | None) -> None:
    if jobs is not None and jobs < 1:
        raise ParameterError(f"--jobs must be 1 or more, not {jobs}")


def _output_root(out: str | Path | None) -> Path | None:
    """``--out`` as an absolute path (resolved here, in the client, never in a worker), checked to be writable."""
    if out is None:
        return None
    root = Path(out).expanduser().resolve()
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".studylib-write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise RunError(f"--out {out}: cannot write there ({exc.strerror or exc}); choose another folder") from None
    return root


def _cold_kernels(args) -> None:
    """``--cold-kernels``: ordinary kernels for this run; ``--no-pdf``: no report.pdf; ``--no-print-figures``: no
    figures/print/ (environment variables, so pool workers and kernels see them too)."""
    if getattr(args, "cold_kernels", False):
        from .runner.kernels.warm import COLD_ENV

        os.environ[COLD_ENV] = "1"
    if getattr(args, "no_pdf", False):
        from .runner.render import NO_PDF_ENV

        os.environ[NO_PDF_ENV] = "1"
    if getattr(args, "no_print_figures", False):
        from .report.outputs import NO_PRINT_FIGURES_ENV

        os.environ[NO_PRINT_FIGURES_ENV] = "1"


def _cmd_run(args) -> int:
    _cold_kernels(args)
    from .runner.batch import run_batch, summary_dir
    from .runner.execute import run_notebook

    _check_jobs(args.jobs)
    if args.all_ties and args.tie:
        raise ParameterError("--all-ties and --tie contradict each other: give one of them")
    if (args.tie or args.all_ties) and any(name == "tie" for name, _ in args.param):
        raise ParameterError("-p tie contradicts --tie / --all-ties: give the ties one way")
    if args.scheduler and not (args.tie or args.all_ties):
        raise ParameterError("--scheduler runs a batch: give --tie or --all-ties")
    args.data = [str(Path(d).expanduser().resolve()) for d in args.data]  # in the client, before any worker sees them
    args.out = Path(args.out).expanduser().resolve() if args.out else None  # created only once the run is checked
    stem = Path(args.notebook).stem
    if stem in WORKBENCH_NOTEBOOKS:  # interactive: it has no report to render (and no output_dir parameter)
        raise ParameterError(
            f"{stem} is a workbench to use in JupyterLab, not a report to render: start JupyterLab with `make lab` "
            f"and open notebooks/{stem}.ipynb. `studylib run` renders the study notebooks: {', '.join(_reports())}")
    spec = notebook_parameters(args.notebook)
    values = {}
    for name, text in args.param:
        if name not in spec:
            check_parameters(args.notebook, {name: text}, spec=spec)  # raises the clear unknown-name error
        values[name] = parse_value(name, text, spec[name])
    if not (args.tie or args.all_ties):
        return _report([run_notebook(args.notebook, values, data_dirs=args.data, out=args.out)])
    if "tie" not in spec:
        raise ParameterError(f"{args.notebook} has no 'tie' parameter: --tie and --all-ties need one")
    if args.all_ties:
        from .bundle.load import load_bundle

        ties = load_bundle(DATA_DIR, *args.data).tie_ids()
    else:
        ties = list(dict.fromkeys(args.tie))
    args.out = _output_root(args.out)  # a batch writes its summary there even when every tie fails
    executor = _dask_executor(args.scheduler) if args.scheduler else None
    results = run_batch(args.notebook, ties, values, data_dirs=args.data, out=args.out, workers=args.jobs,
                        executor=executor)
    code = _report(results)
    print(f"summary: {summary_dir(args.notebook, values, out=args.out)}")
    return code


def _dask_executor(address: str) -> concurrent.futures.Executor:
    try:
        from dask.distributed import Client
    except ImportError:
        raise RunError("--scheduler needs Dask: pip install 'studylib[dask]'") from None
    try:
        return Client(address, timeout=30).get_executor()
    except OSError as exc:
        raise RunError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _cmd_study(args) -> int:
    _cold_kernels(args)
    from .bundle.load import load_bundle
    from .runner.batch import run_study

    from .report.parameters import check_language

    _check_jobs(args.jobs)
    check_language(args.lang)  # before any kernel: an unknown language fails with the list of languages
    out = _output_root(args.out)
    load_bundle()  # fail fast, before any kernel, if the data are invalid
    return _report(run_study(workers=args.jobs, out=out, lang=args.lang))


def _cmd_list(args) -> int:
    from .bundle.load import load_bundle

    for nb in list_notebooks():
        print(nb)
        for name, spec in notebook_parameters(nb).items():
            print(f"    {name:<14} {spec['inferred_type_name']:<10} default {spec['default']:<40} {spec['help']}")
    bundle = load_bundle()
    print("\nTie ids:")
    for t in bundle.ties.itertuples():
        print(f"    {t.tie_id:<32} {bundle.tie_label(t.tie_id):<34} {t.tie_type}, {t.status}")
    return 0


def _names(text: str | None) -> list[str]:
    return [v.strip() for v in (text or "").split(",") if v.strip()]


def _write_csv_out(frame, path: str, what: str) -> None:
    out = Path(path).expanduser()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(out, index=False)
    except OSError as exc:
        raise StudyError(f"{out}: cannot write ({exc.strerror})") from None
    print(f"Wrote {what} to {out}")


def _listed(ids: list[str], most: int = 12) -> str:
    return ", ".join(ids[:most]) + (f", … ({len(ids) - most} more)" if len(ids) > most else "")


def _cmd_agreement(args) -> int:
    import pandas as pd

    from .inference.agreement import agreement_table, check_variables, coverage, disagreements, load_codings

    ordinal, interval = _names(args.ordinal), _names(args.interval)
    if args.variables is None:  # every coded variable, and the variables given a level
        variables = list(dict.fromkeys([*CODED_VARIABLES_TEXT.split(","), *ordinal, *interval]))
    else:
        variables = _names(args.variables)
    if args.resamples < 1:
        raise StudyError(f"--resamples must be a positive number, not {args.resamples}")
    try:  # an unknown variable is a user's slip here, not a programming error: checked before any folder is read
        check_variables(variables, ordinal=ordinal, interval=interval)
    except ValueError as exc:
        raise StudyError(str(exc)) from None
    units = None if args.units == "none" else (args.units or "auto")
    codings = load_codings(*args.folders, data_dirs=args.data, units=units)
    scope = {}
    for spec in args.scope:  # VAR=SOURCE[,SOURCE]: compare VAR only on the units of those sources
        var, _, wanted = spec.partition("=")
        sources = {s.strip() for s in wanted.split(",") if s.strip()}
        if not var.strip() or not sources:
            raise StudyError(f"--scope {spec!r}: write VARIABLE=SOURCE_ID[,SOURCE_ID...]")
        first = next(iter(codings.values()))
        scope[var.strip()] = list(first.index[first["source_id"].astype(str).isin(sources)])
    try:
        table = agreement_table(codings, variables, ordinal=ordinal, interval=interval, resamples=args.resamples,
                                seed=args.seed, scope=scope)
    except ValueError as exc:  # a --scope naming a variable not compared
        raise StudyError(str(exc)) from None
    coders = ", ".join(codings)
    print(f"Agreement of {len(codings)} coders ({coders}); alpha interval: bootstrap over units, "
          f"{args.resamples} resamples, seed {args.seed}")
    if args.data:
        print("Shared data layered under every coder: " + ", ".join(args.data))
    cover = coverage(codings)
    source = (f"the units fixed in {codings.units_file}" if codings.units is not None
              else "every activity any coder coded")
    every = int((cover["n_coders"] == len(codings)).sum())
    print(f"Units: {len(cover)} ({source}); coded by every coder: {every}; by only some: "
          f"{int(((cover['n_coders'] < len(codings)) & (cover['n_coders'] > 0)).sum())}; by none: "
          f"{int((cover['n_coders'] == 0).sum())}")
    for coder in codings:
        missed = list(cover.loc[cover["missing"].str.split(", ").map(lambda m, c=coder: c in m), "activity_id"])
        if missed:
            print(f"  not coded by {coder} ({len(missed)}): {_listed(missed)}")
    for coder, ids in codings.left_out.items():
        if ids:
            print(f"  coded by {coder} outside the round's units, left out ({len(ids)}): {_listed(ids)}")
    shown = table.drop(columns=["resamples", "seed"] + ([] if len(codings) == 2 else ["kappa"]))
    print()
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(shown.to_string(index=False, float_format=lambda x: f"{x:.3f}", na_rep="-"))
    print("n_units: units with values from two or more coders; n_single: from one coder only (not comparable)."
          + (" kappa: unweighted (nominal), linear (ordinal), quadratic (interval)." if len(codings) == 2 else ""))
    differ = disagreements(codings, variables, interval=interval, scope=scope)
    if len(differ):
        print(f"\n{len(differ)} disagreements to adjudicate:")
        with pd.option_context("display.width", 200, "display.max_colwidth", 40):
            print(differ.to_string(index=False))
    else:
        print("\nNo disagreements.")
    if args.out:
        _write_csv_out(table, args.out, "the per-variable table")
    if args.disagreements:
        sheet = differ.assign(value="", reason="", decided_by="")
        _write_csv_out(sheet, args.disagreements, "the disagreements (fill value, reason, decided_by; then "
                                                   "studylib adjudicate)")
    if args.coverage:
        _write_csv_out(cover, args.coverage, "who coded which unit")
    return 0


def _cmd_adjudicate(args) -> int:
    from .inference.agreement import adjudicate

    final, log, n = adjudicate(args.decisions, base=args.base, out=args.out, data_dirs=args.data)
    print(f"Applied {n} decision{'s' if n != 1 else ''} to {args.base}'s coding: wrote {final} and the log {log} "
          "(each value before and after, the reason, who decided). The coders' folders are unchanged, so the "
          "agreement before adjudication can be computed again.")
    extra = "".join(f" --data {d}" for d in args.data)
    print(f"Check the final data with: studylib validate{extra} --data {Path(args.out)}")
    return 0


def _cmd_archive_source(args) -> int:
    from .bundle.archive import archive_source

    path = archive_source(args.folder, args.source_id, args.file, replace=args.replace)
    print(f"Archived the text of {args.file} as {path}; its SHA-256 is in sources.csv (original_sha256). "
          f"Check the locators with: studylib validate --data {args.folder}")
    return 0


def _cmd_package(args) -> int:
    from .runner.package import build_package

    runs = [p for value in args.runs for p in value.split(",")] or None
    path = build_package(args.out, workers=args.jobs, runs=runs)
    print(f"Wrote {path}")
    return 0


def _reports() -> list[str]:
    """The notebooks ``studylib run`` renders (the workbenches are opened in JupyterLab)."""
    return [nb for nb in list_notebooks() if nb not in WORKBENCH_NOTEBOOKS]


def _run_epilog() -> str:
    workbenches = [nb for nb in list_notebooks() if nb in WORKBENCH_NOTEBOOKS]
    return (
        "notebooks:\n  " + "\n  ".join(_reports())
        + "\n\nworkbenches (open them in JupyterLab with `make lab`; not for `run`):\n  " + "\n  ".join(workbenches)
        + "\n\n`studylib list` shows each notebook's parameters, their defaults and the tie ids.\n"
        "examples:\n"
        "  studylib run pair_profile -p tie surabaya-busan\n"
        "  studylib run compare_pairs -p ties surabaya-busan,medan-gwangju -p end_year 2024\n"
        "  studylib run pair_profile --data data/local/bandung-braunschweig -p tie bandung-braunschweig\n"
        "  studylib run pair_profile --tie surabaya-busan --tie medan-gwangju --jobs 2"
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:  # the installed distribution's version (the command line never imports the package's public face)
        return f"studylib {version('studylib')}"
    except PackageNotFoundError:  # pragma: no cover - run from a source tree that was never installed
        return "studylib (not installed)"


def _cmd_sources_import(args) -> int:
    from .bundle.bibimport import import_sources

    report = import_sources(args.file, args.data)
    for line in report.lines():
        print(line)
    print(f"Wrote {report.path}. Check it with: studylib validate --data {args.data}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studylib", description="Paradiplomacy comparative study workbook.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check a data bundle and print a summary")
    p.add_argument("--data", action="append", default=[], metavar="DIR",
                   help="a researcher's bundle folder, layered over the study's data/ (repeatable)")
    p.add_argument("--standalone", action="store_true",
                   help="check the --data folders on their own, without the study's data/ underneath")
    p.set_defaults(func=_cmd_validate)
    n = sub.add_parser("new-pair", help="scaffold a data folder for a new city pair")
    n.add_argument("city_a", help="first city id (e.g. bandung)")
    n.add_argument("city_b", help="second city id (e.g. suwon)")
    n.add_argument("--into", default=None, metavar="DIR", help="folder to create (default: data/local/<a>-<b>/)")
    n.add_argument("--xlsx", action="store_true", help="write spreadsheet (.xlsx) tables instead of CSV")
    n.set_defaults(func=_cmd_new_pair)
    r = sub.add_parser("run", help="run one notebook with parameters", epilog=_run_epilog(),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("notebook", help="notebook stem (e.g. pair_profile, listed below) or path")
    r.add_argument("-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="set a notebook parameter (repeatable): -p tie surabaya-busan, -p end_year 2024; "
                        "a list is written with commas and no spaces: -p ties surabaya-busan,medan-gwangju")
    r.add_argument("--data", action="append", default=[], metavar="DIR", help="extra bundle folder (repeatable)")
    r.add_argument("--out", default=None, metavar="DIR", help="output root (default: outputs/)")
    r.add_argument("--jobs", type=int, default=None, help="parallel notebooks (default: number of cores)")
    r.add_argument("--tie", action="append", default=[], metavar="TIE", help="batch: one report per tie (repeatable)")
    r.add_argument("--all-ties", action="store_true", help="batch: one report for every tie in the data")
    r.add_argument("--scheduler", default=None, metavar="ADDRESS", help="batch on a Dask cluster (tcp://host:8786)")
    r.add_argument("--cold-kernels", action="store_true", help="start ordinary kernels, not forked warm ones")
    r.add_argument("--no-pdf", action="store_true", help="write no report.pdf (a draft: faster)")
    r.add_argument("--no-print-figures", action="store_true",
                   help="write no figures/print/ (each figure's 300-dpi PNG and PDF for a journal; a draft: faster)")
    r.set_defaults(func=_cmd_run)
    s = sub.add_parser("study", help="render every study notebook with its defaults")
    s.add_argument("--jobs", type=int, default=None, help="parallel notebooks (default: number of cores)")
    s.add_argument("--out", default=None, metavar="DIR", help="output root (default: outputs/)")
    s.add_argument("--cold-kernels", action="store_true", help="start ordinary kernels, not forked warm ones")
    s.add_argument("--no-pdf", action="store_true", help="write no report.pdf (a draft: faster)")
    s.add_argument("--no-print-figures", action="store_true",
                   help="write no figures/print/ (each figure's 300-dpi PNG and PDF for a journal; a draft: faster)")
    s.add_argument("--lang", default="en", metavar="LANG",
                   help="report language: en (English, the default) or id (Bahasa Indonesia); an Indonesian run's "
                        "folder ends in --lang-id, beside the English one")
    s.set_defaults(func=_cmd_study)
    ls = sub.add_parser("list", help="list the notebooks, their parameters and the tie ids")
    ls.set_defaults(func=_cmd_list)
    a = sub.add_parser("agreement", help="inter-coder agreement (Krippendorff's alpha, Cohen's kappa) of codings")
    a.add_argument("folders", nargs="+", metavar="DIR",
                   help="two or more coders' folders, each with an activities.csv (data/ may be one of them), or a "
                        "round folder (units.csv and the coders' folders)")
    a.add_argument("--data", action="append", default=[], metavar="BUNDLE",
                   help="the shared bundle (a pair's folder: sources, ties, cities) layered under every coder "
                        "(repeatable)")
    a.add_argument("--variables", default=None, metavar="VARS",
                   help="comma-separated activity columns to compare (default: every coded column, "
                        f"{CODED_VARIABLES_TEXT}, and any --ordinal/--interval ones)")
    a.add_argument("--scope", action="append", default=[], metavar="VAR=SOURCES",
                   help="compare VAR only on the units of these sources (comma-separated source ids; repeatable), "
                        "e.g. axis=gangnam-glocal")
    a.add_argument("--ordinal", default="", metavar="VARS",
                   help="variables whose vocabulary is ordered (codebook order); the others are nominal")
    a.add_argument("--interval", default="", metavar="VARS",
                   help="numeric variables compared by their differences (e.g. participants)")
    a.add_argument("--units", default=None, metavar="FILE",
                   help="the units fixed in advance (units.csv; default: the round folder's, if any; 'none': "
                        "every activity coded)")
    a.add_argument("--out", default=None, metavar="FILE", help="write the per-variable table as CSV")
    a.add_argument("--disagreements", default=None, metavar="FILE",
                   help="write the disagreements as CSV, with empty value, reason, decided_by columns to adjudicate")
    a.add_argument("--coverage", default=None, metavar="FILE", help="write who coded which unit as CSV")
    a.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples (default: %(default)s)")
    a.add_argument("--seed", type=int, default=20261130, help="bootstrap seed (default: %(default)s)")
    a.set_defaults(func=_cmd_agreement)
    j = sub.add_parser("adjudicate", help="apply adjudicated values to a coder's coding, keeping a log of each decision")
    j.add_argument("decisions", help="CSV: activity_id, variable, value, reason, decided_by (e.g. the "
                                     "--disagreements file of studylib agreement, filled in)")
    j.add_argument("--base", required=True, metavar="DIR", help="the coder's folder whose coding is amended (read only)")
    j.add_argument("--out", required=True, metavar="DIR",
                   help="a new folder for the final activities.csv and adjudication.csv (never overwritten)")
    j.add_argument("--data", action="append", default=[], metavar="BUNDLE",
                   help="the shared bundle layered under the final data (repeatable)")
    j.set_defaults(func=_cmd_adjudicate)
    a = sub.add_parser("archive-source", help="archive a source's text (PDF, HTML or UTF-8 .txt) in a bundle folder")
    a.add_argument("folder", help="your bundle folder (its sources.csv must hold the source's row)")
    a.add_argument("source_id", help="the source's id in sources.csv")
    a.add_argument("file", help="the original file: .pdf (text extracted with pypdf), .html or .txt")
    a.add_argument("--replace", action="store_true", help="replace a text already archived for this source")
    a.set_defaults(func=_cmd_archive_source)
    k = sub.add_parser("package", help="write the replication package (zip), rendering missing or stale runs first")
    k.add_argument("--out", default=None, metavar="FILE.zip",
                   help="the zip to write (default: outputs/replication-package.zip)")
    k.add_argument("--jobs", type=int, default=None, help="parallel notebooks when rendering (default: number of cores)")
    k.add_argument("--runs", action="append", default=[], metavar="NOTEBOOK[/RUN]",
                   help="only these runs (e.g. pair_profile/surabaya-busan, compare_pairs, 'pair_profile/*'; "
                        "repeatable or comma-separated; default: every run in outputs/)")
    k.set_defaults(func=_cmd_package)
    src = sub.add_parser("sources", help="the sources of a data folder (import a Zotero/BibTeX/CSL-JSON export)")
    src_sub = src.add_subparsers(dest="sources_command", required=True)
    imp = src_sub.add_parser("import", help="add or update sources.csv rows from a .bib or CSL-JSON .json file")
    imp.add_argument("file", help="a BibTeX (.bib) or CSL-JSON (.json) export, keyed by citation key")
    imp.add_argument("--data", required=True, metavar="DIR", help="the data folder whose sources.csv to fill")
    imp.set_defaults(func=_cmd_sources_import)
    return parser


#: Exit status when the reader of standard output has gone (``studylib list | head -1``): 128 + SIGPIPE, as a shell
#: reports a command that a closed pipe stopped.
BROKEN_PIPE_STATUS = 141


def skip_iri_grammars() -> None:
    """Keep jsonschema from building its IRI grammars in this process: call before anything imports jsonschema.

    nbformat imports jsonschema, and jsonschema imports ``rfc3987_syntax`` for the ``iri`` string formats, which
    builds about 35 Lark grammars as it loads: 0.75 CPU-seconds of every ``studylib run`` here, for formats that no
    notebook or kernel-message schema uses (python-jsonschema/jsonschema#1428). Marked as not importable, it is
    skipped, and jsonschema leaves those formats unchecked, as it does wherever the optional package is not installed.
    Only the command's own process is changed (kernels, and a user's Python, import as they always do).
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``studylib`` console script."""
    skip_iri_grammars()
    try:
        return _main(argv)
    except BrokenPipeError:  # the reader stopped reading (| head): stop quietly, as other command-line tools do
        # Python would flush stdout again at exit and print "Exception ignored ... BrokenPipeError": point it at
        # devnull first (the idiom of the Python documentation, "Note on SIGPIPE").
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return BROKEN_PIPE_STATUS


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit:  # --help, --version or a usage error: their text must reach the reader before we exit
        sys.stdout.flush()
        raise
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside main, not in the interpreter's exit
        return status
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StudyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
