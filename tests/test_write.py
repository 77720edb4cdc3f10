"""The one atomic writer: permissions, links, special files, failures."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

import frontline as fl
from frontline._io import atomic_path, atomic_write, write_text
from frontline.cli import main


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".~"))


def test_new_file_gets_the_umask_mode(tmp_path, umask_022):
    write_text(tmp_path / "a.csv", "x\n")
    assert mode(tmp_path / "a.csv") == 0o644
    os.umask(0o077)
    write_text(tmp_path / "b.csv", "x\n")
    assert mode(tmp_path / "b.csv") == 0o600


def test_replaced_file_keeps_its_mode(tmp_path, umask_022):
    target = tmp_path / "a.csv"
    target.write_text("old")
    target.chmod(0o640)
    write_text(target, "new")
    assert target.read_text() == "new"
    assert mode(target) == 0o640


def test_error_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target) as out:
        out.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "b.gif") as tmp:
        tmp.write_bytes(b"GIF")
        raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def test_symlink_is_written_through(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_text(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "later.csv")
    write_text(link, "new")
    assert link.is_symlink()
    assert (tmp_path / "later.csv").read_text() == "new"


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda t: t / "missing" / "a.csv", "does not exist; create it first"),
        (lambda t: t, "is a directory"),
        (lambda t: t / ("x" * 300 + ".csv"), "file name is too long"),
    ],
)
def test_unwritable_targets_raise_output_error(tmp_path, make, match):
    with pytest.raises(fl.FrontlineError, match=match) as info:
        write_text(make(tmp_path), "x")
    assert isinstance(info.value, OSError)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(fl.OutputError, match="permission denied"):
            write_text(folder / "a.csv", "x")
    finally:
        folder.chmod(0o755)


def test_character_device_is_written_directly(tmp_path):
    write_text("/dev/null", "ignored")  # no rename onto /dev/null
    assert os.path.exists("/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_cli_report_file_is_0644(tmp_path, umask_022):
    out = tmp_path / "r.csv"
    assert main(["-q", "report", "--format", "csv", "-o", str(out)]) == 0
    assert mode(out) == 0o644
    assert out.read_text().startswith("region_id,")
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_cli_report_to_dev_stdout(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "frontline.cli", "-q", "report", "-o", "/dev/stdout"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Donetsk" in proc.stdout


@pytest.mark.slow
def test_cli_map_png_is_0644(tmp_path, umask_022):
    out = tmp_path / "m.png"
    assert main(["-q", "map", "-o", str(out), "--regions", "Luhansk"]) == 0
    assert mode(out) == 0o644
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_animation_is_0644(tmp_path, umask_022):
    pytest.importorskip("PIL")
    out = tmp_path / "a.gif"
    fl.animate([fl.load_sample()], out, "Luhansk", dpi=30, figsize=(3, 3))
    assert mode(out) == 0o644
    assert out.read_bytes()[:3] == b"GIF"
    assert leftovers(tmp_path) == []
