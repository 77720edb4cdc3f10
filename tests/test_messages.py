"""frontline._messages.quote: values in messages, capped."""

from __future__ import annotations

import pytest

from frontline._messages import quote


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("occupied", "'occupied'"),
        (1.5, "1.5"),
        (None, "None"),
        ("a\nb", "'a\\nb'"),
    ],
)
def test_short_values_are_their_repr(value, expected):
    assert quote(value) == expected


def test_a_long_string_is_cut_and_its_length_said():
    text = quote("x" * 5 * 2**20)
    assert len(text) < 120
    assert text.endswith("(5,242,880 characters)")
    assert "…" in text


def test_long_bytes_and_containers():
    assert quote(b"\0" * 1000, limit=20).endswith("(1,000 bytes)")
    assert quote(list(range(10_000)), limit=20).endswith("(list of 10,000 items)")
    assert quote({"a": [1] * 100}, limit=20).endswith("(dict of 1 item)")


def test_a_multi_line_repr_becomes_one_line():
    class Odd:
        def __repr__(self):
            return "line one\nline two"

    assert quote(Odd()) == "line one line two"


def test_a_failing_repr_names_the_type():
    class Broken:
        def __repr__(self):
            raise RuntimeError("no")

    assert quote(Broken()) == "<Broken>"


def test_the_limit_has_a_floor():
    assert len(quote("y" * 100, limit=0)) < 40


def test_warn_points_at_the_line_outside_frontline():
    import warnings

    from frontline._messages import warn

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn("something was repaired")
    assert caught[0].filename == __file__
    assert caught[0].category.__name__ == "FrontlineWarning"
