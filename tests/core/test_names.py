"""core.names: SageMaker's name rule for every user-given name, and paths kept inside roots."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ValidationError
from core.names import contained, is_valid_name, validate_name, validate_optional_name

SAGEMAKER = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")  # the documented pattern
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
DEVICES = ["CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT1", "lpt9", "con", "Nul"]


@st.composite
def valid_names(draw) -> str:
    """Names SageMaker accepts: alphanumeric runs joined by hyphens, at most 63 characters."""
    first = draw(st.sampled_from(ALNUM))
    rest = draw(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(ALNUM)), max_size=40))
    name = first + "".join("-" * dashes + char for dashes, char in rest)
    return name[:63].rstrip("-")


def hostile_names() -> st.SearchStrategy[str]:
    """Names an attacker or a careless user gives: each must be refused."""
    word = st.text(ALNUM, min_size=1, max_size=10)
    return st.one_of(
        st.builds(lambda w, d: "../" * d + w, word, st.integers(1, 5)),  # traversal
        st.builds(lambda w: "/" + w, word),  # absolute
        st.builds(lambda w: "C:\\" + w, word),  # absolute on Windows
        st.builds(lambda a, b: f"{a}/{b}", word, word),  # a separator
        st.builds(lambda a, b: f"{a}\\{b}", word, word),
        st.builds(lambda w: w + "\0", word),  # NUL
        st.builds(lambda w, c: w + c, word, st.sampled_from(  # unicode lookalikes
            ["\u0430", "\u0435", "\u2010", "\u2011", "\u2212", "\uff0d", "\u0660", "\uff21",
             "\u00e9", "\u200b", "\u0131"])),
        st.builds(lambda w: w + "-", word),  # trailing dash
        st.builds(lambda w: "-" + w, word),  # leading dash
        st.builds(lambda w: w + ".", word),  # trailing dot (Windows drops it)
        st.builds(lambda w: w + " ", word),  # trailing space
        st.builds(lambda w: w + "\n", word),  # a newline that $ would let through
        st.just(""), st.just("."), st.just(".."),
        st.sampled_from(DEVICES),  # Windows device names
        st.text(ALNUM, min_size=64, max_size=200),  # too long
        st.builds(lambda w: "a" + "-" * 70 + w, word),  # within the regex, over 63
        st.text(min_size=1, max_size=30).filter(lambda t: not SAGEMAKER.match(t)),
    )


@given(valid_names())
@settings(deadline=None)
def test_generated_valid_names_are_accepted(name):
    assert SAGEMAKER.match(name) and len(name) <= 63
    if name.upper() in {d.upper() for d in DEVICES} or re.fullmatch(
            r"(?i)(con|prn|aux|nul|com\d|lpt\d)", name):
        return  # valid for SageMaker, refused here (Windows devices): tested below
    assert validate_name(name, "endpoint") == name
    assert is_valid_name(name)


@given(hostile_names())
@settings(max_examples=400, deadline=None)
def test_generated_hostile_names_are_refused_with_one_sentence(name):
    assert not is_valid_name(name)
    with pytest.raises(ValidationError) as caught:
        validate_name(name, "schedule")
    message = str(caught.value)
    assert message.startswith("Schedule name ") and message.endswith(".")
    assert "\n" not in message.replace(repr(name), "")


@pytest.mark.parametrize("name", DEVICES)
def test_windows_device_names_are_refused(name):
    with pytest.raises(ValidationError, match="reserved device name"):
        validate_name(name, "variant")


def test_boundaries():
    assert validate_name("a" * 63) == "a" * 63
    assert validate_name("a--b") == "a--b" and validate_name("0") == "0"
    assert validate_name("CONSOLE") == "CONSOLE"  # only the device names themselves
    for bad in ("a" * 64, "a-", "-a", "a_b", "a.b", 7, None, b"abc"):
        assert not is_valid_name(bad)
    assert validate_optional_name("", "baseline") == ""
    assert validate_optional_name(None, "baseline") == ""
    with pytest.raises(ValidationError, match="--schedule"):
        validate_name("../x", "schedule", where="--schedule")


# -- contained --------------------------------------------------------------------------

segments = st.sampled_from(["a", "b", "c", "..", ".", "x-1"])


@given(st.lists(segments, min_size=1, max_size=8))
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_contained_matches_where_the_path_really_resolves(tmp_path, parts):
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    inside = os.path.normpath(os.path.join(*parts))
    escapes = inside == ".." or inside.startswith(".." + os.sep)
    if escapes:
        with pytest.raises(ValidationError, match="leads outside"):
            contained(root, *parts)
    else:
        assert contained(root, *parts) == root.joinpath(*parts)


def test_contained_refuses_absolute_nul_and_symbolic_link_escapes(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "out").symlink_to(tmp_path)  # a link leading out of the root
    (root / "in").symlink_to(root / "sub", target_is_directory=True)
    with pytest.raises(ValidationError, match="absolute"):
        contained(root, "/etc/passwd")
    with pytest.raises(ValidationError, match="NUL"):
        contained(root, "a\0b")
    with pytest.raises(ValidationError, match="leads outside"):
        contained(root, "out", "x")
    assert contained(root, "in", "x") == root / "in" / "x"
    assert contained(root, "a", "..", "b") == root / "a" / ".." / "b"
