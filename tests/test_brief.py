"""The brief: habitat by country, worst threats, scenario sentences, HTML and PDF pages."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from amurlink.outputs import brief


def test_habitat_by_country_counts_cells_times_area():
    habitat = np.ma.masked_array([[1, 1, 0], [1, 255, 1]], mask=[[0, 0, 0], [0, 1, 0]])
    country = np.array([[1, 2, 2], [1, 1, 0]])
    table = brief.habitat_by_country(habitat, country, {1: "RUS", 2: "CHN", 3: "PRK"}, 1e6)
    by = table.set_index("country")["habitat_km2"]
    assert by.to_dict() == {"RUS": 2.0, "CHN": 1.0, "PRK": 0.0, "none": 1.0}
    assert table["share_pct"].sum() == pytest.approx(100)
    # counted row by row (as the brief streams the grid), the table is the same
    codes = {1: "RUS", 2: "CHN", 3: "PRK"}
    rows = [brief.habitat_counts(habitat[i : i + 1], country[i : i + 1], codes) for i in range(2)]
    pd.testing.assert_frame_equal(brief.habitat_table(sum(rows, Counter()), codes, 1e6), table)


def test_worst_threats_top_n_in_rank_order():
    threats = pd.DataFrame({
        "rank": [2, 1, pd.NA, 3], "kind": ["road", "logging", "proposed_road", "road"],
        "highway": ["primary", "", "secondary", "track"], "year": [np.nan, 2020, np.nan, np.nan],
        "length_m": [1500.0, np.nan, 100.0, 200.0], "area_ha": [np.nan, 40.0, np.nan, np.nan],
        "country": ["CHN", "RUS", "CHN", "RUS"], "link_ids": ["1", "2", "1", "3"],
        "dPC": [1.0, 2.0, 3.0, 4.0], "cross_border": [True, False, True, False],
        "score": [2.0, 3.0, 9.0, 1.0],
    })  # fmt: skip
    worst = brief.worst_threats(threats, 2)
    assert worst["rank"].tolist() == [1, 2]
    assert worst["what"].tolist() == ["cutblock, 40 ha", "road (primary), 1.5 km"]


def test_worst_threats_named_located_to_1_km_and_ranked_by_impact():
    threats = pd.DataFrame({
        "threat_id": [1, 2, 3], "rank": [1, 2, 3], "kind": ["road", "road", "logging"],
        "source_id": [7, 8, 4], "highway": ["primary", "track", ""],
        "year": [np.nan, np.nan, 2019], "length_m": [1500.0, 900.0, np.nan],
        "area_ha": [np.nan, np.nan, 40.0], "country": ["CHN", "RUS", "RUS"],
        "link_ids": ["1", "2", "2"], "score": [3.0, 2.0, 1.0],
        "x": [600_499.0, 601_700.0, 650_010.0], "y": [4_700_001.0, 4_700_999.0, 4_710_500.0],
    })  # fmt: skip
    roads = pd.DataFrame({"road_id": [7, 8], "name": ["Kraskino road", None]})
    impacts = pd.DataFrame(
        {"threat_id": [1, 2, 3], "dPC_regained": [0.5, 4.0, 1.0], "rank_impact": [3, 1, 2]}
    )
    robustness = pd.DataFrame({"threat_id": [1, 2, 3], "p_top": [0.5, 1.0, 1 / 9],
                               "rank_min": [1, 1, 2], "rank_max": [3, 2, 3],
                               "top_only_under": ["", "", "s+1sd c=16"]})  # fmt: skip
    worst = brief.worst_threats(
        threats, 3, roads=roads, crs="EPSG:32652", impacts=impacts, robustness=robustness
    )
    assert worst["threat_id"].tolist() == ["T2", "T3", "T1"]  # by PC regained
    assert worst["p_top"].tolist() == [1.0, 1 / 9, 0.5]
    assert worst["rank_range"].tolist() == ["1–2", "2–3", "1–3"]
    note = brief.robustness_note(robustness, 9, 10)
    assert "share of 9 assumptions" in note and "T3 (only under s+1sd c=16)" in note
    assert worst["rank"].tolist() == [1, 2, 3]
    assert worst["name"].tolist() == ["unnamed track road", "cutblock 4, cut 2019", "Kraskino road"]
    # T1 and T2 lie in neighbouring 1 km squares: their printed centres differ
    from pyproj import Transformer

    lon, lat = Transformer.from_crs("EPSG:32652", "EPSG:4326", always_xy=True).transform(
        600_500.0, 4_700_500.0
    )
    assert worst.loc[2, "location"] == f"{lat:.2f}° N, {lon:.2f}° E"


def test_split_cores_and_countries_to_act():
    assert brief.split_cores({"1": 1, "2": 1, "3": 2, "4": 3, "8": 3}) == [1, 3]
    assert brief.countries_to_act("RUS:6") == "RUS"
    assert brief.countries_to_act("RUS:2;CHN:1") == "CHN, RUS"
    assert brief.countries_to_act(np.nan) == "–"


def test_scenario_sentences_say_by_how_much():
    table = brief.scenario_table([{
        "scenario": "proposed_road", "species": "leopard", "PC_baseline": 0.05,
        "PC_scenario": 0.031, "delta_PC_pct": -38.0, "EC_baseline": 1000.0,
        "EC_scenario": 787.0, "delta_EC_pct": -21.3, "links_lost": [2], "links_weakened": [],
    }])  # fmt: skip
    (sentence,) = brief.scenario_sentences(table, {"proposed_road": "A new road."})
    assert "lowers the leopard's probability of connectivity (PC) by 38.0 %" in sentence
    assert "(0.0500 → 0.0310)" in sentence and "by 21.3 %" in sentence
    assert "loses 1 link(s)" in sentence and "(A new road)" in sentence
    split = brief.scenario_table(
        [{"scenario": "s", "species": "tiger", "PC_baseline": 1.0, "PC_scenario": 0.9,
          "delta_PC_pct": -10.0, "EC_baseline": 1.0, "EC_scenario": 1.0, "delta_EC_pct": 0.0,
          "links_weakened": [3], "core_map": {"1": 1, "2": 1, "3": 2}}],
        [pd.DataFrame({"delta_effective_resistance_pct": [18.1, 2.0]})],
        [(1200.0, 1080.0)],
    )  # fmt: skip
    (said,) = brief.scenario_sentences(split)
    assert "splits core 1 in two" in said and "weakens 1 (effective resistance up to +18 %)" in said
    assert "takes 120 km² (10.0 %) of core habitat" in said


def test_render_html_escapes_and_pdf_pages():
    table = pd.DataFrame({"country": ["<RUS>"], "km2": [12.5]})
    pixels = np.zeros((40, 30, 3), np.uint8)
    sections = [("D", ["first"], None), ("H", ["p & q"], table, ("m", "maps/a.png", pixels)),
                ("C", [], None, ("curve", None, pixels))]  # fmt: skip
    page = brief.render_html("T", "2026-01-31", "c", sections, banner=brief.DEMO_BANNER)
    assert "&lt;RUS&gt;" in page and "p &amp; q" in page and 'src="maps/a.png"' in page
    assert "<ol><li>first</li></ol>" in page and 'src="data:image/png;base64,' in page
    assert page.index("DEMO DATA") < page.index("<h1>")
    pages = brief.pdf_pages("T", "2026-01-31", "c", [("H", ["p"], table)] * 30)
    assert len(pages) > 1  # long briefs flow onto more pages
    with_images = brief.pdf_pages("T", "d", "c", sections, banner="demo")
    assert sum(len(ax.images) for fig in with_images for ax in fig.axes) == 2


def test_count_habitat_adds_up_strips():
    codes = {1: "RUS", 2: "CHN"}
    habitat = np.array([[[1.0, 1.0, np.nan], [1.0, 0.0, 1.0]]])
    country = np.array([[[1.0, 2.0, 2.0], [np.nan, 1.0, 1.0]]])
    strips = [
        (None, {"habitat": habitat[:, i : i + 1], "country": country[:, i : i + 1]})
        for i in range(2)
    ]
    counts = brief.count_habitat(strips, codes)
    assert counts == brief.habitat_counts(habitat[0], country[0], codes) + Counter()
    assert counts["RUS"] == 2 and counts["CHN"] == 1 and counts["none"] == 1


def test_brief_content_tables_and_sections():
    threats = pd.DataFrame({
        "threat_id": [1], "source_id": [7],
        "rank": [1], "kind": ["road"], "highway": ["primary"], "year": [np.nan],
        "length_m": [1500.0], "area_ha": [np.nan], "country": ["CHN"], "link_ids": ["1"],
        "dPC": [1.0], "cross_border": [True], "score": [2.0],
    })  # fmt: skip
    cross = pd.DataFrame({
        "link_id": [1], "from_core": [1], "to_core": [2], "dPC": [1.0], "n_threats": [1],
        "threats_by_country": ["CHN:1"], "top_threat_id": [1.0], "n_proposed_road": [0],
    })  # fmt: skip
    per_species = [
        brief.SpeciesFigures(
            species=sp,
            habitat_counts=Counter({"RUS": n, "CHN": 1}),
            cell_area_m2=1e6,
            indices={"PC": 0.1, "EC": 5.0},
            cores=pd.DataFrame({"area_km2": [3.0, 4.0]}),
            links=pd.DataFrame({"crosses_border": [True]}),
            threats=threats,
            cross_border=cross,
        )  # fmt: skip
        for sp, n in (("leopard", 2), ("tiger", 3))
    ]
    content = brief.brief_content(per_species, {1: "RUS", 2: "CHN"}, [], None, 5)
    assert list(content.tables) == [
        "habitat_by_country", "network", "cross_border_links", "scenarios",
        "worst_threats_leopard", "worst_threats_tiger",
    ]  # fmt: skip
    assert content.tables["cross_border_links"]["countries_to_act"].tolist() == ["CHN", "CHN"]
    habitat = content.tables["habitat_by_country"].set_index("country")
    assert habitat.loc["RUS"].tolist() == [2.0, 3.0]
    assert list(habitat.columns) == ["leopard habitat (km²)", "tiger habitat (km²)"]
    cross_table = content.tables["cross_border_links"]
    assert list(cross_table.columns) == brief.CROSS_BORDER_COLUMNS
    assert cross_table["top_threat_id"].dtype == "Int64"
    assert [s[0] for s in content.sections][0] == "Decisions this brief supports"
    assert content.sentences[0].startswith("Fix first for the leopard:")
    assert content.sentences[-1].startswith("Protect cross-border link 1")
    # with impacts and a plan: the decision gives what fixing buys, the plan its curve
    plan = pd.DataFrame({"step": [0, 1], "threat_id": [pd.NA, 1], "kind": ["", "road"],
                         "name": ["", "Kraskino road"], "dPC_step": [0.0, 2.5],
                         "PC_gain_percent": [0.0, 2.5]})  # fmt: skip
    per_species[0].impacts = pd.DataFrame(
        {"threat_id": [1], "dPC_regained": [2.5], "rank_impact": [1]}
    )
    per_species[0].plan = plan
    content = brief.brief_content(per_species, {1: "RUS", 2: "CHN"}, [], None, 5)
    assert "mitigating it regains 2.50 % of the leopard's PC" in content.sentences[0]
    assert "A plan of 1 mitigations regains 2.50 %" in content.sentences[0]
    sections = {s[0]: s for s in content.sections}
    assert sections["Mitigation plan — leopard"][2]["threat ID"].tolist() == ["T1"]
    assert isinstance(sections["Mitigation plan — leopard"][3][2], brief.Figure)
    assert "The 5 worst threats — tiger" in [s[0] for s in content.sections]
