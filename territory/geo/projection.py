"""The map frame: Albers equal-area projections of the US, with Alaska, Hawaii and Puerto Rico
as insets, in kilometres (x to the east, y downwards as in SVG).

The same function places the packaged outlines (``scripts/build_geo_data.py`` projects them
once) and the accounts (at render time), so points and outlines always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Albers:
    """A spherical Albers equal-area conic projection, then ``scale`` and a shift (km)."""

    lat1: float
    lat2: float
    lat0: float
    lon0: float
    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0

    def __call__(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p1, p2, p0 = np.radians([self.lat1, self.lat2, self.lat0])
        n = (np.sin(p1) + np.sin(p2)) / 2
        c = np.cos(p1) ** 2 + 2 * n * np.sin(p1)
        rho0 = EARTH_RADIUS_KM * np.sqrt(c - 2 * n * np.sin(p0)) / n
        phi = np.radians(np.asarray(lat, dtype=float))
        rho = EARTH_RADIUS_KM * np.sqrt(np.maximum(c - 2 * n * np.sin(phi), 0.0)) / n
        # longitudes east of 180 (the western Aleutians) continue the Alaska frame westwards
        lam = np.asarray(lon, dtype=float)
        lam = np.where(lam > 0, lam - 360.0, lam)
        theta = n * np.radians(lam - self.lon0)
        x = rho * np.sin(theta)
        y = rho0 - rho * np.cos(theta)
        return x * self.scale + self.dx, -y * self.scale + self.dy


# The lower 48 with the usual USGS parallels; the insets sit under the south-west (Alaska at
# 35 % of its true size, Hawaii at full size) and east of Florida (Puerto Rico, twice its size).
LOWER48 = Albers(29.5, 45.5, 37.5, -96.0)
ALASKA = Albers(55.0, 65.0, 50.0, -154.0, scale=0.35, dx=-1850.0, dy=1250.0)
HAWAII = Albers(8.0, 18.0, 3.0, -157.0, scale=1.0, dx=-850.0, dy=3100.0)
PUERTO_RICO = Albers(8.0, 18.0, 3.0, -66.5, scale=2.0, dx=1900.0, dy=4880.0)

FRAMES: dict[str, Albers] = {"L48": LOWER48, "AK": ALASKA, "HI": HAWAII, "PR": PUERTO_RICO}


def frame_of(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Which frame draws each point: 'AK', 'HI', 'PR', 'L48', or '' (off the map).

    The boxes are generous; whether a point is really in the US is decided by the county
    outlines (``territory.geo.geocode``), not by these boxes.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out = np.full(lon.shape, "", dtype=object)
    l48 = (lat >= 24.0) & (lat <= 49.5) & (lon >= -125.0) & (lon <= -66.5)
    ak = (lat >= 51.0) & (lat <= 72.0) & ((lon <= -129.5) | (lon >= 172.0))
    hi = (lat >= 18.5) & (lat <= 22.5) & (lon >= -161.0) & (lon <= -154.5)
    pr = (lat >= 17.7) & (lat <= 18.7) & (lon >= -67.5) & (lon <= -65.1)
    out[l48] = "L48"
    out[ak] = "AK"
    out[hi] = "HI"
    out[pr] = "PR"
    return out


def project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, frame) in map kilometres for lon/lat arrays; off-map points get NaN."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    frame = frame_of(lon, lat)
    x = np.full(lon.shape, np.nan)
    y = np.full(lon.shape, np.nan)
    for name, proj in FRAMES.items():
        m = frame == name
        if m.any():
            x[m], y[m] = proj(lon[m], lat[m])
    return x, y, frame
