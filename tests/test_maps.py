"""Outputs: the species map (page size, legend, scale bar, north arrow) and the GeoPackage layers."""

import geopandas as gpd
import matplotlib
import matplotlib.image as mpimg
import numpy as np
import pytest
from PIL import Image
from shapely.geometry import LineString, box

from amurlink.connectivity.corridors import corridor_polygons
from amurlink.core import io
from amurlink.core.grid import Grid
from amurlink.core.io.figures import save_figure
from amurlink.core.io.naturalearth import read_naturalearth
from amurlink.outputs import maps, public
from amurlink.threats import flagging as thr

CRS = "EPSG:32652"


@pytest.mark.parametrize(
    ("width_m", "expected"),
    [
        (130_000, 20_000),  # a quarter is 32.5 km -> 20 km
        (100_000, 20_000),  # 25 km -> 20 km
        (80_000, 20_000),  # exactly 20 km fits
        (79_000, 10_000),
        (4_000, 1_000),
        (2_500, 500),
        (1_000_000, 200_000),
    ],
)
def test_nice_scale_length(width_m, expected):
    assert maps.nice_scale_length(width_m) == expected


def test_nice_scale_length_rejects_bad_width():
    with pytest.raises(ValueError):
        maps.nice_scale_length(0)


def test_scale_label():
    assert maps.scale_label(20_000) == "20 km"
    assert maps.scale_label(500) == "500 m"
    assert maps.scale_label(2_500) == "2.5 km"


def test_scale_bar_length_in_data_units():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 4))
    ax = fig.add_subplot()
    ax.set_xlim(600_000, 730_000)
    ax.set_ylim(4_700_000, 4_860_000)
    blocks = maps.draw_scale_bar(ax, segments=4)
    assert len(blocks) == 4
    assert sum(b.get_width() for b in blocks) == pytest.approx(20_000)
    assert blocks[0].get_x() == pytest.approx(600_000 + 0.05 * 130_000)
    assert blocks[-1].get_x() + blocks[-1].get_width() == pytest.approx(
        600_000 + 0.05 * 130_000 + 20_000
    )


def test_north_arrow_angle_follows_meridian_convergence():
    # UTM 52N has its central meridian at 129 E: no convergence there, about
    # (lon - 129) * sin(lat) degrees east of it (true north turned anticlockwise).
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    assert maps.north_arrow_angle(CRS, *tr.transform(129.0, 43.0)) == pytest.approx(0, abs=0.01)
    expected = 2.0 * np.sin(np.radians(43.0))
    assert maps.north_arrow_angle(CRS, *tr.transform(131.0, 43.0)) == pytest.approx(
        expected, abs=0.05
    )


@pytest.fixture
def map_inputs():
    grid = Grid.from_bounds(CRS, (600_000, 4_700_000, 640_000, 4_750_000), 500)  # 80 x 100
    x, y = grid.xy()
    suit = np.clip(np.add.outer((y - y.min()) / np.ptp(y), (x - x.min()) / np.ptp(x)) / 2, 0, 1)
    suit = np.ma.masked_array(suit, mask=np.zeros(grid.shape, bool))
    suit.mask[:5, :5] = True
    cores = gpd.GeoDataFrame(
        {"core_id": [1, 2]},
        geometry=[
            box(603_000, 4_740_000, 612_000, 4_747_000),
            box(628_000, 4_703_000, 637_000, 4_712_000),
        ],
        crs=CRS,
    )
    links = gpd.GeoDataFrame(
        {"link_id": [1], "dPC": [30.0], "crosses_border": [True]},
        geometry=[LineString([(612_000, 4_740_000), (628_000, 4_712_000)])],
        crs=CRS,
    )
    corridors = np.zeros(grid.shape, bool)
    corridors[20:70, 20:60] = True
    roads = gpd.GeoDataFrame(
        {
            "road_id": [1, 2, 3],
            "highway": ["primary", "tertiary", "track"],
            "status": ["existing", "existing", "proposed"],
        },
        geometry=[
            LineString([(600_000, 4_725_000), (640_000, 4_725_000)]),
            LineString([(620_000, 4_700_000), (620_000, 4_750_000)]),
            LineString([(605_000, 4_705_000), (615_000, 4_715_000)]),
        ],
        crs=CRS,
    )
    countries = gpd.GeoDataFrame(
        {"iso_a3": ["RUS", "CHN"], "name": ["Russia", "China"]},
        geometry=[
            box(620_000, 4_690_000, 650_000, 4_760_000),
            box(590_000, 4_690_000, 620_000, 4_760_000),
        ],
        crs=CRS,
    )
    corridor_polys = corridor_polygons(np.where(corridors, 1.0, -9999.0), grid)
    threats = thr.flag_threats(roads, None, corridor_polys, links, countries)
    return grid, suit, cores, links, corridors, roads, threats, countries


def test_species_map_renders_a4_png_with_legend_and_scale_bar(map_inputs, tmp_path):
    grid, suit, cores, links, corridors, roads, threats, countries = map_inputs
    fig = maps.species_map(
        suit, grid, cores, links, corridors, roads, threats, countries,
        title="Test species", credits="synthetic test data", date="2026-01-02",
    )  # fmt: skip
    # legend with the expected entries
    legend = fig.legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    for expected in ("Least-cost corridor", "Core habitat area", "Least-cost path, cross-border",
                     "Road, major", "Road, proposed", "International border",
                     "Top threat: road", "Threat rank (1 = worst)"):  # fmt: skip
        assert expected in labels
    # scale bar: 40 km wide axis -> 10 km bar
    ax = fig.axes[0]
    bar = [p for p in ax.patches if p.get_gid() == "scalebar"]
    assert sum(p.get_width() for p in bar) == pytest.approx(10_000)
    texts = [t.get_text() for t in ax.texts]
    assert "10 km" in texts and "N" in texts
    assert "RUSSIA" in texts and "CHINA" in texts
    # both ranked road threats marked by rank
    assert {"1", "2"} <= set(texts)
    all_text = " ".join(t.get_text() for t in fig.texts)
    assert "synthetic test data" in all_text and "2026-01-02" in all_text
    # axes in km
    assert ax.xaxis.get_major_formatter()(620_000, 0) == "620"

    path = tmp_path / "map.png"
    with io.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=maps.DPI, format="png")
    img = mpimg.imread(path)
    # the study area is taller than wide: A4 portrait at 300 dpi
    assert img.shape[:2] == (round(11.69 * 300), round(8.27 * 300))
    with Image.open(path) as im:
        assert im.info["dpi"] == pytest.approx((300, 300), abs=0.1)
    assert not list(tmp_path.glob(".map*"))  # no temporary file left


def test_species_map_landscape_for_wide_area(map_inputs):
    _, _, cores, links, _, roads, threats, countries = map_inputs
    grid = Grid.from_bounds(CRS, (590_000, 4_700_000, 650_000, 4_730_000), 500)
    suit = np.full(grid.shape, 0.5)
    fig = maps.species_map(
        suit, grid, cores, links, None, roads, threats, countries, title="t", credits="c"
    )
    assert tuple(fig.get_size_inches()) == pytest.approx((11.69, 8.27))


def test_package_layers_names_and_no_sightings(map_inputs):
    grid, _, cores, links, corridors, _, threats, countries = map_inputs
    border = gpd.GeoDataFrame(
        {"countries": ["CHN-RUS"]},
        geometry=[LineString([(620_000, 4_690_000), (620_000, 4_760_000)])],
        crs=CRS,
    )
    polys = corridor_polygons(np.where(corridors, 1.0, -9999.0), grid)
    per_species = {
        "leopard": {"cores": cores, "links": links, "corridors": polys, "threats": threats}
    }
    layers = public.package_layers(per_species, countries.to_crs("EPSG:4326"), border)
    assert list(layers) == [
        "leopard_cores",
        "leopard_links",
        "leopard_corridors",
        "leopard_threats_roads",  # one geometry type per layer (the fixture's threats are roads)
        "countries",
        "border",
    ]
    assert all(g.crs == CRS for g in layers.values())  # reprojected to one CRS
    with pytest.raises(ValueError, match="sighting"):
        public.package_layers({"leopard": {"presences": cores}}, countries, border)


def test_generalise_points_counts_per_aligned_cell():
    x = np.array([600_100.0, 609_900.0, 610_100.0, np.nan])
    y = np.array([4_700_100.0, 4_709_000.0, 4_700_500.0, 1.0])
    cells = public.generalise_points(x, y, 10_000, CRS)
    assert cells["n_sightings"].tolist() == [2, 1]
    assert cells.geometry.iloc[0].bounds == (600_000, 4_700_000, 610_000, 4_710_000)
    assert set(cells.geom_type) == {"Polygon"} and (cells["cell_km"] == 10).all()


def test_package_layers_takes_generalised_sightings_only_as_cells(map_inputs):
    _, _, cores, links, _, _, threats, countries = map_inputs
    cells = public.generalise_points(np.array([605_000.0]), np.array([4_705_000.0]), 10_000, CRS)
    layers = public.package_layers({"leopard": {"cores": cores}}, countries, None,
                                 sightings_grids={"leopard": cells})  # fmt: skip
    assert "leopard_sightings_grid_10km" in layers
    points = gpd.GeoDataFrame({"cell_km": [10.0]}, geometry=gpd.points_from_xy([1], [2]), crs=CRS)
    with pytest.raises(ValueError, match="only cell polygons"):
        public.package_layers({}, countries, None, sightings_grids={"leopard": points})


def test_map_date_fixed_by_config_or_source_date_epoch(monkeypatch):
    assert maps.map_date("2026-01-31") == "2026-01-31"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00Z
    assert maps.map_date(None) == "2026-01-01"


def test_species_map_has_locator(map_inputs):
    grid, suit, cores, links, corridors, roads, threats, countries = map_inputs
    fig = maps.species_map(
        suit, grid, cores, links, corridors, roads, threats, countries, title="t",
        credits="c", date="2026-01-02", locator=read_naturalearth(),
    )  # fmt: skip
    locator = [a for a in fig.axes if a.get_gid() == "locator"]
    assert len(locator) == 1 and "Location" in locator[0].get_title()
    # the study area's outline is drawn in lon/lat inside the inset
    (outline,) = locator[0].lines
    assert 130 < min(outline.get_xdata()) < max(outline.get_xdata()) < 132.2


def test_save_figure_writes_a_reproducible_pdf(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 2))
    fig.text(0.5, 0.5, "2026-01-02")
    png, pdf = tmp_path / "m.png", tmp_path / "m.pdf"
    save_figure(fig, png, pdf, dpi=maps.DPI)
    first = pdf.read_bytes()
    assert first.startswith(b"%PDF") and b"CreationDate" not in first
    with Image.open(png) as im:
        assert im.info["dpi"] == pytest.approx((300, 300), abs=0.1)
    save_figure(fig, None, pdf, dpi=maps.DPI)
    assert pdf.read_bytes() == first  # no timestamp: same inputs, same file


def test_scenario_map_marks_lost_links_and_deltas(map_inputs):
    import pandas as pd

    grid, _, cores, links, corridors, roads, _, countries = map_inputs
    scen = corridors.copy()
    scen[20:70, 40:60] = False
    footprint = np.zeros(grid.shape, bool)
    footprint[45, :] = True
    status = pd.DataFrame({"link_id": [1], "status": ["lost"]})
    links = links.assign(link_id=[1])
    summary = {"PC_baseline": 0.05, "PC_scenario": 0.031, "delta_PC_pct": -38.0,
               "EC_baseline": 100.0, "EC_scenario": 80.0, "delta_EC_pct": -20.0,
               "links_lost": [1], "links_weakened": []}  # fmt: skip
    fig = maps.scenario_map(
        grid, corridors, scen, footprint, None, links, status, None, cores, roads, countries,
        title="t", credits="c", summary=summary, date="2026-01-02",
    )  # fmt: skip
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Link lost" in labels and "Corridor lost in the scenario" in labels
    assert "Scenario: new road / cutblock" in labels
    box = [t for t in fig.axes[0].texts if t.get_gid() == "scenario_summary"][0].get_text()
    assert "PC: 0.0500 → 0.0310 (-38.0 %)" in box and "Links lost: 1" in box
    assert "L1" in [t.get_text() for t in fig.axes[0].texts]


def test_scenario_changes_marks_map_cells_with_any_changed_cell():
    names = ["road_major", "logging_age", "fence"]
    base = np.zeros((3, 4, 4))
    scen = np.zeros((3, 4, 4))
    scen[0, 0, 1] = 1  # a new road cell in map cell (0, 0)
    base[2, 3, 3] = 1  # a fence removed in map cell (1, 1)
    base[1, 2, 0], scen[1, 2, 0] = 10, 0  # a fresh cut in map cell (1, 0)
    base[0, 1, 3] = np.nan  # no data counts as no pressure
    strips = [(None, {"baseline": base[:, r : r + 2], "scenario": scen[:, r : r + 2]})
              for r in (0, 2)]  # fmt: skip
    footprint, relief = maps.scenario_changes(strips, names, 2)
    assert footprint.tolist() == [[True, False], [True, False]]
    assert relief.tolist() == [[False, False], [False, True]]


def test_corridors_between_cores_leaves_out_core_cells(map_inputs):
    grid, _, cores, *_ = map_inputs
    corridors = np.ones(grid.shape, bool)
    between = maps.corridors_between_cores(corridors, cores, grid)
    row, col = grid.rowcol([607_000], [4_743_000])
    assert not between[row[0], col[0]] and between.sum() < corridors.sum()


def test_map_titles_name_species_model_and_scenario():
    species = {"key": "leopard", "name": "Panthera pardus orientalis"}
    title, subtitle = maps.species_map_titles(species, "maxent", 10)
    assert title.startswith("Leopard (Panthera pardus orientalis)")
    assert "(MaxEnt)" in subtitle and "the 10 worst" in subtitle
    assert maps.scenario_map_title(species, "road") == "Leopard: scenario 'road'"
    described = maps.scenario_map_title(species, "road", "A border road, built as secondary.")
    assert described == "Leopard: A border road, built as secondary"


def _text_sizes(fig) -> list[tuple[str, float]]:
    from matplotlib.text import Text

    return [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text) if t.get_text().strip()]


def test_every_text_on_the_maps_is_at_least_7_pt(map_inputs):
    import pandas as pd

    grid, suit, cores, links, corridors, roads, threats, countries = map_inputs
    species = maps.species_map(
        suit, grid, cores, links, corridors, roads, threats, countries, title="t" * 150,
        credits="c", locator=countries,
    )  # fmt: skip
    scenario = maps.scenario_map(
        grid, corridors, corridors, np.zeros(grid.shape, bool), None, links.assign(link_id=[1]),
        pd.DataFrame({"link_id": [1], "status": ["lost"]}), None, cores, roads, countries,
        title="t", credits="c", summary={"links_lost": [1]}, locator=countries,
    )  # fmt: skip
    for fig in (species, scenario):
        small = [(text, size) for text, size in _text_sizes(fig) if size < maps.MIN_FONT_PT]
        assert not small


def test_threats_are_drawn_as_their_geometry_with_rank_discs(map_inputs):
    from matplotlib.collections import LineCollection

    grid, suit, cores, links, corridors, roads, threats, countries = map_inputs
    fig = maps.species_map(
        suit, grid, cores, links, corridors, roads, threats, countries, title="t", credits="c"
    )
    ax = fig.axes[0]
    red = [c for c in ax.collections if isinstance(c, LineCollection)
           and np.allclose(c.get_colors()[0][:3], matplotlib.colors.to_rgb(maps.THREAT_COLOUR))]  # fmt: skip
    ranked = threats[threats["rank"].notna()]
    assert red and sum(len(c.get_segments()) for c in red) >= len(ranked)
    assert ax.get_facecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb(maps.SEA_COLOUR))


def test_place_labels_keeps_labels_apart_and_the_first_on_its_anchor():
    anchors = np.array([[0.0, 0.0], [0.0, 0.0], [0.3, 0.0], [5.0, 5.0], [0.1, 0.1]])
    placed = maps.place_labels(anchors, spacing=1.0, bounds=(-10, -10, 10, 10))
    assert placed[0] == pytest.approx([0, 0]) and placed[3] == pytest.approx([5, 5])
    gaps = np.hypot(*(placed[:, None, :] - placed[None, :, :]).T)
    assert gaps[np.triu_indices(len(placed), 1)].min() >= 1.0 - 1e-9
    # a displaced label sits on the nearest free ring: one spacing from its anchor
    assert np.hypot(*(placed[1] - anchors[1])) == pytest.approx(1.0)
    inside = maps.place_labels(np.array([[9.9, 9.9], [9.9, 9.9]]), 1.0, (-10, -10, 10, 10))
    assert np.all(inside <= 9.5 + 1e-9)


def test_corridor_change_classes_tell_a_split_core_from_corridor_gained():
    base = np.array([[1, 1, 0, 0, 0]], bool)
    scen = np.array([[1, 0, 1, 1, 0]], bool)
    core = np.array([[0, 0, 0, 1, 1]], bool)
    classes = maps.corridor_change_classes(base, scen, core)
    assert classes.tolist() == [[1, 2, 3, 4, 0]]
    assert maps.corridor_change_classes(base, scen).tolist() == [[1, 2, 3, 3, 0]]
