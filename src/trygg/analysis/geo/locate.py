"""Which area is a point in: :class:`AreaLocator`, one STRtree query per chunk of points,
with a grid cache that answers points in cells no border crosses."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..errors import InputError, RowProblem
from .neighbours import Neighbours, contiguity_weights

__all__ = ["AreaLocator"]


# Points are located in chunks so that the temporary shapely Point objects (about 100 bytes
# each) never take more than a few hundred megabytes, even for 15 million crimes.
_LOCATE_CHUNK = 500_000
# From this many points on, AreaLocator builds its cell cache (about 1 s at 15 M points).
_GRID_MIN_POINTS = 200_000
_GRID_MAX_CELLS = 1 << 24
# Marked cells with at least this many points are split into _FINE × _FINE cells.
_FINE = 8
_FINE_MIN_POINTS = 16


# --------------------------------------------------------------------------------------
# Point in area
# --------------------------------------------------------------------------------------


class AreaLocator:
    """Vectorised point-in-area lookup over a fixed set of area polygons (WGS84 lon/lat).

    A point strictly inside one area gets that area's code. A point on a border shared by
    several areas, or inside overlapping polygons (a data error, but real boundary files have
    slivers), gets the code that sorts first, so the answer never depends on the order of
    the features in the file or on the order of the points. Points outside every area, and
    points with a missing coordinate, get ``None``.
    """

    def __init__(self, *, codes: Sequence[str], geometries: Sequence[BaseGeometry]):
        codes_arr = np.asarray([str(c) for c in codes], dtype=object)
        geoms = np.asarray(list(geometries), dtype=object)
        if len(codes_arr) != len(geoms):
            raise ValueError("codes and geometries must have the same length")
        if len(set(codes_arr.tolist())) != len(codes_arr):
            raise ValueError("area codes must be unique")
        self.codes: np.ndarray = codes_arr
        self.geometries: np.ndarray = geoms
        # Rank of each area in code order: the tie-break for borders and overlaps.
        self._rank = np.empty(len(codes_arr), dtype=np.int64)
        self._rank[np.argsort(codes_arr.astype(str), kind="stable")] = np.arange(len(codes_arr))
        self._by_rank = np.argsort(self._rank)
        shapely.prepare(geoms)
        self._tree = shapely.STRtree(geoms)
        self._cache: _CellCache | None = None

    @classmethod
    def from_geojson(
        cls, collection: Mapping[str, Any], *, file: str = "areas.geojson"
    ) -> AreaLocator:
        """Build from a GeoJSON FeatureCollection whose features carry ``properties.code``.

        Every problem (missing or duplicate code, missing or non-polygon geometry) is
        collected and raised together as :class:`InputError`. Self-intersecting rings, which
        GIS exports often contain, are repaired with ``make_valid`` rather than rejected.
        """
        if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection":
            raise InputError(
                RowProblem(file=file, reason="the file is not a GeoJSON FeatureCollection")
            )
        features = collection.get("features")
        if not isinstance(features, list) or not features:
            raise InputError(RowProblem(file=file, reason="the FeatureCollection has no features"))
        problems: list[RowProblem] = []
        codes: list[str] = []
        geoms: list[BaseGeometry] = []
        seen: dict[str, int] = {}
        for index, feature in enumerate(features):
            props = (feature or {}).get("properties") or {}
            code = props.get("code")
            if code is None or str(code).strip() == "":
                problems.append(
                    RowProblem(
                        file=file, feature=index, column="code", reason="the feature has no code"
                    )
                )
                continue
            code = str(code).strip()
            if code in seen:
                problems.append(
                    RowProblem(
                        file=file,
                        feature=index,
                        column="code",
                        reason=f"code '{code}' is also used by feature {seen[code]}",
                    )
                )
                continue
            seen[code] = index
            try:
                geom = shape(feature["geometry"])
            except Exception as exc:
                problems.append(
                    RowProblem(
                        file=file,
                        feature=index,
                        column="geometry",
                        reason=f"unreadable geometry ({exc})",
                    )
                )
                continue
            if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
                problems.append(
                    RowProblem(
                        file=file,
                        feature=index,
                        column="geometry",
                        reason=f"an area must be a Polygon or MultiPolygon, not {geom.geom_type}",
                    )
                )
                continue
            if not geom.is_valid:
                geom = _polygonal_part(shapely.make_valid(geom))
            codes.append(code)
            geoms.append(geom)
        if problems:
            raise InputError(problems)
        return cls(codes=codes, geometries=geoms)

    def __len__(self) -> int:
        return len(self.codes)

    def locate_index(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Row index into :attr:`codes` for every point, ``-1`` where outside all areas.

        From :data:`_GRID_MIN_POINTS` points on, a cell cache answers the points in cells
        that no area border crosses (:class:`_CellCache`; same answers, about 10× faster
        at 15 M points); the rest go through the STRtree.
        """
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        if lon.shape != lat.shape or lon.ndim != 1:
            raise ValueError("lon and lat must be one-dimensional arrays of the same length")
        if len(lon) >= _GRID_MIN_POINTS and len(self.codes):
            if self._cache is None:
                self._cache = _CellCache(self, lon, lat)
            out = self._cache.lookup(lon, lat)
            todo = np.flatnonzero(out == _UNKNOWN)
            if len(todo):
                out[todo] = self._locate_exact(lon[todo], lat[todo])
            return out
        return self._locate_exact(lon, lat)

    def _locate_exact(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        out = np.full(len(lon), -1, dtype=np.int64)
        for start in range(0, len(lon), _LOCATE_CHUNK):
            stop = min(start + _LOCATE_CHUNK, len(lon))
            out[start:stop] = self._locate_chunk(lon[start:stop], lat[start:stop])
        return out

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Area code (object array of ``str``) for every point, ``None`` where outside."""
        index = self.locate_index(lon, lat)
        codes = np.empty(len(index), dtype=object)
        inside = index >= 0
        codes[inside] = self.codes[index[inside]]
        return codes

    def _locate_chunk(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        n = len(lon)
        result = np.full(n, -1, dtype=np.int64)
        finite = np.isfinite(lon) & np.isfinite(lat)
        if not finite.any():
            return result
        where = np.flatnonzero(finite)
        x, y = lon[where], lat[where]
        # Candidates from the tree's bounding boxes, then one point-in-polygon test per
        # candidate on the prepared areas (contains_xy). A query with predicate="within"
        # gives the same pairs but prepares each query point instead of the polygons, which
        # is about three times slower.
        pairs = self._tree.query(shapely.points(x, y))
        # "contains" is true only for the interior, so a point on a shared border matches no
        # area here and is resolved below with "intersects", which includes the boundary.
        inside = shapely.contains_xy(self.geometries[pairs[1]], x[pairs[0]], y[pairs[0]])
        best = self._first_by_rank(len(where), pairs[:, inside])
        on_border = np.flatnonzero(best < 0)
        if len(on_border):
            edge = (best < 0)[pairs[0]]
            cand = pairs[:, edge]
            touch = shapely.intersects_xy(self.geometries[cand[1]], x[cand[0]], y[cand[0]])
            hits = cand[:, touch]
            remap = np.full(len(where), -1, dtype=np.int64)
            remap[on_border] = np.arange(len(on_border))
            best[on_border] = self._first_by_rank(
                len(on_border), np.vstack([remap[hits[0]], hits[1]])
            )
        result[where] = best
        return result

    def _first_by_rank(self, n: int, hits: np.ndarray) -> np.ndarray:
        """For each query point, the matching area whose code sorts first (or -1)."""
        chosen = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        if hits.shape[1]:
            many = np.bincount(hits[0], minlength=n) > 1
            if many.any():
                # Borders and overlaps: the lowest rank among several hits (ufunc.at is
                # slow, so only for the few points that need it).
                several = many[hits[0]]
                chosen[hits[0][~several]] = self._rank[hits[1][~several]]
                np.minimum.at(chosen, hits[0][several], self._rank[hits[1][several]])
            else:
                chosen[hits[0]] = self._rank[hits[1]]
        found = chosen != np.iinfo(np.int64).max
        out = np.full(n, -1, dtype=np.int64)
        out[found] = self._by_rank[chosen[found]]
        return out

    def contiguity(self, *, kind: Literal["queen", "rook"] = "queen") -> Neighbours:
        """Queen or rook neighbours of the areas, labelled by code."""
        return contiguity_weights(codes=self.codes, geometries=self.geometries, kind=kind)


_UNKNOWN = -2


class _CellCache:
    """A two-level grid over the areas that answers most points without a polygon test.

    The idea of an H3 cell cache, on a plain lon/lat grid because cell numbers then come
    from two array operations (the h3 library locates one point per call, 0.7 µs, which
    alone would cost 10 s for 15 M points). A cell is *marked* when an area border may
    touch it: every border is sampled at a quarter of the cell size and each sample marks
    the cells under the corners of a square of half a cell around it, so any cell within
    a fraction of a cell of a border is marked, whatever the rounding. An unmarked cell
    lies wholly inside or wholly outside each area, and so do connected runs of unmarked
    cells: one exact lookup of one cell centre per run answers all its cells. Marked
    cells with many points are split ``_FINE × _FINE`` the same way; points left in
    marked cells (and outside the grid) are looked up exactly by the caller.
    """

    def __init__(self, locator: AreaLocator, lon: np.ndarray, lat: np.ndarray):
        geoms = locator.geometries
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        cos = max(math.cos(math.radians((y0 + y1) / 2)), 0.05)
        cells = min(_GRID_MAX_CELLS, max(len(lon), 1 << 16))
        # Cells about square on the ground.
        cy = max(math.sqrt(max((x1 - x0) * (y1 - y0), 1e-12) * cos / cells), 1e-9)
        cx = cy / cos
        self.x0, self.y0, self.cx, self.cy = x0, y0, cx, cy
        self.nx = int((x1 - x0) / cx) + 1
        self.ny = int((y1 - y0) / cy) + 1
        step = min(cx, cy) / 4
        samples = shapely.get_coordinates(shapely.segmentize(shapely.boundary(geoms), step))
        marked = np.zeros(self.nx * self.ny, dtype=bool)
        near = np.zeros(len(samples), dtype=bool)
        corner_cells = [self._cells(samples, dx, dy, step) for dx in (-1, 1) for dy in (-1, 1)]
        for cell in corner_cells:
            marked[cell] = True
        # Imported here: only large point sets build the cache, and scipy.ndimage
        # costs a noticeable part of a small run's start-up.
        from scipy import ndimage

        labels, count = ndimage.label(~marked.reshape(self.ny, self.nx))
        self.table = self._resolve(locator, labels.ravel(), count, self._centres)
        # Second level: marked cells holding many of these points.
        # (Counted on an evenly spaced sample of at most a million points.)
        stride = max(1, len(lon) // 1_000_000)
        coarse = self._cell_of(lon[::stride], lat[::stride])
        inside = coarse >= 0
        in_marked = coarse[inside][marked[coarse[inside]]]
        counts = np.bincount(in_marked, minlength=marked.size)
        heavy = np.flatnonzero(counts * stride >= _FINE_MIN_POINTS)
        self.slot = np.full(marked.size, -1, dtype=np.int64)
        self.slot[heavy] = np.arange(len(heavy))
        self.fine_table = np.zeros(0, dtype=np.int32)
        if len(heavy):
            for cell in corner_cells:
                near |= self.slot[cell] >= 0
            # Border stretches next to heavy cells, re-sampled at a quarter of a fine cell:
            # the coarse samples are at most ``step`` apart, so refining the segments
            # between neighbouring samples (and, harmlessly, a few from one ring to the
            # next) covers every border point near a heavy cell.
            keep = near[:-1] | near[1:]
            a, b = samples[:-1][keep], samples[1:][keep]
            t = (np.arange(_FINE) / _FINE)[None, :, None]
            fine = (a[:, None, :] + (b - a)[:, None, :] * t).reshape(-1, 2)
            fine = np.concatenate([fine, samples[-1:]])
            fine_step = step / _FINE
            fmarked = np.zeros(len(heavy) * _FINE * _FINE, dtype=bool)
            for dx in (-1, 1):
                for dy in (-1, 1):
                    sub = self._fine_cells(fine[:, 0] + dx * fine_step, fine[:, 1] + dy * fine_step)
                    fmarked[sub[sub >= 0]] = True
            structure = np.zeros((3, 3, 3), dtype=bool)
            structure[1] = ndimage.generate_binary_structure(2, 1)
            flabels, fcount = ndimage.label(
                ~fmarked.reshape(len(heavy), _FINE, _FINE), structure=structure
            )
            self.fine_table = self._resolve(
                locator, flabels.ravel(), fcount, lambda idx: self._fine_centres(heavy, idx)
            )

    def _cells(self, xy: np.ndarray, dx: int, dy: int, step: float) -> np.ndarray:
        ix = np.floor((xy[:, 0] + dx * step - self.x0) / self.cx).astype(np.int64)
        iy = np.floor((xy[:, 1] + dy * step - self.y0) / self.cy).astype(np.int64)
        return np.clip(iy, 0, self.ny - 1) * self.nx + np.clip(ix, 0, self.nx - 1)

    def _cell_of(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Coarse cell of each point, -1 outside the grid or for a missing coordinate."""
        with np.errstate(invalid="ignore"):
            fx = np.floor((lon - self.x0) / self.cx)
            fy = np.floor((lat - self.y0) / self.cy)
            ok = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        out = np.full(len(lon), -1, dtype=np.int64)
        out[ok] = fy[ok].astype(np.int64) * self.nx + fx[ok].astype(np.int64)
        return out

    def _fine_cells(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Index into the fine table of each point, -1 where its coarse cell is not split."""
        coarse = self._cell_of(lon, lat)
        slot = np.where(coarse >= 0, self.slot[np.maximum(coarse, 0)], -1)
        fx = np.floor((lon - self.x0) / self.cx * _FINE).astype(np.int64)
        fy = np.floor((lat - self.y0) / self.cy * _FINE).astype(np.int64)
        sub = np.clip(fy - (coarse // self.nx) * _FINE, 0, _FINE - 1) * _FINE + np.clip(
            fx - (coarse % self.nx) * _FINE, 0, _FINE - 1
        )
        return np.where(slot >= 0, slot * _FINE * _FINE + sub, -1)

    def _centres(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        iy, ix = np.divmod(idx, self.nx)
        return self.x0 + (ix + 0.5) * self.cx, self.y0 + (iy + 0.5) * self.cy

    def _fine_centres(self, heavy: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        slot, sub = np.divmod(idx, _FINE * _FINE)
        iy, ix = np.divmod(heavy[slot], self.nx)
        sy, sx = np.divmod(sub, _FINE)
        return (
            self.x0 + (ix + (sx + 0.5) / _FINE) * self.cx,
            self.y0 + (iy + (sy + 0.5) / _FINE) * self.cy,
        )

    @staticmethod
    def _resolve(locator: AreaLocator, labels: np.ndarray, count: int, centres) -> np.ndarray:
        """Answer per cell: the exact answer at one cell centre of its run, or unknown."""
        cells = np.flatnonzero(labels)
        first = np.full(count + 1, -1, dtype=np.int64)
        first[labels[cells[::-1]]] = cells[::-1]
        lon, lat = centres(first[1:])
        answer = np.concatenate([[_UNKNOWN], locator._locate_exact(lon, lat)]).astype(np.int32)
        return answer[labels]

    def lookup(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Area index per point from the grid, :data:`_UNKNOWN` where it cannot tell."""
        out = np.full(len(lon), _UNKNOWN, dtype=np.int64)
        for start in range(0, len(lon), _LOCATE_CHUNK):
            stop = min(start + _LOCATE_CHUNK, len(lon))
            x, y = lon[start:stop], lat[start:stop]
            coarse = self._cell_of(x, y)
            known = coarse >= 0
            answer = np.full(len(x), _UNKNOWN, dtype=np.int64)
            answer[known] = self.table[coarse[known]]
            split = np.flatnonzero(known & (answer == _UNKNOWN))
            if len(split) and len(self.fine_table):
                fine = self._fine_cells(x[split], y[split])
                has = fine >= 0
                answer[split[has]] = self.fine_table[fine[has]]
            out[start:stop] = answer
        return out


def _polygonal_part(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygons of a repaired geometry (make_valid can add stray lines)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geom
