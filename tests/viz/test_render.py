"""Rendering DOT without system Graphviz: executable discovery, formats, limits."""

import os
import shutil
import stat
import struct
import sys
from pathlib import Path

import pytest

from autograd_scalar.viz.render import (
    ENV_VAR,
    MAX_PNG_INCHES,
    PNG_DPI,
    RenderError,
    find_executable,
    render,
)

SMALL = "digraph { a -> b }"


@pytest.fixture(autouse=True)
def _no_env_override(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_svg_is_rendered():
    svg = render(SMALL, "svg").decode()
    assert "<svg" in svg
    assert "<title>a</title>" in svg
    assert "<title>a&#45;&gt;b</title>" in svg


def test_png_is_rendered():
    width, height = _png_size(render(SMALL, "png"))
    assert width > 0
    assert height > 0


def test_found_next_to_the_interpreter_when_path_is_empty(monkeypatch):
    here = Path(sys.executable).parent / "graphviz-pure"
    if not here.is_file():
        pytest.skip("graphviz-pure is not installed next to this interpreter")
    monkeypatch.setenv("PATH", "")
    assert Path(find_executable("svg")) == here
    assert b"<svg" in render(SMALL, "svg")


def test_environment_variable_chooses_the_executable(monkeypatch, tmp_path):
    fake = tmp_path / "fake-dot"
    fake.write_text("#!/bin/sh\necho '<svg>fake</svg>'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv(ENV_VAR, str(fake))
    assert find_executable("svg") == str(fake)
    assert render(SMALL, "svg").strip() == b"<svg>fake</svg>"


def test_environment_variable_naming_nothing_is_an_error(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "/no/such/renderer")
    with pytest.raises(RenderError, match="AUTOGRAD_SCALAR_DOT"):
        find_executable("svg")


def test_no_renderer_anywhere_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(RenderError, match=r"autograd_scalar\[viz\]"):
        find_executable("svg")


def test_unknown_format_is_refused():
    with pytest.raises(RenderError, match="unknown format"):
        render(SMALL, "gif")


def test_invalid_dot_reports_the_renderer_error():
    with pytest.raises(RenderError, match="failed"):
        render("digraph { a -> }", "svg")


def test_a_hanging_renderer_times_out(monkeypatch, tmp_path):
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(slow.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv(ENV_VAR, str(slow))
    with pytest.raises(RenderError, match="longer than"):
        render(SMALL, "svg", timeout=0.5)


def test_png_size_is_bounded_even_if_the_graph_asks_for_more():
    # A graph that asks to be 500 inches wide at 300 dpi would be 150,000 pixels.
    chain = " -> ".join(f"n{i}" for i in range(60))
    source = f'digraph {{ rankdir=LR; size="500,500!"; dpi=300; {chain} }}'
    width, height = _png_size(render(source, "png"))
    limit = MAX_PNG_INCHES * PNG_DPI
    assert width <= limit
    assert height <= limit


def test_pdf_needs_system_graphviz():
    if shutil.which("dot") and not os.environ.get(ENV_VAR):
        assert render(SMALL, "pdf").startswith(b"%PDF")
    else:
        with pytest.raises(RenderError, match="pdf"):
            render(SMALL, "pdf")
