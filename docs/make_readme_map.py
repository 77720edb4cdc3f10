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

import matplotlib.figure
import matplotlib.pyplot as plt
from PIL import Image

import frontline as fl

OUT = Path(__file__).resolve().parent / "images" / "sample_map.png"


def save_small_png(figure: matplotlib.figure.Figure, out: Path) -> None:
    """Write ``figure`` as a 256-colour PNG (small to commit); print its size."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    with Image.open(buffer) as image:
        small = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        small.save(out, optimize=True)
        size = small.size
    shown = out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out
    print(f"{shown}: {size[0]}×{size[1]} px, {out.stat().st_size:,} bytes")


def main() -> int:
    """Draw the map and write it; print its size."""
    ax = fl.plot_map(fl.load_sample(), "six")
    save_small_png(ax.figure, OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
