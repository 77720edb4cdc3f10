"""GeoParquet in: the table read by pyarrow, the geometry by the one decoder.

``geopandas.read_parquet`` decodes WKB strictly and lets pyproj's and
pyarrow's own exceptions through; here the ``geo`` metadata is checked first
(JSON, an object, the primary column present, a known encoding, a CRS PROJ
knows), the WKB goes through :func:`frontline._decode.from_wkb` (rings closed
or refused like every other format), and every failure is an
:class:`UnsupportedFormatError` or :class:`CRSError` naming the file.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from frontline._decode import from_wkb
from frontline._guard import short, shown
from frontline._messages import quote
from frontline.errors import CRSError, UnsupportedFormatError

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd

__all__ = ["read_parquet"]

_SPEC = "https://geoparquet.org"


def read_parquet(path: Path) -> gpd.GeoDataFrame:
    """Read a GeoParquet file's primary geometry column and its attributes.

    Raises
    ------
    UnsupportedFormatError
        Not Parquet, no or bad ``geo`` metadata, an unknown encoding.
    CRSError
        A CRS in the metadata that PROJ does not know.
    GeometryError
        WKB that cannot be decoded or repaired.
    """
    import geopandas as gpd
    from geopandas.array import from_shapely

    try:
        import pyarrow  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "reading GeoParquet needs pyarrow: pip install 'frontline[parquet]'"
        ) from exc
    name = shown(path)
    try:
        table = pq.read_table(path)
    except (pyarrow.ArrowException, OSError, ValueError) as exc:
        raise UnsupportedFormatError(
            f"cannot read {name} as GeoParquet ({short(exc, 100)}); expected a "
            "GeoParquet file"
        ) from exc
    meta = _geo_metadata(table.schema.metadata or {}, name, table.column_names)
    column = meta["primary_column"]
    spec = meta["columns"][column]
    crs = _crs(spec, name)
    values = table.column(column)
    encoding = spec.get("encoding")
    if encoding == "WKB":
        if not (
            pyarrow.types.is_binary(values.type)
            or pyarrow.types.is_large_binary(values.type)
        ):
            raise UnsupportedFormatError(
                f"{name}: geometry column {quote(column, 40)} holds {values.type}, "
                "not WKB bytes; expected a binary column as the GeoParquet "
                f"metadata says ({_SPEC})"
            )
        geoms = from_wkb(values.to_numpy(zero_copy_only=False), name)
    else:
        geoms = _geoarrow(values, encoding, name)
    others = [c for c in meta["columns"] if c in table.column_names]
    try:
        frame = table.drop(others).to_pandas()
    except (pyarrow.ArrowException, ValueError, TypeError) as exc:
        raise UnsupportedFormatError(
            f"cannot convert the columns of {name} ({short(exc, 100)}); expected "
            "plain attribute columns"
        ) from exc
    frame["geometry"] = from_shapely(geoms, crs=crs)
    return gpd.GeoDataFrame(frame, geometry="geometry")


def _geo_metadata(raw: dict[bytes, bytes], name: str, names: list[str]) -> Any:
    if b"geo" not in raw:
        raise UnsupportedFormatError(
            f"{name} has no GeoParquet metadata ('geo'); it is a plain Parquet "
            "table. Write it with geopandas' to_parquet, or read it with pandas "
            "and build the geometry yourself"
        )
    try:
        meta = json.loads(raw[b"geo"])
    except (ValueError, RecursionError) as exc:
        raise UnsupportedFormatError(
            f"{name}: its GeoParquet metadata is not JSON ({short(exc, 60)}); "
            f"expected the metadata the GeoParquet specification defines ({_SPEC})"
        ) from exc
    columns = meta.get("columns") if isinstance(meta, dict) else None
    primary = meta.get("primary_column") if isinstance(meta, dict) else None
    if not isinstance(columns, dict) or not isinstance(primary, str):
        raise UnsupportedFormatError(
            f"{name}: its GeoParquet metadata is {quote(meta, 60)}; expected an "
            "object with 'primary_column' and 'columns' "
            f"({_SPEC})"
        )
    if primary not in columns or primary not in names:
        raise UnsupportedFormatError(
            f"{name}: the primary geometry column {quote(primary, 40)} is not in "
            f"the file (columns: {quote(names, 80)}); fix the GeoParquet metadata"
        )
    if not isinstance(columns[primary], dict):
        raise UnsupportedFormatError(
            f"{name}: the metadata of column {quote(primary, 40)} is "
            f"{quote(columns[primary], 40)}; expected an object ({_SPEC})"
        )
    return meta


def _crs(spec: dict[str, Any], name: str) -> Any:
    from pyproj import CRS
    from pyproj.exceptions import CRSError as ProjCRSError

    if "crs" not in spec:
        return CRS.from_user_input("OGC:CRS84")  # the specification's default
    value = spec["crs"]
    if value is None:
        return None
    try:
        if isinstance(value, dict):
            return CRS.from_json_dict(value)
        if isinstance(value, str):
            return CRS.from_user_input(value)
    except (ProjCRSError, ValueError, TypeError) as exc:
        raise CRSError(
            f"{name}: PROJ does not know the CRS in its GeoParquet metadata "
            f"{quote(value, 60)} ({short(exc, 80)}); write the file with a known "
            "CRS (PROJJSON, e.g. of EPSG:4326)"
        ) from exc
    raise CRSError(
        f"{name}: the CRS in its GeoParquet metadata is {quote(value, 40)}; "
        f"expected PROJJSON or null ({_SPEC})"
    )


def _geoarrow(values: Any, encoding: Any, name: str) -> Any:
    try:
        from geopandas.io._geoarrow import construct_shapely_array

        return construct_shapely_array(
            values.combine_chunks(), "geoarrow." + str(encoding)
        )
    except Exception as exc:  # any failure of a foreign encoding: one message
        raise UnsupportedFormatError(
            f"{name}: cannot decode its geometry encoding {quote(encoding, 40)} "
            f"({short(exc, 80)}); expected WKB or a GeoArrow encoding ({_SPEC})"
        ) from exc
