"""From coded activities to events and a yearly panel of counts.

The one assumption here is the **expansion rule**: an activity coded ``recurrence = annual`` is taken to happen
once a year from its start year to its ``until`` year, or to ``end_year`` when the source gives no end. It is a
switch (``expand_annual``) and every generated event is marked ``expanded = True`` so reports can show it.
Activities with no date cannot be placed in a year: they are left out of the panel and counted.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from ..bundle.codebook import load_codebook
from ..errors import ParameterError

__all__ = ["add_frames", "expand_activities", "activity_panel", "observation_windows", "window_opens", "at_stages",
           "EXPANSION_RULE"]

EXPANSION_RULE = (
    "Annual programmes are expanded to one event per year from their start year to the last year the source "
    "gives ('until'), or to end_year = {end_year} when the source gives no end; expanded years are marked. "
    "Activities without a date are left out of yearly counts."
)

EVENT_COLUMNS = ["activity_id", "tie_id", "actor", "sector", "activity_type", "direction", "axis", "dimension",
                 "participants", "participant_group", "source_id", "certainty", "recurrence", "stage"]
IMPLEMENTED = ("implemented",)
FRAMES = ("axis", "dimension")


def _codes(values: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes of a column (-1 where missing) and the values they stand for."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(dtype=np.int64), list(values.cat.categories)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), list(uniques)


def _lookup(values: list, fn, missing) -> np.ndarray:
    """``fn`` of every value, plus ``missing`` last so that code -1 (missing) indexes it."""
    return np.array([fn(v) for v in values] + [missing])


def _frame_codes(data: pd.DataFrame, frame: str, cb) -> np.ndarray:
    """Codes into ``cb.vocabulary(frame)`` of :func:`add_frames`' column ``frame`` for every row (-1: none).

    The sector's default comes from the codebook mapping; a row's own non-empty value wins, and a value outside the
    vocabulary becomes missing, exactly as ``pd.Categorical(..., categories=vocabulary)`` does.
    """
    position = {v: i for i, v in enumerate(cb.vocabulary(frame))}
    mapping = cb.mapping(frame)
    sector_codes, sectors = _codes(data["sector"])
    default = _lookup(sectors, lambda v: position.get(mapping[v], -1) if v in mapping else -1, -1)[sector_codes]
    if frame not in data.columns:
        return default
    own_codes, own = _codes(data[frame])
    own_valid = _lookup(own, lambda v: bool(v != ""), False)[own_codes]
    own_position = _lookup(own, lambda v: position.get(v, -1), -1)[own_codes]
    return np.where(own_valid, own_position, default)


def add_frames(data: pd.DataFrame, *, codebook=None) -> pd.DataFrame:
    """Return a copy of activities with ``axis`` and ``dimension`` filled from the sector mappings.

    A row's own ``axis`` / ``dimension`` value (the override columns) wins over the sector's default.
    """
    cb = codebook or load_codebook()
    out = data.copy()
    for frame in FRAMES:
        out[frame] = pd.Categorical.from_codes(_frame_codes(out, frame, cb), categories=cb.vocabulary(frame))
    return out


class _Expansion:
    """Which rows of the activities become which events: the expansion rule as index arrays, columns taken lazily.

    ``rows`` are the positions in ``data`` of the events (in event order), ``year`` and ``expanded`` their years and
    whether the rule generated them; ``undated`` the ids left out for lack of a date.
    """

    def __init__(self, data: pd.DataFrame, *, end_year: int, expand_annual: bool = False, stages=IMPLEMENTED,
                 codebook=None):
        self.data = data
        self.cb = codebook or load_codebook()
        end_year = int(end_year)
        self.end_year, self.expand_annual = end_year, expand_annual
        data["sector"]  # noqa: B018 - the frames need it: fail here, as add_frames does, when it is missing
        self._frames: dict[str, np.ndarray] = {}
        keep = at_stages(data, stages=stages)
        has_start = data["start_year"].notna().to_numpy(dtype=bool)
        dated = np.flatnonzero(keep & has_start)
        every = len(dated) == len(data)
        start = (data["start_year"] if every else data["start_year"].iloc[dated]).astype("int64").to_numpy()
        rec_codes, rec_values = _codes(data["recurrence"])
        annual = _lookup(rec_values, lambda v: bool(v == "annual"), False)[rec_codes if every else rec_codes[dated]]
        annual = np.flatnonzero(annual.astype(bool) & expand_annual)
        last = start.copy()
        if len(annual):  # only annual programmes run past their start year: read 'until' for those rows alone
            until = data["until"].iloc[dated[annual]].astype("Float64").fillna(end_year).to_numpy(dtype=float)
            last[annual] = np.minimum(until, end_year).astype("int64")
        reps = np.maximum(last - start + 1, 0)
        if (reps == 1).all():  # nothing to expand: one event per dated activity, in its start year
            idx, year, expanded = np.arange(len(dated)), start, np.zeros(len(dated), dtype=bool)
        else:
            idx = np.repeat(np.arange(len(dated)), reps)
            first_event = np.cumsum(reps) - reps  # each activity's first event (its start year)
            year = np.repeat(start - first_event, reps) + np.arange(len(idx))
            expanded = np.ones(len(idx), dtype=bool)
            expanded[first_event[reps > 0]] = False
        inside = year <= end_year
        if inside.all():
            self.rows, self.year, self.expanded = dated[idx], year, expanded
        else:
            self.rows, self.year, self.expanded = dated[idx[inside]], year[inside], expanded[inside]
        undated = np.flatnonzero(keep & ~has_start)
        self.undated = sorted(data["activity_id"].iloc[undated]) if len(undated) else []

    def columns(self) -> list[str]:
        """The event columns available (the activities' own plus the two frames)."""
        return [c for c in EVENT_COLUMNS if c in self.data.columns or c in FRAMES]

    def frame(self, frame: str) -> np.ndarray:
        if frame not in self._frames:
            self._frames[frame] = _frame_codes(self.data, frame, self.cb)
        return self._frames[frame]

    def codes(self, column: str) -> tuple[np.ndarray, list]:
        """Activity-level codes and values of ``column`` (frames computed as :func:`add_frames` does)."""
        if column in FRAMES:
            return self.frame(column), self.cb.vocabulary(column)
        return _codes(self.data[column])

    def series(self, column: str, rows: np.ndarray) -> pd.Series:
        """``column`` of the activities at ``rows``, with the dtype the events table has."""
        if column in FRAMES:
            return pd.Series(pd.Categorical.from_codes(self.frame(column)[rows], categories=self.cb.vocabulary(column)))
        return self.data[column].iloc[rows].reset_index(drop=True)

    def attrs(self) -> dict:
        attrs = copy.deepcopy(self.data.attrs)
        attrs.update(undated=self.undated, end_year=self.end_year, expand_annual=self.expand_annual)
        return attrs

    def events(self) -> pd.DataFrame:
        cols = self.columns()
        own = [c for c in cols if c not in FRAMES]
        events = self.data[own].iloc[self.rows].reset_index(drop=True)
        for frame in FRAMES:
            if frame in cols:
                events.insert(cols.index(frame), frame,
                              pd.Categorical.from_codes(self.frame(frame)[self.rows], categories=self.cb.vocabulary(frame)))
        events["year"] = self.year
        events["expanded"] = self.expanded
        events.attrs = self.attrs()
        return events


def at_stages(data: pd.DataFrame, *, stages=IMPLEMENTED) -> np.ndarray:
    """Which activities are at one of ``stages`` (a boolean array); a missing stage counts as implemented.

    The stage filter of :func:`expand_activities`: by default only what the sources report as implemented.
    """
    if "stage" not in data.columns:
        return np.ones(len(data), dtype=bool)
    stage_codes, stage_values = _codes(data["stage"])
    wanted = list(stages)
    return _lookup(stage_values, lambda v: v in wanted, "implemented" in wanted)[stage_codes].astype(bool)


def expand_activities(data: pd.DataFrame, *, end_year: int, expand_annual: bool = False,
                      stages=IMPLEMENTED) -> pd.DataFrame:
    """One row per event: once-activities in their start year, annual ones in every year they ran.

    Parameters
    ----------
    data : DataFrame
        Typed activities (``Bundle.activities``).
    end_year : int
        Last year of observation; events after it are dropped and open-ended programmes stop there.
    expand_annual : bool
        Apply the expansion rule (default False: an annual programme counts once, in its start year; the expansion
        is one factor of the multiverse, :mod:`studylib.inference.multiverse`, never the default).
    stages : sequence of str
        Which ``stage`` values count (default: only what the sources report as implemented, not plans).

    Returns
    -------
    DataFrame
        Event rows with ``year`` and ``expanded`` (True for years generated by the rule). ``attrs`` carries
        ``undated`` (ids of activities left out for lack of a date) and ``end_year``.
    """
    return _Expansion(data, end_year=end_year, expand_annual=expand_annual, stages=stages).events()


def observation_windows(events: pd.DataFrame, *, key: str, end_year: int, ties: pd.DataFrame | None = None) -> pd.DataFrame:
    """First and last year observed for each value of ``key``.

    The window opens at the tie's signing year or its first event, whichever is earlier (for ``key='tie_id'``
    with ``ties`` given), otherwise at the first event; it closes at ``end_year``.
    """
    first = window_opens(events, key=key, ties=ties)
    out = pd.DataFrame({"first_year": first.astype("int64"), "last_year": int(end_year)})
    out = out[out["first_year"] <= out["last_year"]]
    return out.rename_axis(key).reset_index()


def window_opens(events: pd.DataFrame, *, key: str, ties: pd.DataFrame | None = None, units=None) -> pd.Series:
    """First year of each unit's observation window: the one rule behind :func:`observation_windows` and
    :func:`studylib.window_start`.

    A window opens at the unit's first event or, for ``key='tie_id'`` with ``ties`` given, at the tie's signing
    year when that is earlier. ``units`` lists the units wanted (default: those with events); a unit with neither
    an event nor a signing year gets a missing value.
    """
    first = events.groupby(key, observed=True)["year"].min()
    if units is not None:
        first = first.set_axis(first.index.astype(object)).reindex(list(units))
    if key == "tie_id" and ties is not None:
        signed = ties.set_index("tie_id")["signed_year"].astype("Float64")
        first = pd.concat([first.astype("Float64"), signed.reindex(first.index)], axis=1).min(axis=1)
    return first


PANEL_COLUMNS = ["activities", "expanded", "participants", "participants_known"]


def activity_panel(data: pd.DataFrame, *, by=("tie_id", "sector"), end_year: int, ties: pd.DataFrame | None = None,
                   expand_annual: bool = False, levels: dict | None = None) -> pd.DataFrame:
    """Long panel of yearly event counts and participants per group, with explicit zeros.

    Parameters
    ----------
    data : DataFrame
        Typed activities (``Bundle.activities``), or events already made by :func:`expand_activities`.
    by : sequence of str
        Grouping columns; the first is the unit whose observation window applies (e.g. ``tie_id`` or ``actor``).
    end_year : int
        Last year of the window.
    ties : DataFrame, optional
        ``Bundle.ties``, to open each tie's window at its signing year.
    expand_annual : bool
        The expansion rule switch (see :data:`EXPANSION_RULE`; default False, as :func:`expand_activities`). Ignored
        when ``data`` are events already.
    levels : dict, optional
        Levels to use for a grouping column instead of those observed (e.g. all four axes).

    Returns
    -------
    DataFrame
        Columns ``*by, year, activities, expanded, participants, participants_known``. ``activities`` counts events;
        ``expanded`` how many of them come from the expansion rule; ``participants`` sums the counts the sources
        give and ``participants_known`` says how many events had one.
    """
    by = list(by)
    if not by:
        raise ParameterError("activity_panel needs at least one grouping column in 'by'")
    fast = _counted_panel(data, by=by, end_year=end_year, ties=ties, expand_annual=expand_annual, levels=levels)
    if fast is not None:
        return fast
    return _grouped_panel(data, by=by, end_year=end_year, ties=ties, expand_annual=expand_annual, levels=levels)


def _text_like(dtype) -> bool:
    """Whether every non-missing value of a column of this dtype is a ``str`` (so ``astype(str)`` keeps it)."""
    if isinstance(dtype, pd.CategoricalDtype):
        return all(isinstance(c, str) for c in dtype.categories)
    return isinstance(dtype, pd.StringDtype)


class _EventSource:
    """Events as activity-level columns plus ``rows``: either expanded from activities or given as events."""

    def __init__(self, data: pd.DataFrame, *, end_year: int, expand_annual: bool):
        if "year" in data.columns:
            self.expansion = None
            self.data = data
            self.rows = np.arange(len(data))
            self.year = data["year"].to_numpy()
            self.expanded = data["expanded"].to_numpy()
            self.available = list(data.columns)
            self.attrs = data.attrs
        else:
            self.expansion = _Expansion(data, end_year=end_year, expand_annual=expand_annual)
            self.data = data
            self.rows = self.expansion.rows
            self.year = self.expansion.year
            self.expanded = self.expansion.expanded
            self.available = [*self.expansion.columns(), "year", "expanded"]
            self.attrs = self.expansion.attrs()

    def dtype(self, column: str):
        if self.expansion is not None and column in FRAMES:
            return pd.CategoricalDtype(self.expansion.cb.vocabulary(column))
        return self.data[column].dtype

    def codes(self, column: str) -> tuple[np.ndarray, list]:
        if self.expansion is not None:
            return self.expansion.codes(column)
        return _codes(self.data[column])

    def series(self, column: str, rows: np.ndarray) -> pd.Series:
        if self.expansion is not None:
            return self.expansion.series(column, rows)
        return self.data[column].iloc[rows].reset_index(drop=True)


def _window_grid(windows: pd.DataFrame, by: list, inner: list) -> pd.DataFrame | None:
    """Every (unit, inner levels..., year) cell of the units' observation windows, row-major; None if no window."""
    unit = by[0]
    frames = [pd.MultiIndex.from_product([[getattr(w, unit)], *inner, np.arange(w.first_year, w.last_year + 1)],
                                         names=[*by, "year"]).to_frame(index=False)
              for w in windows.itertuples(index=False)]
    return pd.concat(frames, ignore_index=True) if frames else None


def _counted_panel(data, *, by, end_year, ties, expand_annual, levels) -> pd.DataFrame | None:
    """The panel by counting events straight into the grid's rows (``np.bincount``), without a groupby and merge.

    Gives exactly what :func:`_grouped_panel` gives; returns None for inputs outside its scope (grouping columns
    that are not text, non-integer years or participants, duplicate names), which then take that path.
    """
    if len(set(by)) != len(by) or "year" in by or "expanded" in by:
        return None
    if "year" in data.columns and not (
            {"expanded", "participants"} <= set(data.columns) and set(by) <= set(data.columns)
            and data["year"].dtype == np.int64 and data["expanded"].dtype == np.bool_):
        return None
    if "participants" not in data.columns or not (
            pd.api.types.is_integer_dtype(data["participants"].dtype) and not pd.api.types.is_bool_dtype(data["participants"].dtype)):
        return None
    if "year" not in data.columns and not set(by) <= set(EVENT_COLUMNS) | set(data.columns):
        return None  # the reference path raises the 'no such column' error
    src = _EventSource(data, end_year=end_year, expand_annual=expand_annual)
    if any(c not in src.available for c in by) or not all(_text_like(src.dtype(c)) for c in by):
        return None
    # event-level codes of the grouping columns; keep events whose values are all present and non-empty
    values, event_codes = {}, {}
    keep = None
    for c in by:
        col_codes, values[c] = src.codes(c)
        event_codes[c] = col_codes[src.rows]
        usable = _lookup(values[c], lambda v: str(v) != "", False).astype(bool)
        if not usable[:-1].all() or (event_codes[c] < 0).any():
            keep = usable[event_codes[c]] if keep is None else keep & usable[event_codes[c]]
    rows, year, expanded = src.rows, src.year, src.expanded
    if keep is not None:
        rows, year, expanded = rows[keep], year[keep], expanded[keep]
        event_codes = {c: e[keep] for c, e in event_codes.items()}
    cols = [*by, "year", *PANEL_COLUMNS]
    if len(rows) == 0:
        return pd.DataFrame(columns=cols)
    unit = by[0]
    unit_codes = event_codes[unit]
    n_units = len(values[unit])
    first_year = np.full(n_units, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_year, unit_codes, year)
    present = np.flatnonzero(first_year < np.iinfo(np.int64).max)
    example = np.zeros(n_units, dtype=np.int64)
    example[unit_codes] = rows  # any event's activity row stands for its unit
    small = pd.DataFrame({unit: src.series(unit, example[present]), "year": first_year[present]})
    windows = observation_windows(small, key=unit, end_year=end_year, ties=ties)
    levels = levels or {}
    inner = []
    for c in by[1:]:
        if c in levels:
            inner.append(sorted(map(str, levels[c])))
        else:
            seen = np.flatnonzero(np.bincount(event_codes[c], minlength=len(values[c])))
            inner.append(sorted({str(values[c][k]) for k in seen}))
    grid = _window_grid(windows, by, inner)
    if grid is None:
        return pd.DataFrame(columns=cols)
    # The grid row of each event: its unit's block, then the inner levels (row-major), then the year. Every window
    # opens at or before its unit's first event (observation_windows takes the earlier of that and the signing year)
    # and closes at end_year, so an event is inside its window unless it is later than end_year.
    cells = int(np.prod([len(levels_c) for levels_c in inner])) if inner else 1
    first = windows["first_year"].to_numpy(dtype=np.int64)
    spans = windows["last_year"].to_numpy(dtype=np.int64) - first + 1
    starts = np.concatenate([[0], np.cumsum(spans * cells)[:-1]]).astype(np.int64)
    # row of year 0 of each (window, cell) block, so that an event's row is block_row[window, cell] + year
    block_row = (starts[:, None] + np.arange(cells)[None, :] * spans[:, None] - first[:, None]).ravel()
    window_of = {str(v): i for i, v in enumerate(windows[unit])}
    w = _lookup(values[unit], lambda v: window_of.get(str(v), -1), -1)[unit_codes]
    ok = (w >= 0) & (year <= end_year)
    block = w
    for c, levels_c in zip(by[1:], inner):
        where = {s: i for i, s in enumerate(levels_c)}
        position = _lookup(values[c], lambda v: where.get(str(v), -1), -1)[event_codes[c]]
        ok &= position >= 0
        block = block * len(levels_c) + position
    if not ok.all():
        block, year, rows, expanded = block[ok], year[ok], rows[ok], expanded[ok]
    pos = block_row[block] + year
    n = len(grid)
    participants = src.data["participants"]
    known = participants.notna().to_numpy(dtype=bool)[rows]
    people = participants.to_numpy(dtype=np.int64, na_value=0)[rows]
    grid["activities"] = np.bincount(pos, minlength=n).astype(np.int64)
    grid["expanded"] = np.bincount(pos[expanded], minlength=n).astype(np.int64)
    largest = max(int(people.max(initial=0)), -int(people.min(initial=0)))
    if largest * len(people) < 2 ** 53:  # every partial sum is exact in a float's 53 bits
        grid["participants"] = np.rint(np.bincount(pos, weights=people.astype(np.float64), minlength=n)).astype(np.int64)
    else:  # pragma: no cover - sums beyond float precision
        total = np.zeros(n, dtype=np.int64)
        np.add.at(total, pos, people)
        grid["participants"] = total
    grid["participants_known"] = np.bincount(pos[known], minlength=n).astype(np.int64)
    grid.attrs.update(src.attrs)
    return grid[cols]


def _grouped_panel(data, *, by, end_year, ties, expand_annual, levels) -> pd.DataFrame:
    """The panel with a pandas groupby and a merge onto the grid: the reference for :func:`_counted_panel`."""
    events = data if "year" in data.columns else expand_activities(data, end_year=end_year, expand_annual=expand_annual)
    missing = [c for c in by if c not in events.columns]
    if missing:
        raise ParameterError(f"cannot group by {missing}: the activities have no such column")
    events = events[events[by].notna().all(axis=1) & (events[by].astype(str) != "").all(axis=1)]
    unit = by[0]
    windows = observation_windows(events, key=unit, end_year=end_year, ties=ties)
    levels = levels or {}
    inner = [sorted(map(str, levels.get(c, events[c].astype(str).unique()))) for c in by[1:]]
    cols = [*by, "year", *PANEL_COLUMNS]
    grid = _window_grid(windows, by, inner)
    if grid is None:
        return pd.DataFrame(columns=cols)
    ev = events.assign(**{c: events[c].astype(str) for c in by})
    agg = ev.groupby([*by, "year"], observed=True).agg(
        activities=("year", "size"),
        expanded=("expanded", "sum"),
        participants=("participants", "sum"),
        participants_known=("participants", "count"),
    ).reset_index()
    panel = grid.merge(agg, on=[*by, "year"], how="left")
    for c in ("activities", "expanded", "participants_known"):
        panel[c] = panel[c].fillna(0).astype("int64")
    panel["participants"] = panel["participants"].fillna(0).astype("int64")
    panel.attrs.update(events.attrs)
    return panel[cols]
