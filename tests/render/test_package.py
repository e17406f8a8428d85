"""'studylib package': the replication zip a data editor checks (README's list against the files, RO-Crate, lock)."""

from __future__ import annotations

import json
import re
import zipfile

from studylib.runner.package import build_package


def test_package_zip_lists_every_figure_and_table(cjk_run, tmp_path):
    _, result = cjk_run
    assert result.ok, result.error
    outputs = result.output_dir.parents[1]
    target = build_package(tmp_path / "pkg.zip", outputs=outputs, notebooks=[], progress=False)
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "unpacked")
    root = tmp_path / "unpacked" / "replication"
    for required in ("README.md", "CITATION.cff", "references.bib", "requirements-lock.txt", "ro-crate-metadata.json",
                     "src/studylib/bundle/codebook.yaml", "notebooks/pair_profile.ipynb", "data/sources.csv",
                     "data-layers/1-bandung-suwon/activities.csv",
                     "outputs/pair_profile/bandung-suwon/report.html",
                     "outputs/pair_profile/bandung-suwon/manifest.json",
                     "outputs/pair_profile/bandung-suwon/references.bib"):
        assert (root / required).is_file(), required
    readme = (root / "README.md").read_text(encoding="utf-8")
    for section in ("Data availability and provenance", "Computational requirements", "Instructions to replicators",
                    "List of tables and figures"):
        assert f"## {section}" in readme
    listed = set(re.findall(r"^\| (?:Figure|Table) \|.*\| `([^`]+)` \|$", readme, flags=re.M))
    outputs_in_zip = {n.removeprefix("replication/") for n in names
                      if re.search(r"/(figures/[^/]+\.(png|svg)|tables/[^/]+\.(csv|tex))$", n)}
    assert listed and listed == outputs_in_zip
    assert all((root / path).is_file() for path in listed)
    assert "--data data-layers/1-bandung-suwon" in readme
    seconds = json.loads((root / "outputs/pair_profile/bandung-suwon/manifest.json").read_text())["duration_seconds"]
    assert f"| pair_profile | bandung-suwon | {seconds:.1f} |" in readme
    assert "@misc{test-src," in (root / "references.bib").read_text(encoding="utf-8")
    crate = json.loads((root / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    assert crate["@context"] == "https://w3id.org/ro/crate/1.1/context"
    graph = {e["@id"]: e for e in crate["@graph"]}
    assert graph["ro-crate-metadata.json"]["about"] == {"@id": "./"}
    parts = {p["@id"] for p in graph["./"]["hasPart"]}
    assert parts == {n.removeprefix("replication/") for n in names} - {"ro-crate-metadata.json"}
    assert all(p in graph for p in parts)
    assert {"name", "description", "datePublished", "license"} <= set(graph["./"])
