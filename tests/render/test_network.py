"""Sister-city networks: loaders, normalisation, located errors, the crosswalk, the King-Zeng model, the notebook."""

from __future__ import annotations

import numpy as np
import pandas as pd

HEADER = "city1,country1,city2,country2,lat1,lng1,lat2,lng2\n"

ROWS = [
    "Surabaya,Indonesia,Busan,South Korea,-7.25,112.74,35.1,129.04",
    "busan ,Republic of Korea,SURABAYA,Indonesia,35.1,129.04,-7.25,112.74",  # the same pair, other spellings
    "Seoul,South Korea,Tokyo,Japan,37.56,126.99,35.69,139.69",
    "Tokyo,Japan,Seoul,Korea South,,,,",  # reversed, no coordinates
    "Saint-Étienne,France,Saint Etienne,FR,45.43,4.39,45.43,4.39",  # a self-pair under two spellings
    "Medan,Indonesia,Ichikawa,Japan,3.67,98.67,35.72,139.93",
    "Bandung,Indonesia,Suwon,South Korea,-6.95,107.57,37.29,127.01",
    "Somaliland Town,Somaliland,Tokyo,Japan,9.5,44.0,35.69,139.69",
]


def _pairs(tmp_path, rows=ROWS, header=HEADER, name="pairs.csv"):
    path = tmp_path / name
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_notebook_on_a_pairs_file(tmp_path):
    from studylib import run_notebook

    rows = list(ROWS)
    rng = np.random.default_rng(0)  # enough further ties for the model
    for k in range(120):
        a, b = rng.choice(60, 2, replace=False)
        rows.append(f"Town {a},Japan,Town {b},{'France' if b % 2 else 'Japan'},{30 + a / 10},{130 + a / 10},{40 + b / 10},{b / 10}")
    path = _pairs(tmp_path, rows)
    result = run_notebook("network_context", {"network_file": str(path), "controls_per_tie": 1,
                                              "ties": ["surabaya-busan", "seoul-tokyo", "medan-gwangju"]},
                          out=tmp_path / "out")
    assert result.ok, result.error
    tables = result.output_dir / "tables"
    focal = pd.read_csv(tables / "focal_ties.csv").set_index("tie_id")
    assert focal.loc[["surabaya-busan", "seoul-tokyo"], "found"].all()
    assert not focal.at["medan-gwangju", "found"]
    summary = pd.read_csv(tables / "network_summary.csv").iloc[0]
    assert summary["n_ties"] < summary["rows_read"] and summary["duplicate_pairs_dropped"] >= 2
    reg = pd.read_csv(tables / "regression.csv")
    assert "log_distance_km" in set(reg["term"]) and (reg["n"] > 0).all()
    assert (tables / "country_pairs.csv").exists() and (tables / "network_disagreement.csv").exists()
    report = (result.output_dir / "report.html").read_text(encoding="utf-8")
    assert "no populations" in report and "No dates" in report
