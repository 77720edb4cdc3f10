"""Draw the map at the top of the README and the docs' landing page.

``docs/images/sample_map.png``: ``frontline.plot_map`` of the embedded
illustrative sample (20 Nov 2024) over the six regions, quantised to a
256-colour palette to keep the committed file small. Re-run after changing
what maps look like::

    .venv/bin/python docs/make_readme_map.py
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from PIL import Image

import frontline as fl

OUT = Path(__file__).resolve().parent / "images" / "sample_map.png"


def main() -> int:
    """Draw the map and write it; print its size."""
    ax = fl.plot_map(fl.load_sample(), "six")
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(ax.figure)
    with Image.open(buffer) as image:
        small = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT
        )
        OUT.parent.mkdir(parents=True, exist_ok=True)
        small.save(OUT, optimize=True)
        size = small.size
    print(
        f"{OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}: "
        f"{size[0]}×{size[1]} px, {OUT.stat().st_size:,} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
