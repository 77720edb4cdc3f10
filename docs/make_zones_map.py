"""Draw the zones map of the README and of docs/zones.md.

``docs/images/zones_map.png``: ``frontline.plot_map`` of the embedded
illustrative sample (20 Nov 2024) over Donetsk oblast's zones of the
generated, **synthetic** hromada-like set (``benchmarks/hromada_like.py``,
1,500 zones over Ukraine; Natural Earth boundaries, GeoNames places, CC BY
4.0), quantised to a 256-colour palette to keep the committed file small.
No third-party control layer is used. Re-run after changing what maps look
like::

    .venv/bin/python docs/make_zones_map.py
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

# The same folder: run as a script, docs/ is on sys.path.
from make_readme_map import save_small_png

import frontline as fl

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images" / "zones_map.png"


def hromada_like():
    """Load benchmarks/hromada_like.py (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "hromada_like", ROOT / "benchmarks" / "hromada_like.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    """Draw the map and write it; print its size."""
    zones = hromada_like().build_zones(1500)
    ax = fl.plot_map(
        fl.load_sample(),
        "Donetsk",
        zones=zones,
        zone_id="code",
        zone_parent=["raion", "oblast_id"],
        credit="Zones: synthetic hromada-like cells (benchmarks/hromada_like.py), "
        "not Ukraine's real hromadas.",
    )
    save_small_png(ax.figure, OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
