"""The ``studylib`` command line: validate data, list and run the study notebooks.

User errors exit with status 2 and a message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from .errors import StudyError, ValidationError

__all__ = ["main"]


def _cmd_validate(args) -> int:
    from .bundle import load_bundle

    from .paths import DATA_DIR

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
    print("OK: no problems found.")
    return 0


def _cmd_new_pair(args) -> int:
    from .scaffold import new_pair, next_commands

    folder = new_pair(args.city_a, args.city_b, into=args.into, xlsx=args.xlsx)
    tie_id = f"{args.city_a}-{args.city_b}"
    print(f"Created {folder} for the tie {tie_id}: fill its tables (see {folder / 'README.md'}), then run:")
    for cmd in next_commands(tie_id, folder):
        print(f"  {cmd}")
    return 0


def _cmd_agreement(args) -> int:
    import pandas as pd

    from .agreement import agreement_table, disagreements, load_codings

    variables = [v.strip() for v in args.variables.split(",") if v.strip()]
    ordinal = [v.strip() for v in args.ordinal.split(",") if v.strip()]
    if args.resamples < 1:
        raise StudyError(f"--resamples must be a positive number, not {args.resamples}")
    codings = load_codings(*args.folders)
    try:
        table = agreement_table(codings, variables, ordinal=ordinal, resamples=args.resamples, seed=args.seed)
    except ValueError as exc:  # an unknown variable is a user's slip here, not a programming error
        raise StudyError(str(exc)) from None
    coders = ", ".join(codings)
    print(f"Agreement of {len(codings)} coders ({coders}); alpha interval: bootstrap over units, "
          f"{args.resamples} resamples, seed {args.seed}")
    shown = table.drop(columns=["resamples", "seed"] + ([] if len(codings) == 2 else ["kappa"]))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(shown.to_string(index=False, float_format=lambda x: f"{x:.3f}", na_rep="-"))
    differ = disagreements(codings, variables)
    if len(differ):
        print(f"\n{len(differ)} disagreements to adjudicate:")
        with pd.option_context("display.width", 200, "display.max_colwidth", 40):
            print(differ.to_string(index=False))
    else:
        print("\nNo disagreements.")
    if args.out:
        out = Path(args.out).expanduser()
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(out, index=False)
        except OSError as exc:
            raise StudyError(f"{out}: cannot write ({exc.strerror})") from None
        print(f"Wrote {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studylib", description="Paradiplomacy comparative study workbook.")
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
    a = sub.add_parser("agreement", help="inter-coder agreement (Krippendorff's alpha, Cohen's kappa) of codings")
    a.add_argument("folders", nargs="+", metavar="DIR",
                   help="two or more coders' folders, each with an activities.csv (data/ may be one of them)")
    a.add_argument("--variables", default="sector,activity_type,direction,stage,actor_type",
                   help="comma-separated activity columns to compare (default: %(default)s)")
    a.add_argument("--ordinal", default="", metavar="VARS",
                   help="variables whose vocabulary is ordered (codebook order); the others are nominal")
    a.add_argument("--out", default=None, metavar="FILE", help="write the per-variable table as CSV")
    a.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples (default: %(default)s)")
    a.add_argument("--seed", type=int, default=20261130, help="bootstrap seed (default: %(default)s)")
    a.set_defaults(func=_cmd_agreement)
    try:
        from .runner import add_run_commands
    except ImportError:  # pragma: no cover - runner not present yet
        pass
    else:
        add_run_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``studylib`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
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
