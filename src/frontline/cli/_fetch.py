"""The fetch command: published maps and boundary sets into the cache or a folder."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from frontline.cli._common import dump_json
from frontline.errors import OptionError

if TYPE_CHECKING:
    import argparse
    import datetime as dt

    from frontline.fetch import FetchedMap

log = logging.getLogger("frontline")

__all__ = ["register"]

_DESCRIPTION = """\
Download published control maps into the cache (or into a folder with -o) and
print, for each map, the evening it shows and its path.

SOURCE is deepstate-union (DeepState's daily union archive on GitHub: the file
that really shows the evening, from frontline's manifest, pinned and checked),
deepstate (DeepState's own map history, all classes), isw (ISW/CTP's ArcGIS
layer as it is now: --url or FRONTLINE_ISW_LAYER_URL), or a boundary set
(minregion-2020, geoboundaries-adm1, geoboundaries-adm1-simplified). A source
URI (deepstate:2024-11-20) also works as SOURCE.

WHEN is a date (2024-11-20, the evening shown), latest (default) or a range
START..END (END may be latest). With -o DIR only what is missing is
downloaded, files appear whole or not at all and no lock file is left in DIR,
so 'frontline fetch deepstate-union 2024-07-07..latest -o maps/ --yes' can run
from cron every morning. A range that needs more than 400 downloads asks for
--yes.

DeepState's terms for its data and API: https://deepstatemap.live/license-en.html
(attribute DeepState). Base addresses: FRONTLINE_DEEPSTATE_UNION_URL,
FRONTLINE_DEEPSTATE_API_URL (mirrors).
"""


def register(sub: Any, reader: argparse.ArgumentParser) -> None:
    """Add the fetch subcommand to the parser."""
    import argparse

    fetch = sub.add_parser(
        "fetch",
        help="download maps by source and date (DeepState, ISW) or boundary sets",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fetch.add_argument(
        "source",
        metavar="SOURCE",
        help="deepstate-union, deepstate, isw, a boundary set, or SOURCE:WHEN",
    )
    fetch.add_argument(
        "when",
        nargs="?",
        metavar="WHEN",
        help="DATE, latest (default) or START..END",
    )
    fetch.add_argument(
        "-o", "--output", metavar="DIR", help="put the files in DIR (a local archive)"
    )
    fetch.add_argument(
        "--yes",
        action="store_true",
        help="allow a range that needs more than 400 downloads",
    )
    fetch.add_argument("--url", help="isw: the ArcGIS layer's REST address")
    fetch.add_argument(
        "--refresh",
        action="store_true",
        help="deepstate: read DeepState's list again (edited versions); "
        "isw: download the layer again",
    )
    fetch.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per request (30)"
    )
    fetch.add_argument("--format", choices=("table", "csv", "json"), default="table")
    fetch.set_defaults(func=_cmd_fetch)


def _cmd_fetch(args: argparse.Namespace) -> int:
    from frontline.boundaries import BOUNDARY_SETS
    from frontline.fetch import SOURCES, is_source_uri, parse_source

    source, when = args.source, args.when
    if is_source_uri(source):
        if when is not None:
            raise OptionError(
                f"got both the URI {source!r} and WHEN {when!r}; give one: "
                "'frontline fetch deepstate 2024-11-20' or "
                "'frontline fetch deepstate:2024-11-20'"
            )
        spec = parse_source(source)
        source, when = spec.source, str(spec).partition(":")[2]
    if source in BOUNDARY_SETS:
        return _boundaries(args, source, when)
    if source not in SOURCES:
        raise OptionError(
            f"unknown source {source!r}; expected one of {', '.join(SOURCES)} or a "
            f"boundary set ({', '.join(BOUNDARY_SETS)})"
        )
    maps = _maps(args, source, when or "latest")
    _print(maps, args.format)
    _summary(maps, source, when or "latest", args)
    return 0


def _maps(args: argparse.Namespace, source: str, when: str) -> list[FetchedMap]:
    from frontline.fetch import fetch_isw, fetch_map, fetch_range

    if source == "isw":
        if when != "latest":
            raise OptionError(
                f"ISW's layer shows the current assessment only: WHEN must be "
                f"latest, got {when!r}"
            )
        return [
            fetch_isw(
                url=args.url,
                folder=args.output,
                timeout=args.timeout,
                refresh=args.refresh,
            )
        ]
    if args.url:
        raise OptionError("--url applies to isw only")
    if ".." not in when:
        return [
            fetch_map(
                source,
                when,
                folder=args.output,
                timeout=args.timeout,
                refresh=args.refresh,
            )
        ]
    start, _, end = when.partition("..")
    with _bar(args, start, end) as bar:
        return fetch_range(
            source,
            start,
            end or "latest",
            folder=args.output,
            timeout=args.timeout,
            max_downloads=None if args.yes else 400,
            progress=lambda _: bar.update(1),
        )


def _bar(args: argparse.Namespace, start: str, end: str) -> Any:
    """Return a progress bar on stderr for ranges (a terminal only, not -q)."""
    import datetime as dt

    from frontline._runners import progress_bar

    total = None
    try:
        total = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1
    except ValueError:
        pass
    return progress_bar(total, not args.quiet, "fetch", unit="map", delay=0)


def _boundaries(args: argparse.Namespace, name: str, when: str | None) -> int:
    from frontline.boundaries import fetch_boundary_file

    if when is not None:
        raise OptionError(
            f"{name} is a boundary set: it has no date (got {when!r}); run "
            f"'frontline fetch {name}'"
        )
    path = fetch_boundary_file(name, folder=args.output, timeout=args.timeout)
    if args.format == "table":
        print(path)
    else:
        from frontline.fetch import FetchedMap

        _print([FetchedMap(name, None, path, "present")], args.format)
    return 0


def _row(m: FetchedMap) -> dict[str, Any]:
    return {
        "date": None if m.date is None else m.date.isoformat(),
        "path": None if m.path is None else str(m.path),
        "source": m.source,
        "status": m.status,
        "basis": m.basis,
        "version_id": m.version_id,
        "published": m.published,
        "url": m.url,
        "pinned": m.pinned,
        "note": m.note,
    }


def _print(maps: list[FetchedMap], fmt: str) -> None:
    out = sys.stdout
    if fmt == "json":
        dump_json([_row(m) for m in maps], out)
        return
    if fmt == "csv":
        import csv

        writer = csv.DictWriter(
            out, fieldnames=list(_row(maps[0])), lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(_row(m) for m in maps)
        return
    for m in maps:
        if m.path is not None:
            out.write(f"{m.date.isoformat() if m.date else '-'}\t{m.path}\n")


def _summary(
    maps: list[FetchedMap], source: str, when: str, args: argparse.Namespace
) -> None:
    """One line on stderr: what was downloaded, what was here, what is missing."""
    from frontline.fetch import compact_dates

    if args.quiet:
        return
    downloaded = sum(m.status == "downloaded" for m in maps)
    present = sum(m.status == "present" for m in maps)
    missing: list[dt.date] = [m.date for m in maps if m.status == "missing" and m.date]
    if len(maps) > 1:
        print(
            f"frontline: {source} {when}: {downloaded} map(s) downloaded, {present} "
            "already here"
            + (
                f", {len(missing)} evening(s) without a map: {compact_dates(missing)}"
                if missing
                else ""
            ),
            file=sys.stderr,
        )
    for m in maps:
        if m.note and m.status != "missing" and len(maps) == 1:
            print(f"frontline: {m.note}", file=sys.stderr)
