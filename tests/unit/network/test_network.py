"""Sister-city networks: loaders, normalisation, located errors, the crosswalk, the King-Zeng model, the notebook."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from bundles import PAIRS_ROWS as ROWS
from bundles import pairs_file as _pairs
from bundles import synthetic_network as _synthetic_network
from studylib import network as nw
from studylib.cli import main
from studylib.errors import StudyError
from studylib.network import gravity


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


def test_country_pairs_have_exact_poisson_intervals_and_the_focal_pair_is_tested(tmp_path):
    from scipy import stats

    low, high = nw.poisson_interval([0, 3])
    assert low[0] == 0 and high[0] == pytest.approx(-math.log(0.025))  # 3.689: P(X = 0) = 0.025 at the bound
    assert stats.poisson.sf(2, low[1]) == pytest.approx(0.025) and stats.poisson.cdf(3, high[1]) == pytest.approx(0.025)
    net = nw.read_network(_pairs(tmp_path))
    pairs = nw.country_pairs(net, highlight=[("ID", "KR")]).set_index(["country_a", "country_b"])
    row = pairs.loc[("ID", "KR")]
    assert row["conf_low"] == pytest.approx(1000 * low[0] if row["ties"] == 0 else 1000 * stats.chi2.ppf(0.025, 2 * row["ties"]) / 2 / row["possible_pairs"])
    assert row["conf_low"] < row["ties_per_1000_pairs"] < row["conf_high"]
    # the referee's numbers: 3 ties in 989 pairs against 32 in 12,642 cannot be ranked
    r = nw.compare_rates(3, 989, 32, 12642)
    assert r["rate_ratio"] == pytest.approx(3 / 989 / (32 / 12642))
    assert r["ratio_low"] < 1 < r["ratio_high"] and r["p_value"] > 0.5
    strong = nw.compare_rates(30, 1000, 10, 10000)
    assert strong["ratio_low"] > 1 and strong["p_value"] < 0.001
    tests = nw.country_pair_tests(net, nw.country_pairs(net, highlight=[("ID", "KR"), ("JP", "KR")]), [("ID", "KR"), ("KR", "JP")])
    assert list(tests["against"]) == ["the rest of the network", "Japan–South Korea", "the rest of the network"]
    n = int((net.cities["country"] != "").sum())
    assert tests.at[0, "possible_other"] == n * (n - 1) // 2 - tests.at[0, "possible_pairs"]


def test_country_tables_show_the_reports_language_and_write_the_same_csv_in_every_language(tmp_path):
    """Country names in the country-pair, country-pair test and partner tables are the report's; their CSV files are
    English, rows in the same order, whatever the language (the same data)."""
    from studylib.i18n import using_language
    from studylib.report.outputs import write_table

    # Surabaya's partners in France and Germany, one each: 'France' < 'Germany' but 'Jerman' < 'Prancis', so the
    # rows of equal count keep one order only if they are ordered by their English names
    rows = list(ROWS) + ["Surabaya,Indonesia,Lyon,France,-7.25,112.74,45.76,4.84",
                               "Surabaya,Indonesia,Köln,Germany,-7.25,112.74,50.94,6.96"]

    def tables(lang):
        with using_language(lang):
            net = nw.read_network(_pairs(tmp_path, rows))
            pairs = nw.country_pairs(net, highlight=[("ID", "KR"), ("JP", "KR")])
            tests = nw.country_pair_tests(net, pairs, [("ID", "KR"), ("KR", "JP")])
            node = int(net.cities.index[net.cities["name"] == "Surabaya"][0])  # partners in Korea, France, Germany
            crosswalk = pd.DataFrame({"city_id": ["here"], "node": [node], "node_id": ["n"]})
            partners = nw.partner_countries(crosswalk, net, ["here"])
        files = {}
        for name, table in (("pairs", pairs), ("tests", tests), ("partners", partners)):
            write_table(table, tmp_path / lang / f"{name}.csv")
            files[name] = (tmp_path / lang / f"{name}.csv").read_bytes()
        return pairs, tests, partners, files

    en_pairs, en_tests, en_partners, en_files = tables("en")
    id_pairs, id_tests, id_partners, id_files = tables("id")
    assert id_files == en_files
    assert "Indonesia–South Korea" in set(en_pairs["pair"]) and "Indonesia–Korea Selatan" in set(id_pairs["pair"])
    assert list(id_tests["against"]).count("bagian lain jaringan") == 2
    assert "Jepang–Korea Selatan" in set(id_tests["against"])
    assert "Korea Selatan" in set(id_partners["country_name"]) and "South Korea" in set(en_partners["country_name"])
    assert list(en_partners["country_name"]).index("France") < list(en_partners["country_name"]).index("Germany")
    assert list(id_partners["country_name"]).index("Prancis") < list(id_partners["country_name"]).index("Jerman")


@pytest.mark.parametrize("raw, code", [("Jepang", "JP"), ("Korea Selatan", "KR"), ("Tiongkok", "CN"),
                                       ("Amerika Serikat", "US"), ("Belanda", "NL"), ("Jerman", "DE"),
                                       ("Cina", "CN"), ("Japan", "JP")])
def test_indonesian_country_names(raw, code):
    assert nw.country_code(raw) == code


def test_a_city_without_an_id_is_found_by_name_or_coordinates_and_the_rule_is_said(snapshot):
    cities = pd.DataFrame({"city_id": ["bandung", "braunschweig", "somewhere", "seoul", "ghost"],
                           "name": ["Bandung", "Braunschweig", "Somewhere", "Seoul", "Ghost"],
                           "name_local": ["Kota Bandung", "", "", "", ""], "country": ["ID", "DE", "DE", "KR", "KR"],
                           "lat": [np.nan, 52.2667, 50.0, np.nan, np.nan], "lon": [np.nan, 10.5167, 7.0, np.nan, np.nan],
                           "wikidata": ["", "", "", "Q8684", "Q999999999"]})
    xw = nw.match_cities(cities, snapshot).set_index("city_id")
    assert xw.at["bandung", "matched_by"] == "name + country" and xw.at["bandung", "node_id"] == "Q10389"
    assert xw.at["braunschweig", "found"] and xw.at["braunschweig", "node_id"] == "Q2773"  # labelled 'Brunswick'
    assert xw.at["braunschweig", "matched_by"].startswith("coordinates") and "Brunswick" in xw.at["braunschweig", "detail"]
    assert xw.at["braunschweig", "distance_km"] < nw.MATCH_RADIUS_KM
    assert not xw.at["somewhere", "found"] and "within 20 km" in xw.at["somewhere", "detail"]
    assert xw.at["seoul", "matched_by"] == "wikidata id"
    assert not xw.at["ghost", "found"] and "Q999999999 is not in the network" in xw.at["ghost", "detail"]
    # the same rule never crosses a border: Braunschweig's coordinates with another country find nothing
    other = nw.match_cities(cities.assign(country=["ID", "PL", "DE", "KR", "KR"]), snapshot).set_index("city_id")
    assert not other.at["braunschweig", "found"]


def test_new_pair_scaffold_has_a_wikidata_column_and_a_user_city_is_found(tmp_path, snapshot):
    from studylib.bundle.scaffold import new_pair

    folder = new_pair("bandung", "braunschweig", into=tmp_path / "bb")
    cities = pd.read_csv(folder / "cities.csv", dtype=str, keep_default_na=False)
    assert "wikidata" in cities.columns
    assert cities.set_index("city_id").at["bandung", "wikidata"] == "Q10389"  # copied from the study data
    cities.loc[cities["city_id"] == "braunschweig", ["name", "country", "level", "lat", "lon"]] = \
        ["Braunschweig", "DE", "city", "52.2667", "10.5167"]  # as a user fills it: no QID
    xw = nw.match_cities(cities, snapshot).set_index("city_id")
    assert xw.loc[["bandung", "braunschweig"], "found"].all()
    assert xw.at["braunschweig", "network_name"] == "Brunswick"


# --------------------------------------------------------------------------------------------- model


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


def test_tie_model_is_tidy_reproducible_and_finds_the_distance_effect(tmp_path):
    net = _synthetic_network(tmp_path)
    a = gravity.fit_tie_model(net, estimator="prior_corrected", controls_per_tie=3, seed=11)
    b = gravity.fit_tie_model(net, estimator="prior_corrected", controls_per_tie=3, seed=11)
    tidy = a.tidy()
    assert list(tidy.columns[3:10]) == ["term", "label", "estimate", "std_error", "statistic", "p_value", "conf_low"]
    assert "conf_high" in tidy
    assert tidy["n"].iloc[0] == a.n == a.n_ties + a.n_controls and a.n_controls == 3 * a.n_ties
    assert tidy.equals(b.tidy())
    est = tidy.set_index("term")["estimate"]
    assert est["log_distance_km"] == pytest.approx(-1.0, abs=0.2)
    assert est["intercept (prior-corrected)"] == pytest.approx(3.0, abs=1.0)
    assert abs(est["log_pop_larger"]) < 0.3  # no population effect was simulated
    with pytest.raises(ValueError):
        gravity.fit_tie_model(net, controls_per_tie=0)


KNOWN = {"const": -7.0, "log_pop_larger": 0.3, "log_pop_smaller": 0.6, "log_distance_km": -0.9,
         "same_country": 1.0, "same_region": 0.5}
REGION = {"Japan": "Asia", "South Korea": "Asia", "France": "Europe", "Brazil": "America"}


def _known_network(tmp_path, n_cities=500, seed=5, node_sd=0.0, beta=KNOWN):
    """A network drawn from the gravity logit with known coefficients (plus, with ``node_sd``, a random city effect)."""
    rng = np.random.default_rng(seed)
    lat, lon = rng.uniform(-50, 60, n_cities), rng.uniform(-150, 150, n_cities)
    logpop = rng.normal(11.5, 1.0, n_cities)
    countries = rng.choice(list(REGION), n_cities)
    effect = rng.normal(0, node_sd, n_cities) if node_sd else np.zeros(n_cities)
    i, j = np.triu_indices(n_cities, 1)
    d = np.log(np.fmax(nw.great_circle_km(lat[i], lon[i], lat[j], lon[j]), 1.0))
    region = np.array([REGION[c] for c in countries])
    eta = (beta["const"] + beta["log_pop_larger"] * np.fmax(logpop[i], logpop[j])
           + beta["log_pop_smaller"] * np.fmin(logpop[i], logpop[j]) + beta["log_distance_km"] * d
           + beta["same_country"] * (countries[i] == countries[j]) + beta["same_region"] * (region[i] == region[j])
           + effect[i] + effect[j])
    tied = rng.random(len(eta)) < 1 / (1 + np.exp(-eta))
    g = nx.Graph()
    for k in range(n_cities):
        g.add_node(f"Q{k + 1}", label=f"City {k}", country=str(countries[k]), lat=float(lat[k]), lon=float(lon[k]),
                   pop=float(np.exp(logpop[k])))
    g.add_edges_from((f"Q{a + 1}", f"Q{b + 1}") for a, b in zip(i[tied], j[tied]))
    path = tmp_path / f"known-{seed}-{node_sd}.gexf"
    nx.write_gexf(g, path)
    return nw.read_network(path)


def test_all_pairs_fit_is_the_logit_on_every_pair_and_recovers_known_coefficients(tmp_path, monkeypatch):
    import statsmodels.api as sm

    net = _known_network(tmp_path)
    monkeypatch.setattr(gravity, "BLOCK_PAIRS", 7_000)  # many blocks: streaming must give the one-block answer
    model = gravity.fit_tie_model(net, estimator="all_pairs")
    assert model.fitted and model.estimator == "all_pairs"
    assert model.n == 500 * 499 // 2 and model.n_ties == len(net.ties)
    i, j = np.triu_indices(len(net.cities), 1)
    x = gravity.pair_covariates(net, i, j)
    y = net.has_tie(i, j).astype(float)
    reference = sm.Logit(y, sm.add_constant(x.to_numpy())).fit(disp=0)
    assert np.allclose(model.params.to_numpy(), reference.params, atol=1e-6)
    se = model.std_errors
    for term, true in KNOWN.items():  # the truth lies within 3.5 dyadic-robust standard errors
        assert abs(model.params[term] - true) < 3.5 * se[term], (term, model.params[term], se[term])
    tidy = model.tidy()
    assert (tidy["estimator"] == "all pairs (maximum likelihood, no sampling)").all()
    assert (tidy["se_type"] == gravity.SE_TYPE).all() and "dyadic" in gravity.SE_TYPE
    assert "log_pop_larger" not in set(tidy["label"]) and "log population, larger city" in set(tidy["label"])


def test_dyadic_standard_errors_are_the_aronow_samii_assenova_sandwich(tmp_path):
    """Brute force: the meat sums s_d s_d' over every two dyads sharing a city (d = d' included)."""
    net = _known_network(tmp_path, n_cities=60, seed=2, beta={**KNOWN, "const": 1.0})
    model = gravity.fit_tie_model(net, estimator="all_pairs", terms=("log_distance_km", "same_country"))
    assert model.fitted
    i, j = np.triu_indices(len(net.cities), 1)
    x = np.column_stack([np.ones(len(i)), gravity.pair_covariates(net, i, j, terms=model.terms).to_numpy()])
    y = net.has_tie(i, j).astype(float)
    p = 1 / (1 + np.exp(-(x @ model.params.to_numpy())))
    s = x * (y - p)[:, None]
    shares = (i[:, None] == i[None, :]) | (i[:, None] == j[None, :]) | (j[:, None] == i[None, :]) | (j[:, None] == j[None, :])
    meat = s.T @ shares.astype(float) @ s
    bread = np.linalg.inv((x * (p * (1 - p))[:, None]).T @ x)
    assert np.allclose(model.cov.to_numpy(), bread @ meat @ bread, rtol=1e-6)
    assert np.allclose(model.tidy()["std_error_independent"], np.sqrt(np.diag(bread @ (s.T @ s) @ bread)), rtol=1e-6)


def test_case_control_estimators_and_auto(tmp_path):
    net = _known_network(tmp_path, n_cities=700, seed=8)
    full = gravity.fit_tie_model(net, estimator="all_pairs")
    weighted = gravity.fit_tie_model(net, estimator="weighted", controls_per_tie=5, seed=3)
    corrected = gravity.fit_tie_model(net, estimator="prior_corrected", controls_per_tie=5, seed=3)
    for m in (weighted, corrected):  # correctly specified: both estimate the population slopes and intercept
        assert m.n == 6 * m.n_ties
        for term, true in KNOWN.items():
            assert abs(m.params[term] - true) < 4 * m.std_errors[term], (m.estimator, term)
    agree = gravity.compare_models(full, weighted, corrected)
    assert set(agree["model"]) == {"main"} and len(agree) == 2 * 5
    assert agree["difference"].abs().max() < 1.0
    assert gravity.fit_tie_model(net).estimator == "all_pairs"  # auto: small enough for all pairs
    assert gravity.fit_tie_model(net, max_all_pairs=1000).estimator == "weighted"
    with pytest.raises(ValueError, match="estimator"):
        gravity.fit_tie_model(net, estimator="magic")


def test_weighting_recovers_the_population_slopes_when_the_model_is_misspecified(tmp_path):
    """City effects left out of the model: the prior-corrected slopes drift from the all-pairs ones, the weighted
    ones do not (King & Zeng 2001, section 4.1), and dyadic errors exceed the errors that treat dyads as independent."""
    net = _known_network(tmp_path, n_cities=900, seed=4, node_sd=1.5)
    full = gravity.fit_tie_model(net, estimator="all_pairs")
    w = [gravity.fit_tie_model(net, estimator="weighted", controls_per_tie=3, seed=s) for s in range(4)]
    pc = [gravity.fit_tie_model(net, estimator="prior_corrected", controls_per_tie=3, seed=s) for s in range(4)]
    gap = lambda fits: np.mean([abs(f.params["const"] - full.params["const"]) for f in fits])  # noqa: E731
    assert gap(w) < gap(pc)
    tidy = full.tidy().set_index("term")
    assert (tidy["std_error"] > tidy["std_error_independent"]).iloc[1:].all()
    check = gravity.fit_tie_model(net, estimator="all_pairs", terms=gravity.TERMS + gravity.CHECK_TERMS, name="check")
    assert check.fitted and check.params["log_partners_smaller"] > 0  # popular cities tie more: the effect is seen


def test_the_models_estimator_and_error_names_read_in_the_reports_language_and_the_csv_is_english(tmp_path):
    from studylib.i18n import using_language
    from studylib.report.outputs import write_table

    net = _known_network(tmp_path, n_cities=200, seed=2)
    files = {}
    for lang in ("en", "id"):
        with using_language(lang):
            main = gravity.fit_tie_model(net, estimator="weighted", controls_per_tie=3, seed=1)
            other = gravity.fit_tie_model(net, estimator="prior_corrected", controls_per_tie=3, seed=1, name="other")
            tidy, compared = main.tidy(), gravity.compare_models(main, other)
            write_table(tidy, tmp_path / lang / "tidy.csv")
            write_table(compared, tmp_path / lang / "compared.csv")
            files[lang] = [(tmp_path / lang / name).read_bytes() for name in ("tidy.csv", "compared.csv")]
            shown = {lang: (set(tidy["estimator"]), set(tidy["se_type"]), set(compared["estimator"]))}
            if lang == "id":
                assert shown["id"] == ({"kasus-kontrol, berbobot King-Zeng"},
                                       {"kokoh-klaster diadik (Aronow, Samii & Assenova 2015)"},
                                       {"kasus-kontrol, dengan koreksi prior King-Zeng"})
            else:
                assert shown["en"] == ({gravity.ESTIMATORS["weighted"]}, {gravity.SE_TYPE},
                                       {gravity.ESTIMATORS["prior_corrected"]})
    assert files["id"] == files["en"]


def test_tie_model_too_small_is_said_not_raised(tmp_path):
    net = nw.read_network(_pairs(tmp_path))
    model = gravity.fit_tie_model(net, terms=("log_distance_km",))
    assert not model.fitted and "too few" in model.reason
    assert model.tidy().empty


def test_sampled_controls_are_untied_distinct_pairs(snapshot):
    u, v = gravity.sample_non_ties(snapshot, 5000, seed=3)
    assert len(set(zip(u, v))) == 5000 and (u < v).all()
    assert not snapshot.has_tie(u, v).any()


# ------------------------------------------------------------------------------------------ notebook


def test_ties_map_draws_the_focal_ties_and_the_pairs_chart_their_intervals(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from studylib import charts

    net = nw.read_network(_pairs(tmp_path))
    c = net.cities.reset_index()
    surabaya, busan, bandung = (int(c.index[c["key"] == k][0]) for k in ("surabaya", "busan", "bandung"))
    fig, ax = plt.subplots()
    charts.ties_map(net, [surabaya], highlight=[(surabaya, busan), (surabaya, bandung)], ax=ax)
    thick = [line for line in ax.lines if line.get_linewidth() > 2]
    assert len(thick) == 2 and {line.get_linestyle() for line in thick} == {"-", "--"}  # held, and not held
    assert "focal ties (dashed: not in the network)" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)
    fig, ax = plt.subplots()
    charts.country_pairs_chart(nw.country_pairs(net, highlight=[("ID", "KR")]), ax=ax)
    assert any("95% CI" in t.get_text() for t in ax.texts)
    plt.close(fig)


def test_bad_node_attribute_is_located(tmp_path):
    g = _graph()
    g.nodes["Q1490"]["lat"] = "north"
    path = tmp_path / "net.graphml"
    nx.write_graphml(g, path)
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if 'id="Q1490"' in text)
    with pytest.raises(nw.NetworkFileError, match=rf"net\.graphml:{line}: column 'lat': node 'Q1490': 'north' is not a valid lat"):
        nw.read_network(path)


def test_a_network_read_again_in_another_language_names_its_countries_in_that_language(tmp_path):
    """The read is cached per file and language: an English read must not serve an Indonesian report."""
    from studylib.i18n import using_language

    path = _pairs(tmp_path)
    english = set(nw.read_network(path).cities["country_name"])
    with using_language("id"):
        indonesian = set(nw.read_network(path).cities["country_name"])
    assert "South Korea" in english and "Korea Selatan" in indonesian
    assert "South Korea" not in indonesian
