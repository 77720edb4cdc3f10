"""Animated maps (GIF, MP4): one frame per control layer."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontline import _validate
from frontline._io import atomic_path
from frontline.control import as_layer
from frontline.errors import OptionError
from frontline.plot.maps import plot_map
from frontline.regions import resolve_regions

if TYPE_CHECKING:
    from collections.abc import Iterable

    from matplotlib.artist import Artist

    import geopandas as gpd

__all__ = ["animate"]

log = logging.getLogger(__name__)


def animate(
    layers: Iterable[str | Path | gpd.GeoDataFrame],
    path: str | Path,
    regions: str | Iterable[str] = "six",
    *,
    fps: int = 2,
    dpi: int = 100,
    figsize: tuple[float, float] = (9.0, 7.5),
    **map_kwargs: Any,
) -> Path:
    """Write an animated map (GIF or MP4), one frame per control layer.

    Each frame is :func:`plot_map` of one layer on the same view. GIF is
    written with pillow (else ffmpeg), MP4 with ffmpeg. The file is written
    to a temporary file beside ``path`` and renamed into place, so a failure
    never leaves a partial file.

    Parameters
    ----------
    layers : iterable of path or GeoDataFrame
        Control layers, in frame order (e.g. one per week).
    path : str or Path
        Output file, ``.gif`` or ``.mp4``.
    regions : str or iterable of str, default "six"
        The regions to map.
    fps : int, default 2
        Frames per second (at least 1).
    dpi : int, default 100
        Resolution (the frame is ``figsize × dpi`` pixels).
    figsize : tuple of float, default (9, 7.5)
        Frame size in inches.
    **map_kwargs
        Passed to :func:`plot_map` (``line``, ``labels``, ``title`` …).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OptionError
        For an extension other than ``.gif``/``.mp4``, no layer, or an
        ``fps`` or ``dpi`` below 1.
    ImportError
        If no writer for the format is installed (pillow for GIF, ffmpeg for
        MP4); the message says how to install one.
    ArgumentTypeError
        If ``layers`` is not a list of layers, ``path`` not a path, or
        ``dpi``/``figsize`` not numbers.
    """
    import matplotlib.pyplot as plt
    from matplotlib import animation

    layers = _validate.sequence(
        layers, "layers", what="control layers", example="[layer_a, layer_b]"
    )
    path = _validate.path(path, "path", role="output")
    resolve_regions(regions)
    _check_frame(dpi, figsize)
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in {".gif", ".mp4"}:
        raise OptionError(
            f"cannot animate to {target.name!r}: the extension must be .gif or .mp4"
        )
    if not isinstance(fps, int) or fps < 1:
        raise OptionError(
            f"fps must be a whole number of frames per second ≥ 1, got {fps!r}"
        )
    if not isinstance(dpi, int) or dpi < 1:
        raise OptionError(f"dpi must be a whole number ≥ 1, got {dpi!r}")
    frames = [as_layer(layer) for layer in layers]
    if not frames:
        raise OptionError("animate needs at least one control layer; got none")
    writer = _writer(suffix, fps)

    fig = plt.figure(figsize=figsize, dpi=dpi)

    def draw(i: int) -> list[Artist]:
        fig.clear()
        ax = fig.add_axes((0.04, 0.16, 0.92, 0.76))
        plot_map(frames[i], regions, ax=ax, **map_kwargs)
        return []

    try:
        anim = animation.FuncAnimation(
            fig, draw, frames=len(frames), interval=1000 / fps, blit=False, repeat=False
        )
        with atomic_path(target, what="animation") as tmp:
            anim.save(tmp, writer=writer, dpi=dpi)
    finally:
        plt.close(fig)
    log.info("wrote %s (%d frames)", target, len(frames))
    return target


#: The most pixels a frame may have (about 10,000 × 10,000).
MAX_FRAME_PIXELS = 100_000_000


def _check_frame(dpi: Any, figsize: Any) -> None:
    """Check the frame's resolution and size: a frame must fit in memory."""
    _validate.number(dpi, "dpi", low=1, integer=True, example="100")
    size = _validate.sequence(
        figsize, "figsize", what="two numbers", example="(9, 7.5)"
    )
    if len(size) != 2:
        raise OptionError(f"figsize must be (width, height) in inches, got {size!r}")
    width, height = (
        _validate.number(v, "figsize", low=0, low_open=True, unit="inches")
        for v in size
    )
    pixels = width * height * float(dpi) ** 2
    if pixels > MAX_FRAME_PIXELS:
        raise OptionError(
            f"a frame of {width:g}×{height:g} inches at dpi={dpi} would have "
            f"{pixels:,.0f} pixels, more than {MAX_FRAME_PIXELS:,}; use a smaller "
            "dpi (or figsize)"
        )


def _writer(suffix: str, fps: int) -> Any:
    from matplotlib import animation

    order = ["pillow", "ffmpeg"] if suffix == ".gif" else ["ffmpeg"]
    for name in order:
        if animation.writers.is_available(name):
            return animation.writers[name](fps=fps)
    if suffix == ".gif":
        raise ImportError(
            "writing a GIF needs pillow (pip install pillow) or ffmpeg on the PATH "
            "(apt install ffmpeg / conda install ffmpeg)"
        )
    raise ImportError(
        "writing an MP4 needs ffmpeg on the PATH: install it with apt install ffmpeg "
        "or conda install ffmpeg (or pip install imageio-ffmpeg and set "
        "matplotlib.rcParams['animation.ffmpeg_path']), or write a .gif instead"
    )
