"""Sister-city networks: loaders, normalisation, located errors, the crosswalk, the King-Zeng model, the notebook."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from studylib import network as nw
from studylib.cli import main
from studylib.errors import StudyError
from studylib.network import gravity

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


@pytest.mark.parametrize("raw, code", [("South Korea", "KR"), ("Republic of Korea", "KR"), ("KR", "KR"),
                                       ("United States of America", "US"), ("People's Republic of China", "CN"),
                                       ("Côte d'Ivoire", "CI"), ("Trinidad and Tobago", "TT"), ("England", "GB"),
                                       ("Somaliland", ""), ("Atlantis", "")])
def test_country_code(raw, code):
    assert nw.country_code(raw) == code


def test_name_key_merges_accents_case_and_punctuation_but_not_romanisations():
    assert nw.name_key("Saint-Étienne") == nw.name_key(" saint etienne ") == "saint etienne"
    assert nw.name_key("Busan") != nw.name_key("Pusan")


def test_csv_pairs_are_normalised_deduplicated_and_reported(tmp_path):
    net = nw.read_network(_pairs(tmp_path))
    r = net.report
    assert r["rows_read"] == 8
    assert r["self_pairs_dropped"] == 1
    assert r["duplicate_pairs_dropped"] == 2  # Busan-Surabaya again, Tokyo-Seoul reversed
    assert len(net.ties) == 5
    assert r["unresolved_countries"] == ["Somaliland"]
    c = net.cities.set_index("key")
    assert c.at["busan", "country"] == "KR" and c.at["busan", "name"] == "Busan"  # first spelling shown
    assert c.at["tokyo", "lat"] == pytest.approx(35.69)
    assert net.kind == "names"
    summary = net.summary().iloc[0]
    assert (summary["n_ties"], summary["n_cities"], summary["source"]) == (5, 10, "pairs.csv")


def test_csv_without_coordinates_reads(tmp_path):
    net = nw.read_network(_pairs(tmp_path, [",".join(r.split(",")[:4]) for r in ROWS], header="city1,country1,city2,country2\n"))
    assert len(net.ties) == 5 and net.cities["lat"].isna().all()


def _graph(multi=False):
    g = nx.MultiGraph() if multi else nx.Graph()
    for qid, label, country, lat, lon, pop in [("Q11462", "Surabaya", "Indonesia", -7.25, 112.74, 2885555),
                                               ("Q16520", "Busan", "South Korea", 35.1, 129.04, 3453198),
                                               ("Q8684", "Seoul", "South Korea", 37.56, 126.99, 9668465),
                                               ("Q1490", "Tokyo", "Japan", 35.69, 139.69, 14049146)]:
        g.add_node(qid, label=label, country=country, lat=lat, lon=lon, pop=pop)
    g.add_edge("Q11462", "Q16520")
    g.add_edge("Q8684", "Q1490")
    g.add_edge("Q8684", "Q8684")  # a self-loop
    if multi:
        g.add_edge("Q1490", "Q8684")
    return g


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_gexf_and_graphml(tmp_path, fmt):
    path = tmp_path / f"net.{fmt}"
    (nx.write_gexf if fmt == "gexf" else nx.write_graphml)(_graph(multi=True), path)
    net = nw.read_network(path)
    assert net.kind == "wikidata"
    assert len(net.ties) == 2
    assert net.report["self_pairs_dropped"] == 1 and net.report["duplicate_pairs_dropped"] == 1
    c = net.cities.set_index("node_id")
    assert c.at["Q8684", "country"] == "KR" and c.at["Q8684", "population"] == 9668465
    assert c.at["Q8684", "region"] == "Asia"


def test_missing_column_is_located(tmp_path):
    path = _pairs(tmp_path, ["Seoul,South Korea,Tokyo"], header="city1,country1,city2\n")
    with pytest.raises(nw.NetworkFileError, match=r"pairs\.csv:1: column 'country2': missing column"):
        nw.read_network(path)


def test_bad_values_are_located_by_line_and_column(tmp_path):
    rows = list(ROWS)
    rows[2] = "Seoul,South Korea,Tokyo,Japan,north,126.99,35.69,139.69"
    rows[4] = ",France,Lyon,France,,,,"
    rows[5] = "Medan,Indonesia,Ichikawa,Japan,3.67,98.67,95.0,139.93"
    with pytest.raises(nw.NetworkFileError) as err:
        nw.read_network(_pairs(tmp_path, rows))
    text = str(err.value)
    assert "pairs.csv:4: column 'lat1': 'north' is not a number" in text
    assert "pairs.csv:6: column 'city1': empty city name" in text
    assert "pairs.csv:7: column 'lat2': 95.0 is outside -90..90" in text


def test_ragged_row_and_bad_xml_are_located(tmp_path):
    path = _pairs(tmp_path, ["Seoul,South Korea,Tokyo,Japan", "Busan,South Korea,Fukuoka,Japan,extra,1,2,3,4"],
                  header="city1,country1,city2,country2\n")
    with pytest.raises(nw.NetworkFileError, match=r"pairs\.csv:3: "):
        nw.read_network(path)
    bad = tmp_path / "broken.gexf"
    bad.write_text('<?xml version="1.0"?>\n<gexf>\n<graph>\n<nodes><node id="a"></nodes>\n</gexf>\n', encoding="utf-8")
    with pytest.raises(nw.NetworkFileError, match=r"broken\.gexf:4: not well-formed XML"):
        nw.read_network(bad)
    with pytest.raises(nw.NetworkFileError, match="unknown network format"):
        nw.read_network(_pairs(tmp_path, [], name="pairs.txt"))
    with pytest.raises(StudyError, match="no such file"):
        nw.read_network(tmp_path / "absent.csv")


def test_cli_rejects_a_bad_network_file_before_any_kernel(tmp_path, capsys):
    path = _pairs(tmp_path, ["Seoul,South Korea,Tokyo"], header="city1,country1,city2\n")
    out = tmp_path / "out"
    code = main(["run", "network_context", "-p", "network_file", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:1: column 'country2': missing column" in err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.rglob("*.ipynb"))


@pytest.fixture(scope="module")
def snapshot():
    return nw.read_network()


def test_bundled_snapshot_finds_the_study_ties_and_not_medan_gwangju(snapshot):
    from studylib import load_bundle

    bundle = load_bundle()
    xw = nw.match_cities(bundle.cities, snapshot)
    assert snapshot.summary().iloc[0][["n_cities", "n_ties"]].tolist() == [4566, 8182]
    focal = nw.focal_ties(bundle.ties.set_index("tie_id").loc[["surabaya-busan", "seoul-tokyo", "medan-gwangju"]]
                          .reset_index(), xw, snapshot).set_index("tie_id")
    assert focal.at["surabaya-busan", "found"] and focal.at["seoul-tokyo", "found"]
    assert not focal.at["medan-gwangju", "found"]
    assert focal.at["medan-gwangju", "reason"] == "both cities are in the network, the tie is not"
    assert focal.at["seoul-tokyo", "distance_km"] == pytest.approx(1152, abs=5)  # Seoul-Tokyo is about 1,150 km


def test_crosswalk_never_guesses(snapshot):
    cities = pd.DataFrame({"city_id": ["haidian", "seoul"], "name": ["Haidian", "Seoul"], "country": ["CN", "KR"],
                           "wikidata": ["", "Q8684"]})
    xw = nw.match_cities(cities, snapshot).set_index("city_id")
    assert not xw.at["haidian", "found"] and xw.at["haidian", "matched_by"] == "no wikidata id in cities.csv"
    assert xw.at["seoul", "found"]
    ties = pd.DataFrame({"tie_id": ["seoul-haidian"], "city_a": ["seoul"], "city_b": ["haidian"]})
    focal = nw.focal_ties(ties, xw.reset_index(), snapshot)
    assert not focal.at[0, "found"] and focal.at[0, "reason"] == "city not in the network: haidian"


def test_partners_and_percentiles(tmp_path):
    net = nw.read_network(_pairs(tmp_path))
    cities = pd.DataFrame({"city_id": ["tokyo", "busan"], "name": ["Tokyo", "Busan"], "country": ["JP", "KR"]})
    xw = nw.match_cities(cities, net)
    p = nw.city_partners(xw, net, ["tokyo", "busan"]).set_index("city_id")
    assert p.at["tokyo", "partners"] == 2 and p.at["busan", "partners"] == 1
    assert p.at["tokyo", "percentile"] == pytest.approx(100 * 9 / 10)  # 9 of 10 cities have fewer partners
    pairs = nw.country_pairs(net, highlight=[("KR", "ID"), ("ID", "KR"), ("US", "ZA")]).set_index(["country_a", "country_b"])
    assert pairs.at[("ID", "KR"), "ties"] == 2 and pairs.at[("US", "ZA"), "ties"] == 0


def test_prior_correction_is_king_and_zeng_eq7():
    b0, tau, ybar = -1.2, 0.001, 0.25
    assert gravity.prior_correction(b0, tau, ybar) == pytest.approx(b0 - math.log((1 - tau) / tau * ybar / (1 - ybar)))
    assert gravity.prior_correction(b0, 0.25, 0.25) == pytest.approx(b0)  # a random sample needs no correction
    with pytest.raises(ValueError):
        gravity.prior_correction(b0, 0.0, 0.5)


def test_prior_correction_recovers_the_population_intercept():
    import statsmodels.api as sm

    rng = np.random.default_rng(7)
    n, b0, b1 = 400_000, -6.0, 1.0
    x = rng.normal(size=n)
    y = rng.random(n) < 1 / (1 + np.exp(-(b0 + b1 * x)))
    cases = np.flatnonzero(y)
    controls = rng.choice(np.flatnonzero(~y), size=3 * len(cases), replace=False)
    keep = np.concatenate([cases, controls])
    fit = sm.Logit(y[keep].astype(float), sm.add_constant(x[keep])).fit(disp=0)
    corrected = gravity.prior_correction(fit.params[0], y.mean(), len(cases) / len(keep))
    assert abs(fit.params[0] - b0) > 1  # the uncorrected intercept is far off
    assert corrected == pytest.approx(b0, abs=0.15)
    assert fit.params[1] == pytest.approx(b1, abs=0.1)


def _synthetic_network(tmp_path, n_cities=400, seed=1):
    """Cities on a plane of coordinates; ties more likely between close cities (a known negative distance effect)."""
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


def test_tie_model_is_tidy_reproducible_and_finds_the_distance_effect(tmp_path):
    net = _synthetic_network(tmp_path)
    a = gravity.fit_tie_model(net, controls_per_tie=3, seed=11)
    b = gravity.fit_tie_model(net, controls_per_tie=3, seed=11)
    tidy = a.tidy()
    assert list(tidy.columns[:7]) == ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]
    assert tidy["n"].iloc[0] == a.n == a.n_ties + a.n_controls and a.n_controls == 3 * a.n_ties
    assert tidy.equals(b.tidy())
    est = tidy.set_index("term")["estimate"]
    assert est["log_distance_km"] == pytest.approx(-1.0, abs=0.2)
    assert est["intercept (prior-corrected)"] == pytest.approx(3.0, abs=1.0)
    assert abs(est["log_pop_larger"]) < 0.3  # no population effect was simulated
    with pytest.raises(ValueError):
        gravity.fit_tie_model(net, controls_per_tie=0)


def test_tie_model_too_small_is_said_not_raised(tmp_path):
    net = nw.read_network(_pairs(tmp_path))
    model = gravity.fit_tie_model(net, terms=("log_distance_km",))
    assert not model.fitted and "too few" in model.reason
    assert model.tidy().empty


def test_sampled_controls_are_untied_distinct_pairs(snapshot):
    u, v = gravity.sample_non_ties(snapshot, 5000, seed=3)
    assert len(set(zip(u, v))) == 5000 and (u < v).all()
    assert not snapshot.has_tie(u, v).any()


def test_bad_node_attribute_is_located(tmp_path):
    g = _graph()
    g.nodes["Q1490"]["lat"] = "north"
    path = tmp_path / "net.graphml"
    nx.write_graphml(g, path)
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if 'id="Q1490"' in text)
    with pytest.raises(nw.NetworkFileError, match=rf"net\.graphml:{line}: column 'lat': node 'Q1490': 'north' is not a valid lat"):
        nw.read_network(path)
