"""A tiny valid bundle, written to a folder, that tests break one cell at a time; typed rows built in memory."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pandas as pd

from studylib.bundle.dates import window_columns
from studylib.paths import DATA_DIR

HEADERS = {
    "sources": ["source_id", "citation", "source_type", "reliability", "url_or_doi", "language"],
    "cities": ["city_id", "name", "name_local", "country", "level", "parent_id", "lat", "lon"],
    "ties": ["tie_id", "city_a", "city_b", "tie_type", "signed", "status", "source_id", "note"],
    "activities": ["activity_id", "tie_id", "actor", "title", "sector", "activity_type", "start", "end",
                   "recurrence", "until", "direction", "participants", "participant_group", "institution",
                   "source_id", "locator", "certainty"],
    "indicators": ["entity_id", "entity_type", "indicator", "value", "unit", "year", "target", "source_id", "locator"],
}


def base_rows() -> dict[str, list[dict]]:
    """Rows of a minimal valid bundle: two cities, one tie, four activities, one indicator."""
    return {
        "sources": [{"source_id": "src1", "citation": "Test source", "source_type": "journal_article",
                     "reliability": "peer_reviewed", "url_or_doi": "", "language": "en"}],
        "cities": [
            {"city_id": "alpha", "name": "Alpha", "name_local": "", "country": "ID", "level": "city",
             "parent_id": "", "lat": "", "lon": ""},
            {"city_id": "beta", "name": "Beta", "name_local": "베타", "country": "KR", "level": "city",
             "parent_id": "", "lat": "", "lon": ""},
        ],
        "ties": [{"tie_id": "alpha-beta", "city_a": "alpha", "city_b": "beta", "tie_type": "sister",
                  "signed": "2010", "status": "active", "source_id": "src1", "note": ""}],
        "activities": [
            _act("a1", "Sister-city agreement", "general", "agreement", "2010", direction="mutual"),
            _act("a2", "Teacher visits", "education", "exchange_programme", "2012-07", recurrence="annual",
                 until="2014", participants="10", group="teachers"),
            _act("a3", "Festival", "culture", "festival", "2013-05-02", end="2013-05-04", direction="b_to_a"),
            _act("a4", "Trade mission", "economy", "delegation", "2014"),
        ],
        "indicators": [{"entity_id": "alpha", "entity_type": "city", "indicator": "kiosks", "value": "5",
                        "unit": "count", "year": "2020", "target": "", "source_id": "src1", "locator": "Table 1"}],
    }


def expansion_only_activities(tie="alpha-beta") -> list[dict]:
    """Activities of a tie (signed 2000) whose yearly trend exists only because two annual programmes are expanded."""
    return [
        _act("a1", "Agreement", "general", "agreement", "2000", direction="mutual", tie=tie),
        _act("a2", "Teacher visits", "education", "exchange_programme", "2010", recurrence="annual", tie=tie),
        _act("a3", "Student visits", "education", "exchange_programme", "2012", recurrence="annual",
             direction="b_to_a", tie=tie),
        _act("a4", "Festival", "culture", "festival", "2001", tie=tie),
        _act("a5", "Trade mission", "economy", "delegation", "", tie=tie),
    ]


def _act(aid, title, sector, atype, start, *, end="", recurrence="once", until="", direction="a_to_b",
         participants="", group="", tie="alpha-beta"):
    return {"activity_id": aid, "tie_id": tie, "actor": "alpha", "title": title, "sector": sector,
            "activity_type": atype, "start": start, "end": end, "recurrence": recurrence, "until": until,
            "direction": direction, "participants": participants, "participant_group": group,
            "institution": "", "source_id": "src1", "locator": "p. 1", "certainty": "reported"}


def tree_hashes(folder: Path) -> dict[str, str]:
    """The SHA-256 of every file under ``folder``, by its path relative to it: a rendered run, compared before and
    after something that must not change it."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write_bundle(folder: Path, rows: dict[str, list[dict]] | None = None, *, encoding="utf-8",
                 newline="\n") -> Path:
    """Write ``rows`` (default: :func:`base_rows`) as CSV tables into ``folder``."""
    rows = base_rows() if rows is None else rows
    folder.mkdir(parents=True, exist_ok=True)
    for table, recs in rows.items():
        header = list(recs[0]) if recs else HEADERS[table]
        with open(folder / f"{table}.csv", "w", encoding=encoding, newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=header, lineterminator=newline)
            w.writeheader()
            w.writerows(recs)
    return folder


def typed_activities(template: pd.DataFrame, rows: list[dict[str, str]]) -> pd.DataFrame:
    """Activities typed as :func:`~studylib.load_bundle` types them, built in memory from CSV text.

    Row ``i`` is ``template``'s first row (a loaded activities table) with ``rows[i]``'s cells put in, converted to
    the template's types: a date gives its text, year and precision; a vocabulary value must be one of the
    template's categories. For property tests that would otherwise write and validate a bundle per example;
    ``test_panel`` checks that the result equals what ``load_bundle`` reads from the same rows on disk.
    """
    frame = template.iloc[[0] * len(rows)].reset_index(drop=True)
    frame["_line"] = range(2, len(rows) + 2)
    for column in dict.fromkeys(c for row in rows for c in row):
        text = [row[column] for row in rows]
        dtype = template[column].dtype
        if f"{column}_precision" in template:  # a date
            frame[column] = pd.Series(text, dtype=dtype)
            frame[f"{column}_year"] = pd.array([int(t[:4]) if t else None for t in text], dtype="Int64")
            precision = [{10: "day", 7: "month", 4: "year"}.get(len(t), "unknown") for t in text]
            frame[f"{column}_precision"] = pd.Categorical(precision, dtype=template[f"{column}_precision"].dtype)
            if f"{column}_earliest" in template:  # the years the date allows (plain dates here: their year)
                frame[f"{column}_earliest"], frame[f"{column}_latest"] = window_columns(pd.Series(text))
        elif isinstance(dtype, pd.CategoricalDtype):
            unknown = {t for t in text if t} - set(dtype.categories)
            if unknown:
                raise ValueError(f"{column}: {sorted(unknown)} not in the codebook's vocabulary")
            frame[column] = pd.Categorical([t or None for t in text], dtype=dtype)
        elif dtype == "Int64":
            frame[column] = pd.array([int(t) if t else None for t in text], dtype="Int64")
        else:
            frame[column] = pd.Series(text, dtype=dtype)
    return frame


def append_rows(path: Path, rows: list[dict[str, str]]) -> None:
    """Append ``rows`` to a CSV file under its own header (cells it does not name are left empty)."""
    with open(path, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    with open(path, "a", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writerows([{h: r.get(h, "") for h in header} for r in rows])


HANGUL = "수원 청소년 교류"
KANA_KANJI = "東京 とうきょう"
INDONESIAN = "Kunjungan pelajar ke Suwon"


def filled_pair(folder: Path, source_id: str, activities: list[dict], *, source: dict | None = None,
                bib: Path | None = None) -> Path:
    """A scaffolded bandung-suwon folder filled as a researcher would (made-up test rows): the source (a
    ``sources.csv`` row, or the entries of a ``bib`` file imported), the tie citing it, and ``activities`` (the columns
    that differ; each gets the id ``t-<n>`` and the locator ``p. <n>``) carried out by Bandung and citing it."""
    from studylib.bundle.scaffold import new_pair

    new_pair("bandung", "suwon", into=folder)
    if source is not None:
        append_rows(folder / "sources.csv", [source])
    if bib is not None:
        from studylib.bundle.bibimport import import_sources

        import_sources(bib, folder)
    cite_source(folder, source_id)
    base = {"tie_id": "bandung-suwon", "actor": "bandung", "recurrence": "once", "direction": "mutual",
            "source_id": source_id, "certainty": "reported"}
    append_rows(folder / "activities.csv", [{**base, "activity_id": f"t-{i}", "locator": f"p. {i}", **activity}
                                            for i, activity in enumerate(activities, start=1)])
    return folder


def new_pair_with_cjk(folder: Path) -> Path:
    """A scaffolded bandung-suwon folder whose rows carry Hangul, Kana/Kanji and Indonesian (made-up test rows)."""
    return filled_pair(folder, "test-src", [
        {"title": HANGUL, "sector": "education", "activity_type": "exchange_programme", "start": "2005"},
        {"title": KANA_KANJI, "sector": "culture", "activity_type": "festival", "start": "2008"},
        {"title": INDONESIAN, "sector": "education", "activity_type": "delegation", "start": "2010"},
    ], source={"source_id": "test-src", "citation": "수원시. Test citation (made up).", "source_type": "news",
               "reliability": "news", "language": "ko"})


SAMPLE_BIB = r"""
@article{lee2020cities,
  author = {Lee, Kyung-min and M{\"u}ller, J{\"o}rg and {Busan Metropolitan City}},
  title = {Cities and Diplomacy},
  journal = {Journal of Urban Affairs},
  year = {2020}, volume = {12}, number = {3}, pages = {45--67},
  doi = {10.1234/jua.2020.1},
  langid = {english},
}
@techreport{seoul2019report,
  author = {{Seoul Metropolitan Government}},
  title = {Smart Seoul 2019},
  institution = {Seoul Metropolitan Government},
  year = {2019}, month = may,
  url = {https://example.org/smart-seoul},
  urldate = {2024-01-15},
}
"""


def bib_pair(tmp_path):
    from studylib.bundle.scaffold import new_pair

    return new_pair("bandung", "suwon", into=tmp_path / "bandung-suwon")


def cite_source(folder, source_id):
    """Fill the scaffolded tie row, citing ``source_id`` (made-up test values), so the folder validates."""
    ties = pd.read_csv(folder / "ties.csv", dtype=str, keep_default_na=False)
    ties.loc[0, ["tie_type", "signed", "status", "source_id", "locator"]] = ["sister", "1997", "active", source_id,
                                                                             "p. 1"]
    ties.to_csv(folder / "ties.csv", index=False, lineterminator="\n")


PAIRS_HEADER = "city1,country1,city2,country2,lat1,lng1,lat2,lng2\n"


PAIRS_ROWS = [
    "Surabaya,Indonesia,Busan,South Korea,-7.25,112.74,35.1,129.04",
    "busan ,Republic of Korea,SURABAYA,Indonesia,35.1,129.04,-7.25,112.74",  # the same pair, other spellings
    "Seoul,South Korea,Tokyo,Japan,37.56,126.99,35.69,139.69",
    "Tokyo,Japan,Seoul,Korea South,,,,",  # reversed, no coordinates
    "Saint-Étienne,France,Saint Etienne,FR,45.43,4.39,45.43,4.39",  # a self-pair under two spellings
    "Medan,Indonesia,Ichikawa,Japan,3.67,98.67,35.72,139.93",
    "Bandung,Indonesia,Suwon,South Korea,-6.95,107.57,37.29,127.01",
    "Somaliland Town,Somaliland,Tokyo,Japan,9.5,44.0,35.69,139.69",
]


def pairs_file(tmp_path, rows=PAIRS_ROWS, header=PAIRS_HEADER, name="pairs.csv"):
    path = tmp_path / name
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def coder_folder(path, changes: dict[str, dict]):
    """A coder's folder holding the study's own rows for the activities in ``changes``, with those edits."""
    acts = pd.read_csv(DATA_DIR / "activities.csv", dtype=str, keep_default_na=False)
    acts = acts[acts["activity_id"].isin(changes)].copy()
    for aid, edits in changes.items():
        for col, value in edits.items():
            acts.loc[acts["activity_id"] == aid, col] = value
    path.mkdir(parents=True)
    acts.to_csv(path / "activities.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    return path


class CorpusJob:
    """One run of the session's render corpus (``render_corpus`` in tests/conftest.py): a notebook, its parameters,
    the data folders a builder wrote, the corpus folder it lands in (``group``: runs that a test reads together, such
    as the default study, share one) and anything else the tests need to know about it (``info``).

    A render test module lists the runs it reads in a module-level ``RENDER_CORPUS`` dict: a name for each run, and a
    builder that takes a fresh folder for the run's inputs and returns a :class:`CorpusJob`. The corpus renders every
    listed run of the collected modules in one batch, on one process pool, and the tests read ``render_corpus[name]``.
    """

    def __init__(self, notebook, parameters: dict | None = None, data_dirs=(), *, group: str = "runs", **info):
        self.notebook, self.parameters, self.data_dirs = notebook, dict(parameters or {}), [str(d) for d in data_dirs]
        self.group, self.info = group, info


#: The study's runs in the render corpus: every study notebook on its defaults, except that network_context fits its
#: tie model with the weighted estimator (``max_all_pairs`` 0) instead of all pairs of the bundled snapshot's cities,
#: the slowest fit of the study; the tests of the default run do not read the fit, and tests/render/test_network.py
#: checks the all-pairs fit on a network of its own.
STUDY_OVERRIDES = {"network_context": {"max_all_pairs": 0}}


def study_jobs() -> list[tuple[str, dict]]:
    """``(notebook, parameters)`` of the study's runs in the render corpus, in ``run_study``'s order."""
    from studylib.report.parameters import WORKBENCH_NOTEBOOKS, list_notebooks

    return [(nb, dict(STUDY_OVERRIDES.get(nb, {}))) for nb in list_notebooks() if nb not in WORKBENCH_NOTEBOOKS]


def synthetic_network(tmp_path, n_cities=400, seed=1):
    """A network file of ``n_cities`` cities with coordinates and populations whose ties are more likely between
    close cities (a known negative distance effect), read with ``read_network``."""
    import networkx as nx
    import numpy as np

    from studylib import network as nw

    rng = np.random.default_rng(seed)
    g = nx.Graph()
    lat, lon = rng.uniform(-50, 60, n_cities), rng.uniform(-150, 150, n_cities)
    pop = np.exp(rng.normal(12, 1, n_cities))
    countries = rng.choice(["Japan", "South Korea", "Indonesia", "France"], n_cities)
    for i in range(n_cities):
        g.add_node(f"Q{i + 1}", label=f"City {i}", country=str(countries[i]), lat=float(lat[i]), lon=float(lon[i]),
                   pop=float(pop[i]))
    i, j = np.triu_indices(n_cities, 1)
    d = nw.great_circle_km(lat[i], lon[i], lat[j], lon[j])
    p = 1 / (1 + np.exp(-(3.0 - 1.0 * np.log(d))))
    tied = rng.random(len(p)) < p
    g.add_edges_from((f"Q{a + 1}", f"Q{b + 1}") for a, b in zip(i[tied], j[tied]))
    path = tmp_path / "synthetic.gexf"
    nx.write_gexf(g, path)
    return nw.read_network(path)


def tie_bundle(folder, activities, signed="2000"):
    """The test bundle's one tie (alpha-beta) signed in ``signed`` with ``activities`` (implemented unless a row says
    otherwise), loaded."""
    import studylib as sl

    rows = base_rows()
    rows["ties"][0]["signed"] = signed
    rows["activities"] = activities
    for a in rows["activities"]:
        a.setdefault("stage", "implemented")
    return sl.load_bundle(write_bundle(folder, rows))


def two_tie_rows(*, gamma_signed: str) -> dict[str, list[dict]]:
    """:func:`base_rows` with alpha-beta signed in 2000 and a second tie, alpha-gamma, signed in ``gamma_signed``
    (a city gamma in KR; no activities of its own yet)."""
    rows = base_rows()
    rows["cities"].append({"city_id": "gamma", "name": "Gamma", "name_local": "", "country": "KR", "level": "city",
                           "parent_id": "", "lat": "", "lon": ""})
    rows["ties"][0]["signed"] = "2000"
    rows["ties"].append({"tie_id": "alpha-gamma", "city_a": "alpha", "city_b": "gamma", "tie_type": "sister",
                         "signed": gamma_signed, "status": "active", "source_id": "src1", "note": ""})
    return rows


def users_network_job(tmp_path) -> CorpusJob:
    """network_context on a network file of a user's (``PAIRS_ROWS`` and 120 further seeded ties, enough for the
    model), in a folder whose name and file name hold a space, with one control per tie: one corpus run that the
    notebook's checks (tests/render/test_network.py) and the replication package's (tests/render/test_package.py)
    both read."""
    import numpy as np

    rng = np.random.default_rng(0)
    rows = list(PAIRS_ROWS)
    for _ in range(120):
        a, b = rng.choice(60, 2, replace=False)
        rows.append(f"Town {a},Japan,Town {b},{'France' if b % 2 else 'Japan'},{30 + a / 10},{130 + a / 10},"
                    f"{40 + b / 10},{b / 10}")
    mine = tmp_path / "my files"
    mine.mkdir()
    path = pairs_file(mine, rows, name="my pairs.csv")
    return CorpusJob("network_context", {"network_file": str(path), "controls_per_tie": 1,
                                         "ties": ["surabaya-busan", "seoul-tokyo", "medan-gwangju"]},
                     group="users-network", path=path, mine=mine)


def start_own_zygote() -> None:
    """Start this test process's own zygote (the one its later runs fork their kernels from) before it runs a batch:
    the batch's process pool then borrows it and leaves it running (``prestart`` returns None), instead of starting
    a zygote for the pool, ending it with the batch, and the process starting another for its next run (~1.4
    CPU-seconds each). The suite's environment is the pool's (one BLAS thread: tests/conftest.py), so one serves both."""
    from studylib.runner.kernels.warm import prestart

    prestart()
