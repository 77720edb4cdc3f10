"""The ``frontline`` command: a thin layer over the library.

Data go to stdout (or ``-o FILE``), messages to stderr. A user error
(:class:`~frontline.errors.FrontlineError`) prints one line and exits 1; a
usage error exits 2; ``--debug`` shows the traceback. Each group of commands
lives in its own module (``_fetch``, ``_tables``, ``_lines``, ``_series``,
``_maps``);
what they share is in ``_common``.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import signal
import sys
import warnings
from typing import TYPE_CHECKING, Any

from frontline.cli import _fetch, _lines, _maps, _series, _tables
from frontline.cli._common import reader_options
from frontline.errors import FrontlineError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

log = logging.getLogger("frontline")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 for a user error, 2 for a usage error.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or usage error (2)
        return int(exc.code or 0)
    _configure_logging(args.verbose - args.quiet)
    if args.show_versions:
        _show_versions()
        return 0
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _show_warning
            code = args.func(args)
    except BrokenPipeError:
        # The reader went away (`frontline report | head`): stop quietly, as
        # Unix tools do, with the status of a process killed by SIGPIPE.
        _silence_stdout()
        return 128 + signal.SIGPIPE
    except (FrontlineError, OSError) as exc:
        if args.debug:
            raise
        print(f"frontline: error: {one_line(str(exc))}", file=sys.stderr)
        return 1
    return int(code or 0)


#: Longest error line printed (longer messages are cut in the middle).
MAX_MESSAGE = 600


def one_line(message: str, limit: int = MAX_MESSAGE) -> str:
    r"""Return a message on one line, at most ``limit`` characters long.

    Examples
    --------
    >>> one_line("first\n  second")
    'first; second'
    >>> len(one_line("x" * 5000))
    600
    """
    text = "; ".join(part.strip() for part in message.splitlines() if part.strip())
    if len(text) <= limit:
        return text
    keep = limit - 5
    return f"{text[: keep - keep // 3]} […] {text[-(keep // 3) :]}"


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the final flush raises nothing."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _parser() -> argparse.ArgumentParser:
    from frontline import __version__

    parser = argparse.ArgumentParser(
        prog="frontline",
        description="Territorial-control analysis for Ukraine: who holds how much "
        "of each oblast, measured on the ellipsoid.",
    )
    parser.add_argument(
        "--version", action="version", version=f"frontline {__version__}"
    )
    parser.add_argument(
        "--show-versions", action="store_true", help="print dependency versions"
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log")
    parser.add_argument("-q", "--quiet", action="count", default=0, help="less log")
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks for errors"
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    reader = reader_options()
    for module in (_fetch, _tables, _lines, _series, _maps):
        module.register(sub, reader)
    return parser


def _configure_logging(level: int) -> None:
    levels = {-2: logging.ERROR, -1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("frontline: %(levelname)s: %(message)s"))
    root = logging.getLogger("frontline")
    root.handlers[:] = [handler]
    root.setLevel(levels.get(max(-2, min(level, 2)), logging.DEBUG))
    root.propagate = False


def _show_warning(  # noqa: PLR0917 - the warnings.showwarning signature
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    print(f"frontline: warning: {one_line(str(message))}", file=sys.stderr)


def _show_versions() -> None:
    from importlib.metadata import PackageNotFoundError, version

    print(f"python: {sys.version.split()[0]} ({platform.platform()})")
    for name in (
        "frontline",
        "geopandas",
        "shapely",
        "pyproj",
        "pyogrio",
        "pandas",
        "numpy",
        "matplotlib",
        "pyarrow",
    ):
        try:
            print(f"{name}: {version(name)}")
        except PackageNotFoundError:
            print(f"{name}: not installed")
    import pyogrio
    import pyproj

    print(f"GDAL: {pyogrio.__gdal_version_string__}; PROJ: {pyproj.proj_version_str}")
