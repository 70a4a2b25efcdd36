"""A QGIS project (``.qgz``) that opens the results styled and grouped, written without QGIS.

The project is the XML QGIS 3.22 writes (``<qgis>`` with ``<projectCrs>``, a
``<layer-tree-group>`` of groups and layers, and ``<projectlayers>`` of
``<maplayer>`` entries), zipped as ``<name>.qgs`` inside the ``.qgz``.  Paths are
relative to the project file, so the results directory can be moved or shared
as a whole.  Each layer embeds its style (the same XML as the ``.qml`` beside a
raster or the ``layer_styles`` row of a GeoPackage layer), so the project shows
every layer styled even where those defaults are not read.

See the QGIS documentation, "QGIS project file format" (``.qgs``/``.qgz``).
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from amurlink.outputs.public import is_public_raster_group
from amurlink.outputs.styles import QGIS_VERSION, Style, layer_role, style_from_qml

#: Layer groups of the project, in display order (top first): the reference layers
#: (roads, settlements, borders, country names) draw above every raster.
GROUPS = ("reference", "threats", "connectivity", "scenarios", "habitat", "base")
GROUP_TITLES = {
    "reference": "Roads, settlements and borders",
    "threats": "Threats",
    "connectivity": "Connectivity",
    "scenarios": "Scenarios",
    "habitat": "Habitat",
    "base": "Base layers",
}


@dataclass
class ProjectLayer:
    """One layer of the project.

    ``source`` is the path relative to the project file (a GeoPackage layer as
    ``file.gpkg|layername=name``); ``kind`` is ``raster`` or ``vector``.
    """

    name: str
    source: str
    kind: str
    group: str
    style: Style
    geometry: str = ""  # vector: Point, Line or Polygon
    visible: bool = True

    @property
    def provider(self) -> str:
        return "gdal" if self.kind == "raster" else "ogr"

    @property
    def layer_id(self) -> str:
        digest = hashlib.sha1(self.source.encode()).hexdigest()[:12]
        safe = "".join(c if c.isalnum() else "_" for c in self.name)
        return f"{safe}_{digest}"

    @property
    def datasource(self) -> str:
        return self.source if self.source.startswith(("./", "../", "/")) else f"./{self.source}"


def srs_xml(wkt: str, authid: str) -> str:
    return (
        f"<spatialrefsys><wkt>{escape(wkt)}</wkt><authid>{escape(authid)}</authid></spatialrefsys>"
    )


def _maplayer(layer: ProjectLayer, srs: str, extent: Sequence[float]) -> str:
    xmin, ymin, xmax, ymax = extent
    attrs = f'type="{layer.kind}"'
    if layer.kind == "vector":
        attrs += f' geometry="{layer.geometry}"'
    if layer.style.labelled:
        attrs += ' labelsEnabled="1"'
    return (
        f'<maplayer {attrs} hasScaleBasedVisibilityFlag="0" refreshOnNotifyEnabled="0" '
        'autoRefreshEnabled="0" autoRefreshTime="0" styleCategories="AllStyleCategories">\n'
        f"<extent><xmin>{xmin}</xmin><ymin>{ymin}</ymin><xmax>{xmax}</xmax><ymax>{ymax}</ymax>"
        "</extent>\n"
        f"<id>{layer.layer_id}</id>\n"
        f"<datasource>{escape(layer.datasource)}</datasource>\n"
        f"<layername>{escape(layer.name)}</layername>\n"
        f"<srs>{srs}</srs>\n"
        f'<provider encoding="UTF-8">{layer.provider}</provider>\n'
        f"{layer.style.body}\n{layer.style.extra}\n<blendMode>0</blendMode>\n"
        "</maplayer>"
    )


def _tree_layer(layer: ProjectLayer) -> str:
    checked = "Qt::Checked" if layer.visible else "Qt::Unchecked"
    return (
        f"<layer-tree-layer id={quoteattr(layer.layer_id)} name={quoteattr(layer.name)} "
        f'source={quoteattr(layer.datasource)} providerKey="{layer.provider}" '
        f'checked="{checked}" expanded="0" legend_exp=""><customproperties/></layer-tree-layer>'
    )


def project_xml(
    layers: Sequence[ProjectLayer],
    *,
    title: str,
    crs_wkt: str,
    crs_authid: str,
    extent: Sequence[float],
) -> str:
    """The ``.qgs`` XML of a project showing ``layers`` in their groups.

    Within a group, layers keep their order in ``layers`` (first = drawn on top).
    """
    unknown = {lyr.group for lyr in layers} - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown layer groups {sorted(unknown)}; use one of {GROUPS}")
    ids = [lyr.layer_id for lyr in layers]
    if len(set(ids)) != len(ids):
        raise ValueError("two project layers have the same source")
    names = [lyr.name for lyr in layers]
    if len(set(names)) != len(names):
        raise ValueError(f"two project layers have the same name: {sorted(names)}")
    srs = srs_xml(crs_wkt, crs_authid)
    groups = []
    for group in GROUPS:
        members = [lyr for lyr in layers if lyr.group == group]
        if not members:
            continue
        groups.append(
            f'<layer-tree-group name={quoteattr(GROUP_TITLES[group])} checked="Qt::Checked" '
            'expanded="1"><customproperties/>\n'
            + "\n".join(_tree_layer(lyr) for lyr in members)
            + "\n</layer-tree-group>"
        )
    order = "".join(
        f"<item>{lyr.layer_id}</item>" for group in GROUPS for lyr in layers if lyr.group == group
    )
    xmin, ymin, xmax, ymax = extent
    maplayers = "\n".join(_maplayer(lyr, srs, extent) for lyr in layers)
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f"<qgis projectname={quoteattr(title)} version={quoteattr(QGIS_VERSION)}>\n"
        '<homePath path=""/>\n'
        f"<title>{escape(title)}</title>\n"
        f"<projectCrs>{srs}</projectCrs>\n"
        "<layer-tree-group><customproperties/>\n"
        + "\n".join(groups)
        + f'\n<custom-order enabled="0">{order}</custom-order>\n</layer-tree-group>\n'
        '<mapcanvas name="theMapCanvas" annotationsVisible="1"><units>meters</units>'
        f"<extent><xmin>{xmin}</xmin><ymin>{ymin}</ymin><xmax>{xmax}</xmax><ymax>{ymax}</ymax>"
        f"</extent><rotation>0</rotation><destinationsrs>{srs}</destinationsrs></mapcanvas>\n"
        f"<projectlayers>\n{maplayers}\n</projectlayers>\n"
        '<properties><Paths><Absolute type="bool">false</Absolute></Paths>'
        # QGIS reads <projectCrs> only when the project says projections are on.
        '<SpatialRefSys><ProjectionsEnabled type="int">1</ProjectionsEnabled></SpatialRefSys>'
        '<Measurement><DistanceUnits type="QString">meters</DistanceUnits>'
        '<AreaUnits type="QString">km2</AreaUnits></Measurement></properties>\n'
        "</qgis>\n"
    )


def qgz_bytes(qgs_xml: str, name: str) -> bytes:
    """A ``.qgz``: a zip holding ``<name>.qgs``, with a fixed timestamp (reproducible bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(f"{name}.qgs", date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, qgs_xml.encode("utf-8"))
    return buf.getvalue()


def referenced_sources(qgz: bytes) -> list[str]:
    """Datasources a ``.qgz`` refers to (for checks that a public project stays public)."""
    import re

    with zipfile.ZipFile(io.BytesIO(qgz)) as zf:
        xml = zf.read(next(n for n in zf.namelist() if n.endswith(".qgs"))).decode()
    return re.findall(r"<datasource>(.*?)</datasource>", xml)


#: Layers drawn when the project opens, for the first species (the rest are listed,
#: unchecked): its threats and corridor polygons, suitability and current; and every
#: reference layer.  The corridor cost raster stays off: the polygons show the corridors
#: without hiding the suitability.
VISIBLE_VECTORS = ("threats", "corridors")
VISIBLE_RASTERS = ("suitability", "current")
#: Order of the reference layers, top first (labels and points over lines).
REFERENCE_ORDER = ("settlements", "border", "countries", "roads")


#: Layer titles of rasters whose file stem would read badly or clash with a vector layer.
RASTER_TITLES = {
    "corridors": "corridor cost (NLCC)",
    "cores": "core ids",
    "current": "current density",
    "pinchpoints": "pinch points",
    "barriers": "barrier improvement",
    "mess": "MESS",
}


def raster_name_and_group(path: str) -> tuple[str, str]:
    """Layer name and group of a results raster, from its place in the results tree.

    ``results/habitat/<species>/<x>.tif`` → habitat; ``results/connectivity/baseline/<species>/<x>.tif``
    → connectivity; other scenarios → scenarios; everything else (prepare, demo) → base.
    """
    parts = path.replace("\\", "/").split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    title = RASTER_TITLES.get(stem, stem)
    if "habitat" in parts and len(parts) >= 3 and parts[-3] == "habitat":
        return f"{parts[-2]} {title}", "habitat"
    if len(parts) >= 4 and parts[-4] == "connectivity":
        scenario, species = parts[-3], parts[-2]
        if scenario == "baseline":
            return f"{species} {title}", "connectivity"
        return f"{scenario}: {species} {title}", "scenarios"
    if len(parts) >= 2 and parts[-2] == "pressures":
        return f"pressures ({stem})", "base"
    return stem, "base"


def vector_group(layer: str) -> str:
    """Group of a results GeoPackage layer (``<species>_<role>``, roads, countries …)."""
    role = layer_role(layer)
    if role in ("threats", "plan"):
        return "threats"
    if role in ("cores", "links", "corridors", "network"):
        return "connectivity"
    if role in REFERENCE_ORDER:
        return "reference"
    return "habitat"


def is_visible(species: str, role: str, group: str, first_species: str, kind: str) -> bool:
    """Whether a layer is on when the project opens (:data:`VISIBLE_VECTORS`, :data:`VISIBLE_RASTERS`).

    Reference layers are always on; of the rest, only the first species' baseline
    layers of the roles listed (a raster's role is its file stem).
    """
    if group == "reference":
        return True
    roles = VISIBLE_VECTORS if kind == "vector" else VISIBLE_RASTERS
    baseline = group in ("threats", "connectivity", "habitat")
    return baseline and species == first_species and role in roles


#: QGIS geometry type of each GeoPackage geometry type name.
GEOMETRY = {"LINESTRING": "Line", "MULTILINESTRING": "Line", "POLYGON": "Polygon",
            "MULTIPOLYGON": "Polygon", "POINT": "Point", "MULTIPOINT": "Point"}  # fmt: skip


def relative_source(path: str | os.PathLike, project_dir: str | os.PathLike) -> str:
    """``path`` relative to the project's directory, with forward slashes (as QGIS writes it)."""
    return Path(os.path.relpath(path, project_dir)).as_posix()


def public_raster_path(raster: str | os.PathLike, results_dir: str | os.PathLike,
                       public_dir: str | os.PathLike) -> Path:  # fmt: skip
    """Where the public project's copy of a results raster goes: the same tree under ``public_dir``.

    ``results/habitat/tiger/suitability.tif`` → ``<public_dir>/habitat/tiger/suitability.tif``,
    so :func:`raster_name_and_group` names and groups the copy as the original.
    """
    return Path(public_dir) / Path(os.path.relpath(raster, results_dir))


def public_rasters(rasters: Sequence[str]) -> list[str]:
    """The rasters a public project shows (:func:`amurlink.outputs.public.is_public_raster_group`)."""
    return [r for r in rasters if is_public_raster_group(raster_name_and_group(r)[1])]


def project_layers(
    gpkg: str | os.PathLike,
    vector_styles: Mapping[str, tuple[str, str]],
    raster_styles: Sequence[tuple[str, str]],
    project_dir: str | os.PathLike,
    *,
    public: bool,
    first_species: str = "",
) -> list[ProjectLayer]:
    """Layers of a results project: the GeoPackage's layers, then the rasters, each styled.

    Parameters
    ----------
    gpkg : path
        The results GeoPackage.
    vector_styles : mapping
        Its styled layers, ``{layer: (QML, geometry type name)}``
        (:func:`amurlink.core.io.styles_db.read_layer_styles`).
    raster_styles : sequence of (path, str)
        Each raster and the QML of the ``.qml`` beside it, in display order.
    project_dir : path
        Directory of the project file; sources are relative to it.
    public : bool
        Keep only the rasters a public project may show
        (:func:`amurlink.outputs.public.is_public_raster_group`).
    first_species : str
        The species whose layers are on when the project opens (:func:`is_visible`).
    """
    layers = []
    reference = {name: i for i, name in enumerate(REFERENCE_ORDER)}
    ordered = sorted(vector_styles, key=lambda n: reference.get(n, -1))  # stable: others first
    for name in ordered:
        qml, geometry = vector_styles[name]
        group = vector_group(name)
        visible = is_visible(
            name.split("_", 1)[0], layer_role(name), group, first_species, "vector"
        )
        layers.append(ProjectLayer(
            name=name.replace("_", " "), source=f"{relative_source(gpkg, project_dir)}|layername={name}",
            kind="vector", group=group, style=style_from_qml(qml),
            geometry=GEOMETRY.get(geometry.upper(), "Unknown"), visible=visible,
        ))  # fmt: skip
    for raster, qml in raster_styles:
        name, group = raster_name_and_group(raster)
        if public and not is_public_raster_group(group):
            continue
        parts = Path(raster).parts
        species, stem = (parts[-2] if len(parts) > 1 else ""), Path(raster).stem
        layers.append(ProjectLayer(
            name=name, source=relative_source(raster, project_dir), kind="raster", group=group,
            style=style_from_qml(qml), visible=is_visible(species, stem, group, first_species, "raster"),
        ))  # fmt: skip
    return layers
