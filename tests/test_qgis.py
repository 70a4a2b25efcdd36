"""QGIS styles and projects: the XML we write, and a real (headless) QGIS opening the results.

The QGIS check runs tests/qgis_check.py with the system Python, where Debian's
``python3-qgis`` provides PyQGIS (the venv has no QGIS); it skips only where that
is absent.  .ci/run installs QGIS so that CI runs it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from amurlink.core import io
from amurlink.core.io import styles_db
from amurlink.core.io.raster_info import RasterInfo, read_raster_info
from amurlink.outputs import qgis_project, styles

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"
CLASS_RASTERS = ("landcover", "habitat", "cores", "country")


def parse(qml: str) -> ET.Element:
    return ET.fromstring(qml.split("\n", 1)[1])


# ------------------------------------------------------------------ styles
def test_pseudocolor_ramp_spans_the_statistics():
    style = styles.pseudocolor_style(2.0, 10.0, "viridis")
    shader = parse(style.qml()).find("pipe/rasterrenderer/rastershader/colorrampshader")
    values = [float(item.get("value")) for item in shader.findall("item")]
    assert style.renderer == "singlebandpseudocolor"
    assert values[0] == 2.0 and values[-1] == 10.0
    assert values == sorted(values)


def test_sqrt_stretch_gives_the_low_end_more_stops():
    style = styles.pseudocolor_style(0.0, 100.0, stretch="sqrt", n_stops=5)
    shader = parse(style.qml()).find("pipe/rasterrenderer/rastershader/colorrampshader")
    values = [float(item.get("value")) for item in shader.findall("item")]
    assert values == pytest.approx([0, 6.25, 25, 56.25, 100])


def test_class_raster_gets_a_labelled_palette():
    info = RasterInfo(
        stem="country", description="country index", dtype="uint8", minimum=1, maximum=2,
        nodata=0, labels={1: "CHN", 2: "RUS"}, values=[1, 2],
        colormap=styles.country_colours({1: "CHN", 2: "RUS"}),
    )  # fmt: skip
    style = styles.raster_style(info)
    entries = parse(style.qml()).findall("pipe/rasterrenderer/colorPalette/paletteEntry")
    assert style.renderer == "paletted"
    assert [(e.get("value"), e.get("label")) for e in entries] == [("1", "CHN"), ("2", "RUS")]


def test_cores_without_colour_table_get_distinct_colours():
    info = RasterInfo("cores", "core_id", "int32", 1, 4, nodata=0, values=[1, 2, 3, 4])
    entries = parse(styles.raster_style(info).qml()).findall(
        "pipe/rasterrenderer/colorPalette/paletteEntry"
    )
    assert [e.get("label") for e in entries] == ["core 1", "core 2", "core 3", "core 4"]
    assert len({e.get("color") for e in entries}) == 4


def test_read_raster_info_of_a_written_class_raster(tmp_path, small_grid):
    data = np.zeros(small_grid.shape, "uint8")
    data[:10] = 1
    path = io.write_raster(
        tmp_path / "habitat.tif", data, small_grid, nodata=255, descriptions="habitat",
        units="class", categorical=True, colormap=styles.habitat_colours(),
    )  # fmt: skip
    info = read_raster_info(path, class_stems=styles.CLASS_RASTERS)
    assert info.values == [0, 1]
    assert set(info.colormap) == {0, 1}
    assert styles.raster_style(info).renderer == "paletted"


def layers_for_styling():
    crs = "EPSG:32652"
    return {
        "leopard_threats": gpd.GeoDataFrame(
            {"kind": ["road", "logging", "road"], "score": [0.1, 0.5, 0.9]},
            geometry=[LineString([(0, 0), (1, 1)])] * 3, crs=crs,
        ),
        "leopard_links": gpd.GeoDataFrame(
            {"link_id": [1]}, geometry=[LineString([(0, 0), (2, 2)])], crs=crs
        ),
        "leopard_cores": gpd.GeoDataFrame({"core_id": [1]}, geometry=[box(0, 0, 1, 1)], crs=crs),
        "countries": gpd.GeoDataFrame({"iso_a3": ["RUS"], "name": ["Russia"]}, geometry=[box(0, 0, 5, 5)], crs=crs),
        "settlements": gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(1, 1)], crs=crs),
    }  # fmt: skip


def test_vector_styles_by_role():
    layers = layers_for_styling()
    found = {name: styles.vector_style(name, gdf) for name, gdf in layers.items()}
    assert found["leopard_threats"].renderer == "graduatedSymbol"
    assert found["leopard_links"].renderer == "singleSymbol"
    symbol = parse(found["leopard_cores"].qml()).find("renderer-v2/symbols/symbol")
    assert symbol.get("type") == "fill"
    assert parse(found["settlements"].qml()).find("renderer-v2/symbols/symbol").get("type") == (
        "marker"
    )
    grid = gpd.GeoDataFrame(
        {"n_sightings": [1, 3, 8, 20]}, geometry=[box(i, 0, i + 1, 1) for i in range(4)]
    )
    assert styles.vector_style("leopard_sightings_grid_10km", grid).renderer == "graduatedSymbol"
    countries = parse(found["countries"].qml())
    assert countries.get("labelsEnabled") == "1"
    assert countries.find("labeling/settings/text-style").get("fieldName") == 'upper("name")'
    # horizontal anywhere in the visible part (a centroid can lie off the map)
    assert countries.find("labeling/settings/placement").get("placement") == "4"


def mixed_threats() -> gpd.GeoDataFrame:
    """Three road threats and two cutblocks, as flag_threats writes them (one GEOMETRY layer)."""
    return gpd.GeoDataFrame(
        {"threat_id": [1, 2, 3, 4, 5], "kind": ["road", "logging", "road", "logging", "road"],
         "source_id": [7, 1, 8, 2, 9], "score": [0.9, 0.8, 0.5, 0.3, 0.1],
         "rank": [1, 2, 3, 11, 12]},
        geometry=[LineString([(0, 0), (1, 1)]), box(0, 0, 1, 1), LineString([(1, 0), (2, 1)]),
                  box(2, 2, 3, 3), LineString([(3, 0), (4, 1)])],
        crs="EPSG:32652",
    )  # fmt: skip


def test_mixed_threats_are_written_one_geometry_type_per_layer(tmp_path):
    import pyogrio

    from amurlink.outputs import public

    roads = gpd.GeoDataFrame(
        {"road_id": [7, 8], "name": ["Khasan road", None]},
        geometry=[LineString([(0, 0), (1, 1)])] * 2, crs="EPSG:32652",
    )  # fmt: skip
    threats = public.threat_names(mixed_threats(), roads)
    assert threats["name"].iloc[0] == "Khasan road"  # cutblocks and unnamed roads: no name
    assert threats["name"].isna().tolist() == [False, True, True, True, True]
    layers = public.split_by_geometry("leopard_threats", threats)
    assert {n: g["threat_id"].tolist() for n, g in layers.items()} == {
        "leopard_threats_roads": [1, 3, 5], "leopard_threats_cutblocks": [2, 4],
    }  # fmt: skip
    # a layer of one type keeps its name; any other mixed layer is split too
    links = layers_for_styling()["leopard_links"]
    assert list(public.split_by_geometry("leopard_links", links)) == ["leopard_links"]
    assert list(public.split_by_geometry("x_misc", mixed_threats())) == ["x_misc_lines",
                                                                       "x_misc_polygons"]  # fmt: skip
    path = io.write_layers(layers, tmp_path / "t.gpkg", styles=styles.vector_styles(layers))
    types = {name: kind for name, kind in pyogrio.list_layers(path) if kind}
    assert types == {"leopard_threats_roads": "LineString", "leopard_threats_cutblocks": "Polygon"}


def test_threat_layers_styled_by_their_geometry_and_top_ten_labelled():
    from amurlink.outputs import public

    threats = mixed_threats().assign(name=["Khasan road", None, None, None, None])
    layers = public.split_by_geometry("leopard_threats", threats)
    for name, kind in (("leopard_threats_roads", "line"), ("leopard_threats_cutblocks", "fill")):
        style = styles.vector_style(name, layers[name])
        root = parse(style.qml())
        assert style.renderer == "graduatedSymbol"
        assert root.find("renderer-v2").get("attr") == "score"
        assert {s.get("type") for s in root.iter("symbol")} == {kind}, name
        assert root.get("labelsEnabled") == "1"
        label = root.find("labeling/settings/text-style").get("fieldName")
        assert '"rank" <= 10' in label and '"name"' in label
    assert '"name"' not in styles.top_threat_label(["rank", "score"])


def test_roads_by_group_and_proposed_dashed():
    roads = gpd.GeoDataFrame(
        {"group": ["major", "track"], "status": ["existing", "proposed"]},
        geometry=[LineString([(0, 0), (1, 1)])] * 2,
    )
    root = parse(styles.vector_style("roads", roads).qml())
    cats = [c.get("value") for c in root.findall("renderer-v2/categories/category")]
    assert cats == ["major", "minor", "track", "proposed"]
    widths = [float(s.find("layer/prop[@k='line_width']").get("v"))
              for s in root.findall("renderer-v2/symbols/symbol")]  # fmt: skip
    assert widths[0] > widths[1] > widths[2]
    dashes = [s.find("layer/prop[@k='line_style']").get("v")
              for s in root.findall("renderer-v2/symbols/symbol")]  # fmt: skip
    assert dashes == ["solid", "solid", "solid", "dash"]


def test_suitability_in_the_printed_maps_ramp_and_current_fades():
    from amurlink.outputs import maps

    info = RasterInfo("suitability", "suitability", "float32", 0.1, 0.7)
    shader = parse(styles.raster_style(info).qml()).find(
        "pipe/rasterrenderer/rastershader/colorrampshader"
    )
    items = shader.findall("item")
    assert (float(items[0].get("value")), float(items[-1].get("value"))) == (0.0, 1.0)
    assert [i.get("color") for i in items] == [
        styles.hex_colour(c) for c in styles.ramp_colours(maps.SUITABILITY_CMAP, 9)
    ]
    current = parse(styles.raster_style(RasterInfo("current", "", "float32", 0, 5)).qml())
    alphas = [int(i.get("alpha")) for i in current.iter("item")]
    assert alphas[0] == 0 and alphas[-1] == 255 and alphas == sorted(alphas)


def test_layer_styles_table_round_trip(tmp_path):
    layers = layers_for_styling()
    path = io.write_layers(layers, tmp_path / "out.gpkg", styles=styles.vector_styles(layers))
    stored = styles_db.read_layer_styles(path)
    assert set(stored) == set(layers)
    assert stored["leopard_links"][1] == "LINESTRING"
    con = sqlite3.connect(path)
    row = con.execute(
        "SELECT f_geometry_column, useAsDefault, update_time FROM layer_styles "
        "WHERE f_table_name = 'leopard_cores'"
    ).fetchone()
    kind = con.execute(
        "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
    ).fetchone()
    con.close()
    assert row == ("geom", 1, styles_db.STYLE_TIME)
    assert kind == ("attributes",)
    # equal inputs, equal bytes
    again = io.write_layers(layers, tmp_path / "again.gpkg", styles=styles.vector_styles(layers))
    assert again.read_bytes() == path.read_bytes()
    with pytest.raises(ValueError, match="no geometry layer"):
        styles_db.add_layer_styles(path, {"nothing": "<qgis/>"})


def test_style_from_qml_extracts_the_renderer():
    raster = styles.style_from_qml(styles.pseudocolor_style(0, 1).qml())
    assert raster.renderer == "singlebandpseudocolor" and raster.body.startswith("<pipe")
    vector = styles.style_from_qml(styles.single_symbol_style("line", (1, 2, 3, 255)).qml())
    assert vector.renderer == "singleSymbol" and vector.body.startswith("<renderer-v2")


# ------------------------------------------------------------------ project
def test_raster_groups_follow_the_results_tree():
    assert qgis_project.raster_name_and_group("results/habitat/tiger/suitability.tif") == (
        "tiger suitability", "habitat",
    )  # fmt: skip
    assert qgis_project.raster_name_and_group(
        "results/connectivity/baseline/tiger/current.tif"
    ) == ("tiger current density", "connectivity")
    assert qgis_project.raster_name_and_group(
        "results/connectivity/proposed_road/tiger/current.tif"
    ) == ("proposed_road: tiger current density", "scenarios")
    assert qgis_project.raster_name_and_group("results/prepare/landcover.tif") == (
        "landcover", "base",
    )  # fmt: skip
    assert qgis_project.vector_group("tiger_threats_roads") == "threats"
    assert qgis_project.vector_group("tiger_threats_cutblocks") == "threats"
    assert qgis_project.vector_group("border") == "reference"
    assert qgis_project.vector_group("roads") == "reference"


def test_project_xml_groups_layers_with_relative_paths():
    layers = [
        qgis_project.ProjectLayer(
            "tiger threats", "amurlink.gpkg|layername=tiger_threats", "vector", "threats",
            styles.single_symbol_style("line", (1, 2, 3, 255)), geometry="Line",
        ),
        qgis_project.ProjectLayer(
            "tiger suitability", "../habitat/tiger/suitability.tif", "raster", "habitat",
            styles.pseudocolor_style(0, 1),
        ),
    ]  # fmt: skip
    xml = qgis_project.project_xml(
        layers, title="t", crs_wkt="WKT", crs_authid="EPSG:32652", extent=(0, 0, 1, 1)
    )
    root = ET.fromstring(xml.split("\n", 1)[1])
    groups = [g.get("name") for g in root.findall("layer-tree-group/layer-tree-group")]
    assert groups == ["Threats", "Habitat"]
    sources = [d.text for d in root.iter("datasource")]
    assert sources == [
        "./amurlink.gpkg|layername=tiger_threats",
        "../habitat/tiger/suitability.tif",
    ]
    assert root.find("properties/Paths/Absolute").text == "false"
    maplayers = root.findall("projectlayers/maplayer")
    assert maplayers[0].find("renderer-v2") is not None
    assert maplayers[1].find("pipe/rasterrenderer").get("type") == "singlebandpseudocolor"
    qgz = qgis_project.qgz_bytes(xml, "p")
    assert qgz == qgis_project.qgz_bytes(xml, "p")
    assert qgis_project.referenced_sources(qgz) == sources
    with pytest.raises(ValueError, match="unknown layer groups"):
        qgis_project.project_xml(
            [qgis_project.ProjectLayer("x", "x.tif", "raster", "misc", layers[1].style)],
            title="t", crs_wkt="", crs_authid="", extent=(0, 0, 1, 1),
        )  # fmt: skip


def test_project_layers_public_project_leaves_out_base_rasters():
    line = styles.single_symbol_style("line", (1, 2, 3, 255)).qml()
    ramp = styles.pseudocolor_style(0, 1).qml()
    vectors = {"tiger_links": (line, "MULTILINESTRING"), "countries": (line, "POLYGON")}
    rasters = [("results/habitat/tiger/suitability.tif", ramp),
               ("results/prepare/landcover.tif", ramp)]  # fmt: skip
    full = qgis_project.project_layers(
        "results/outputs/amurlink.gpkg", vectors, rasters, "results/outputs", public=False
    )
    assert [(layer.name, layer.group, layer.geometry) for layer in full] == [
        ("tiger links", "connectivity", "Line"), ("countries", "reference", "Polygon"),
        ("tiger suitability", "habitat", ""), ("landcover", "base", ""),
    ]  # fmt: skip
    assert full[0].source == "amurlink.gpkg|layername=tiger_links"
    assert full[2].source == "../habitat/tiger/suitability.tif"
    public = qgis_project.project_layers(
        "results/outputs/amurlink.gpkg", vectors, rasters, "results/outputs", public=True
    )
    assert [layer.name for layer in public] == ["tiger links", "countries", "tiger suitability"]


def test_default_view_one_species_and_reference_layers_on_top():
    line = styles.single_symbol_style("line", (1, 2, 3, 255)).qml()
    ramp = styles.pseudocolor_style(0, 1).qml()
    vectors = {
        f"{sp}_{role}": (line, "POLYGON")
        for sp in ("leopard", "tiger") for role in ("cores", "corridors", "threats_roads")
    } | {"roads": (line, "LINESTRING"), "countries": (line, "POLYGON"),
         "border": (line, "LINESTRING"), "settlements": (line, "POINT")}  # fmt: skip
    rasters = [
        (f"results/{where}/{sp}/{stem}.tif", ramp)
        for sp in ("leopard", "tiger")
        for where, stem in (("habitat", "suitability"), ("habitat", "uncertainty"),
                            ("connectivity/baseline", "current"),
                            ("connectivity/baseline", "corridors"),
                            ("connectivity/road", "current"))
    ]  # fmt: skip
    layers = qgis_project.project_layers(
        "results/outputs/amurlink.gpkg", vectors, rasters, "results/outputs", public=False,
        first_species="leopard",
    )  # fmt: skip
    on = {layer.name for layer in layers if layer.visible}
    assert on == {
        "leopard corridors", "leopard threats roads", "leopard suitability",
        "leopard current density", "roads", "countries", "border", "settlements",
    }  # fmt: skip
    xml = qgis_project.project_xml(
        layers, title="t", crs_wkt="WKT", crs_authid="EPSG:32652", extent=(0, 0, 1, 1)
    )
    root = ET.fromstring(xml.split("\n", 1)[1])
    groups = root.findall("layer-tree-group/layer-tree-group")
    assert groups[0].get("name") == "Roads, settlements and borders"  # drawn above the rasters
    names = [lyr.get("name") for lyr in groups[0].findall("layer-tree-layer")]
    assert names == ["settlements", "border", "countries", "roads"]


def test_public_rasters_copied_under_outputs_keep_names():
    rasters = ["results/habitat/tiger/suitability.tif", "results/prepare/landcover.tif",
               "results/connectivity/road/tiger/current.tif"]  # fmt: skip
    public = qgis_project.public_rasters(rasters)
    assert public == [rasters[0], rasters[2]]
    copies = [qgis_project.public_raster_path(r, "results", "results/outputs/public")
              for r in public]  # fmt: skip
    assert [c.as_posix() for c in copies] == [
        "results/outputs/public/habitat/tiger/suitability.tif",
        "results/outputs/public/connectivity/road/tiger/current.tif",
    ]
    assert [qgis_project.raster_name_and_group(c.as_posix()) for c in copies] == [
        qgis_project.raster_name_and_group(r) for r in public
    ]


# ------------------------------------------------------------------ a real QGIS


def qgis_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    res = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    return res.returncode == 0


def run_qgis_check(tmp_path: Path, *args: str) -> dict:
    runtime = tmp_path / "xdg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(runtime),
        "LANG": "C.UTF-8",
    }
    res = subprocess.run(
        [SYSTEM_PYTHON, str(ROOT / "tests" / "qgis_check.py"), *args],
        capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-5000:]
    return json.loads(res.stdout[res.stdout.index("{") :])


def project_styles(qgz: Path) -> dict[str, str]:
    """Layer name → renderer type that the project's embedded style names."""
    with zipfile.ZipFile(qgz) as zf:
        xml = zf.read(zf.namelist()[0]).decode()
    root = ET.fromstring(xml.split("\n", 1)[1])
    found = {}
    for maplayer in root.iter("maplayer"):
        renderer = maplayer.find("pipe/rasterrenderer")
        if renderer is None:
            renderer = maplayer.find("renderer-v2")
        found[maplayer.find("layername").text] = renderer.get("type")
    return found


def check_class_rasters_paletted(layer: dict):
    """Class rasters (land cover, habitat, cores, country) are paletted; others ramps."""
    if layer["kind"] != "raster":
        return
    stem = Path(layer["source"].split("|")[0]).stem
    if stem in CLASS_RASTERS:
        assert layer["renderer"] == "paletted", layer
    else:
        assert layer["renderer"] in ("singlebandpseudocolor", "paletted"), layer


#: The symbol type that draws each geometry type (a fill symbol draws no line).
SYMBOL_OF_GEOMETRY = {"point": "marker", "line": "line", "polygon": "fill"}


def check_vectors_drawn(project: dict):
    """Each vector layer's symbols match its geometry; each threat layer draws on its own."""
    vectors = [layer for layer in project["layers"] if layer["kind"] == "vector"]
    for layer in vectors:
        assert layer["symbols"] == [SYMBOL_OF_GEOMETRY[layer["geometry"]]], layer
    threats = {layer["name"]: layer for layer in vectors if "threats" in layer["name"]}
    # one geometry type per layer: roads as lines, cutblocks as polygons
    assert {"leopard threats roads", "leopard threats cutblocks"} <= set(threats), sorted(threats)
    assert threats["leopard threats roads"]["geometry"] == "line"
    assert threats["leopard threats cutblocks"]["geometry"] == "polygon"
    rendered = project["render"]["threat_layers"]
    assert set(rendered) == set(threats)
    for name, layer in threats.items():
        assert '"rank" <= 10' in (layer["labels"] or ""), layer  # the top ten labelled
        if layer["features"]:
            assert rendered[name]["pixels"] > 0, f"{name} renders blank ({rendered[name]['png']})"
    for name in ("roads", "settlements", "countries", "border"):
        assert next(lyr for lyr in vectors if lyr["name"] == name)["valid"], name


def check_default_view(view: dict):
    """One species' suitability, its corridors and current, reference layers on top."""
    shown = view["layers"]  # top first
    assert shown[:4] == ["settlements", "border", "countries", "roads"], shown
    suitability = [name for name in shown if name.endswith("suitability")]
    assert suitability == ["leopard suitability"], shown
    assert {"leopard corridors", "leopard current density"} <= set(shown), shown
    assert not any(name.startswith("tiger") for name in shown), shown
    assert Path(view["png"]).exists() and view["pixels"] > 100_000, view


@pytest.fixture(scope="module")
def qgis():
    if not qgis_available():
        pytest.skip(f"QGIS is absent: no {SYSTEM_PYTHON} with qgis.core (apt install python3-qgis)")


@pytest.mark.slow
@pytest.mark.qgis
def test_qgis_opens_every_layer_valid_and_styled(qgis, run_dir, tmp_path):
    outputs = run_dir / "results" / "outputs"
    full, public = outputs / "amurlink.qgz", outputs / "amurlink_public.qgz"
    rasters = sorted(
        p for p in (run_dir / "results").rglob("*.tif") if p.with_suffix(".qml").exists()
    )
    args = [
        "--project",
        str(full),
        "--project",
        str(public),
        "--gpkg",
        str(outputs / "amurlink.gpkg"),
    ]
    for raster in rasters:
        args += ["--raster", str(raster)]
    report = run_qgis_check(tmp_path, *args, "--render-dir", str(tmp_path))
    styles_of = {path: project_styles(path) for path in (full, public)}

    for path in (full, public):
        project = report["projects"][str(path)]
        assert project["read"], project["error"]
        assert project["crs_valid"], project["crs"]
        assert {"Habitat", "Connectivity", "Threats", "Scenarios"} <= set(project["groups"])
        assert project["layers"], path
        for layer in project["layers"]:
            assert layer["valid"], f"{path.name}: {layer['name']} ({layer['source']}) is invalid"
            assert layer["crs_valid"], f"{path.name}: {layer['name']} has no valid CRS"
            # QGIS falls back to a grey ramp or a single symbol when it cannot read a style
            assert layer["renderer"] == styles_of[path][layer["name"]], (path.name, layer)
            check_class_rasters_paletted(layer)
    for path in (full, public):
        check_vectors_drawn(report["projects"][str(path)])
    check_default_view(report["projects"][str(public)]["render"]["view"])
    n_full = len(report["projects"][str(full)]["layers"])
    n_public = len(report["projects"][str(public)]["layers"])
    assert n_public < n_full  # the public project leaves out the prepared base rasters
    for layer in report["projects"][str(public)]["layers"]:
        source = layer["source"].replace("\\", "/")
        assert "/results/prepare/" not in source and "/results/demo/" not in source, source

    # the defaults beside the data: .qml next to each raster, layer_styles in the GeoPackage
    assert len(report["rasters"]) == len(rasters) > 10
    for raster, layer in zip(rasters, report["rasters"], strict=True):
        assert layer["valid"], layer
        assert (
            layer["renderer"]
            == styles.style_from_qml(raster.with_suffix(".qml").read_text()).renderer
        ), layer
        check_class_rasters_paletted(layer)
    stored = styles_db.read_layer_styles(outputs / "amurlink.gpkg")
    for layer in report["gpkg_layers"]:
        assert layer["valid"], layer
        assert layer["renderer"] == styles.style_from_qml(stored[layer["name"]][0]).renderer, layer
    assert report["gpkg_layers"], "the results GeoPackage has no layers"


@pytest.mark.slow
@pytest.mark.qgis
def test_public_project_opens_from_a_copy_of_outputs_alone(qgis, run_dir, tmp_path):
    import shutil

    outputs = run_dir / "results" / "outputs"
    # nothing in outputs/ holds a sighting coordinate file
    names = {p.name for p in outputs.rglob("*")}
    assert not names & {"presences.csv", "background.csv", "sightings.csv"}
    copy = tmp_path / "handed_over" / "outputs"
    shutil.copytree(outputs, copy)
    public = copy / "amurlink_public.qgz"
    report = run_qgis_check(tmp_path, "--project", str(public))
    project = report["projects"][str(public)]
    assert project["read"], project["error"]
    assert len(project["layers"]) > 30
    for layer in project["layers"]:
        assert layer["valid"], f"{layer['name']} ({layer['source']}) is invalid from a copy"
        source = Path(layer["source"].split("|")[0]).resolve()
        assert copy.resolve() in source.parents, layer["source"]
    kinds = {layer["kind"] for layer in project["layers"]}
    assert kinds == {"raster", "vector"}


@pytest.mark.slow
def test_projects_reference_no_sighting_files(run_dir):
    outputs = run_dir / "results" / "outputs"
    for name in ("amurlink.qgz", "amurlink_public.qgz"):
        with zipfile.ZipFile(outputs / name) as zf:
            assert [n for n in zf.namelist()] == [name.replace(".qgz", ".qgs")]
        sources = qgis_project.referenced_sources((outputs / name).read_bytes())
        assert sources
        for source in sources:
            file = source.split("|")[0]
            # sightings reach a project only generalised, as a layer of the results GeoPackage
            assert not file.endswith(".csv") and "presences" not in file, source
            assert "sightings" not in file and "camera" not in file, source
            assert not source.startswith("/"), f"{name}: absolute path {source}"
            target = (outputs / file).resolve()
            assert target.exists(), f"{name}: {source} does not exist"
            if name == "amurlink_public.qgz":
                assert "prepare" not in target.parts and "demo" not in target.parts


def test_threat_layers_with_impacts_are_graduated_by_pc_regained_and_keep_proposed_roads():
    threats = mixed_threats().assign(dPC_regained=[1.3, 0.0, np.nan, 0.4, 0.1])
    style = styles.threat_style("line", threats)
    attr = parse(style.qml()).find("renderer-v2").get("attr")
    # an unranked proposed road (no impact, NULL) must stay in a class, not drop out
    assert attr == 'coalesce("dPC_regained", 0)'
