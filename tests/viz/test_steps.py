"""The step-through of backward(): frame order, sums, SVG and HTML output."""

import re

import pytest

from autograd_scalar.core.value import Value
from autograd_scalar.viz.steps import step_through


def _fan_out():
    """L = c·a + a with c = a·b: a reaches L by two paths."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c * a
    d.label = "d"
    loss = d + a
    loss.label = "L"
    return loss, a, b, c, d


def test_frames_follow_the_engine_and_show_the_sums():
    loss, a, b, c, d = _fan_out()
    steps = step_through(loss)
    # By hand: ∂L/∂d = 1; ∂L/∂c = ∂L/∂d·a = 2; ∂L/∂a = 1 (direct) + 1·c (via d) + 2·b (via c)
    # = 1 - 6 - 6 = -11; ∂L/∂b = 2·a = 4. The engine processes L, d, c in that order.
    assert [frame.node for frame in steps.frames] == [loss, d, c, a, b]
    assert [frame.equation for frame in steps.frames] == [
        "∂L/∂L = 1.0 (seed)",
        "∂L/∂d = 1.0·(1.0) = 1.0",
        "∂L/∂c = 1.0·(2.0) = 2.0",
        "∂L/∂a = 1.0·(1.0) + 1.0·(-6.0) + 2.0·(-3.0) = -11.0",
        "∂L/∂b = 2.0·(2.0) = 4.0",
    ]
    assert [frame.grad for frame in steps.frames] == [1.0, 1.0, 2.0, -11.0, 4.0]


def test_frame_gradients_equal_backward_and_the_graph_is_untouched():
    loss, a, b, c, d = _fan_out()
    steps = step_through(loss)
    assert all(node.grad == 0.0 for node in (loss, a, b, c, d))  # step_through ran nothing
    loss.backward()
    for frame in steps.frames:
        assert frame.grad == frame.node.grad


def test_each_frame_highlights_its_node_and_hides_later_gradients():
    loss, *_ = _fan_out()
    steps = step_through(loss)
    for frame in steps.frames:
        highlighted = re.findall(r'label="([^"]*)"[^\]]*penwidth=3', frame.source)
        assert len(highlighted) == 1
        assert highlighted[0].split("\\n")[0].split(" = ")[0] == frame.name
        assert frame.equation in frame.source
    first = steps.frames[0].source
    assert "∂L/∂a = ?" in first
    assert "∂L/∂a = ?" not in steps.frames[3].source


def test_save_svgs_writes_numbered_files(tmp_path):
    loss, *_ = _fan_out()
    paths = step_through(loss).save_svgs(tmp_path / "frames")
    forward = [f"forward_00{i}.svg" for i in range(1, 5)]  # the inputs, c, d, L
    backward = [f"frame_00{i}.svg" for i in range(1, 6)]
    assert [p.name for p in paths] == forward + backward
    assert all(p.read_text().rstrip().endswith("</svg>") for p in paths)


def test_the_forward_pass_comes_first_value_by_value():
    loss, a, b, c, d = _fan_out()
    steps = step_through(loss)
    assert [f.node for f in steps.forward_frames] == [None, c, d, loss]
    assert [f.equation for f in steps.forward_frames] == [
        "inputs: a = 2.0, b = -3.0",
        "c = a * b = 2.0 * (-3.0) = -6.0",
        "d = c * a = (-6.0) * 2.0 = -12.0",
        "L = d + a = (-12.0) + 2.0 = -10.0",
    ]
    # a value is "?" until its frame, and the frame's node is highlighted
    first, second = steps.forward_frames[0].source, steps.forward_frames[1].source
    assert 'label="c\\ndata ?"' in first
    assert 'label="c\\ndata -6.0"' in second and "penwidth=3" in second
    assert "grad" not in first  # gradients wait for the backward frames
    # and the player shows them before the backward frames
    phases = [slide.phase for slide in steps.slides]
    assert phases == ["forward pass"] * 4 + ["backward pass"] * 5
    assert step_through(loss, forward=False).slides == steps.slides[4:]


def test_the_output_is_called_l_in_every_frame():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "f"  # what the graph command calls it
    steps = step_through(y)
    assert steps.forward_frames[-1].equation == "L = x * x = 3.0 * 3.0 = 9.0"
    assert steps.frames[0].equation == "∂L/∂L = 1.0 (seed)"
    assert all("∂f" not in slide.source for slide in steps.slides)


def test_without_javascript_the_first_frame_shows():
    loss, *_ = _fan_out()
    page = step_through(loss).to_html()
    frames = re.findall(r'<div class="as-frame" data-index="(\d+)"([^>]*)>', page)
    assert len(frames) == 9
    assert frames[0] == ("0", "")  # not hidden
    assert all('style="display:none"' in attrs for _, attrs in frames[1:])
    # every picture scales down to its column, even where <style> is stripped
    assert page.count('<svg style="max-width:100%;height:auto"') == 9


def test_html_is_self_contained(tmp_path):
    loss, *_ = _fan_out()
    steps = step_through(loss)
    page = steps.save_html(tmp_path / "steps.html").read_text()
    assert page.count('class="as-frame"') == 9
    assert page.count("<svg") == 9
    assert "<?xml" not in page  # inline SVG, not documents
    # No resource is fetched: no src/href to anything, no URL but the SVG namespaces.
    assert not re.search(r"\b(src|href)\s*=", page)
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "∂L/∂a = 1.0·(1.0) + 1.0·(-6.0) + 2.0·(-3.0) = -11.0" in page


def test_notebook_display_is_a_fragment_with_its_own_id():
    loss, *_ = _fan_out()
    first, second = step_through(loss), step_through(loss)
    a, b = first._repr_html_(), second._repr_html_()
    assert "<html" not in a
    assert re.search(r'id="(as-steps-\w+)"', a).group(1) != re.search(
        r'id="(as-steps-\w+)"', b
    ).group(1)


def test_a_leaf_output_has_one_frame():
    x = Value(1.5, label="x")
    (frame,) = step_through(x).frames
    assert frame.equation == "∂L/∂L = 1.0 (seed)"


def test_gradient_seed_scales_every_frame():
    loss, *_ = _fan_out()
    plain = step_through(loss)
    scaled = step_through(loss, gradient=-2.0)
    assert [f.grad * -2.0 for f in plain.frames] == [f.grad for f in scaled.frames]


def test_too_large_graph_is_refused():
    from autograd_scalar.viz.trace import GraphTooLargeError

    y = Value(1.0)
    for _ in range(50):
        y = y + 1.0
    with pytest.raises(GraphTooLargeError):
        step_through(y, max_nodes=20)


def test_frames_show_the_chain_rules_factors_with_their_formulas() -> None:
    """The same factors as chain_rule: each local derivative with its rule's
    formula in the graph's own names, and its number."""
    from autograd_scalar import Value, chain_rule
    from autograd_scalar.viz import step_through

    x, w, b = Value(2.0, label="x"), Value(0.5, label="w"), Value(-0.25, label="b")
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    frames = {f.name: f for f in step_through(a).frames}
    assert frames["z"].factors == ("∂L/∂z = σ(z)·(1 - σ(z)) = 0.2179",)
    assert frames["w"].factors[0].endswith("= x = 2.0")
    assert "σ(z)·(1 - σ(z))" in str(chain_rule(a, w))
    html = step_through(a)._repr_html_()
    assert "σ(z)·(1 - σ(z)) = 0.2179" in html
