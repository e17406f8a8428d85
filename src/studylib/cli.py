"""The ``studylib`` command line: validate data, list and run the study notebooks.

User errors exit with status 2 and a message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings

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
    from .sources import count_locators  # archived sources: the locators checked, the rows not checked

    print(f"  locators    {count_locators(bundle.tables, bundle.dirs)}")
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


def _cmd_archive_source(args) -> int:
    from .sources import archive_source

    path = archive_source(args.folder, args.source_id, args.file, replace=args.replace)
    print(f"Archived the text of {args.file} as {path}; its SHA-256 is in sources.csv (original_sha256). "
          f"Check the locators with: studylib validate --data {args.folder}")
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
    a = sub.add_parser("archive-source", help="archive a source's text (PDF, HTML or UTF-8 .txt) in a bundle folder")
    a.add_argument("folder", help="your bundle folder (its sources.csv must hold the source's row)")
    a.add_argument("source_id", help="the source's id in sources.csv")
    a.add_argument("file", help="the original file: .pdf (text extracted with pypdf), .html or .txt")
    a.add_argument("--replace", action="store_true", help="replace a text already archived for this source")
    a.set_defaults(func=_cmd_archive_source)
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
