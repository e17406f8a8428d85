"""Sister-city networks: read one, place the study's ties in it, and model who is tied to whom.

:mod:`.graph` is the public API (:func:`read_network`, :class:`Network`, the crosswalk and the partner tables);
files are parsed in :mod:`.files`, names and countries compared in :mod:`.places`, and the dyad model is in
:mod:`.gravity` (``from studylib.network import gravity``). The network's charts are in :mod:`studylib.charts`.
"""

from .graph import (COUNTRY_ALIASES, DEFAULT_NETWORK, DEFAULT_SOURCE_ID, EARTH_RADIUS_KM, MATCH_RADIUS_KM, Network,
                    NetworkFileError, check_network_file, city_partners, compare_partners, compare_rates, country_code,
                    country_pair_tests, country_pairs, focal_ties, great_circle_km, match_cities, name_key,
                    network_credit, partner_countries, poisson_interval, read_network)

__all__ = [
    "Network", "NetworkFileError", "read_network", "check_network_file", "DEFAULT_NETWORK", "COUNTRY_ALIASES",
    "country_code", "name_key", "match_cities", "city_partners", "partner_countries", "focal_ties",
    "great_circle_km", "country_pairs", "compare_partners", "network_credit", "DEFAULT_SOURCE_ID", "EARTH_RADIUS_KM",
    "poisson_interval", "compare_rates", "country_pair_tests", "MATCH_RADIUS_KM",
]
