"""Frames shown one at a time: a self-contained HTML player and numbered SVG files.

Used by :func:`~autograd_scalar.viz.steps.step_through` (the scalar graph,
forward then backward) and
:func:`~autograd_scalar.viz.network.network_steps` (the reverse network,
layer by layer). A :class:`Slide` is one frame: its caption, its DOT source,
the phase it belongs to and the stem of its SVG file name.

The HTML page needs no network access (inline SVG, inline script), shows its
first frame even without JavaScript (only the later frames start hidden), and
scales every picture to its column (``max-width: 100%``), so it fits a 736 px
notebook or documentation column.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

from .render import render

__all__ = ["FramePlayer", "Slide"]


@dataclass(frozen=True)
class Slide:
    """One frame of a :class:`FramePlayer`.

    Attributes:
        phase: what the frame belongs to, shown above it ("forward pass").
        caption: the text shown above the picture (an equation).
        source: the DOT source of the picture.
        stem: the SVG file's name before its number (``frame`` → ``frame_001.svg``).
    """

    phase: str
    caption: str
    source: str
    stem: str = "frame"


class FramePlayer:
    """Slides shown one at a time; see the module's description."""

    #: The page's title.
    title = "Step by step"

    def __init__(self, slides: list[Slide]) -> None:
        self.slides = slides
        self._svgs: list[str] | None = None

    def svgs(self) -> list[str]:
        """Each slide rendered to SVG text, in order (rendered once, then kept)."""
        if self._svgs is None:
            self._svgs = [render(slide.source, "svg").decode("utf-8") for slide in self.slides]
        return self._svgs

    def save_svgs(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write the slides as numbered SVG files into ``folder``: each stem
        counts from 1 (``forward_001.svg``..., ``frame_001.svg``...)."""
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        counts: dict[str, int] = {}
        paths = []
        for slide, svg in zip(self.slides, self.svgs()):
            counts[slide.stem] = counts.get(slide.stem, 0) + 1
            path = target / f"{slide.stem}_{counts[slide.stem]:03d}.svg"
            path.write_text(svg, encoding="utf-8")
            paths.append(path)
        return paths

    def _widget(self, element_id: str, *, keys_on_document: bool) -> str:
        frames = []
        for index, (slide, svg) in enumerate(zip(self.slides, self.svgs())):
            inline = svg[svg.find("<svg") :]  # drop the XML prolog and DOCTYPE
            # Inline style, so the picture scales even where a <style> is stripped.
            inline = inline.replace("<svg ", f'<svg style="{_SVG_STYLE}" ', 1)
            hidden = "" if index == 0 else ' style="display:none"'  # frame 1 shows without JS
            frames.append(
                f'<div class="as-frame" data-index="{index}"{hidden}>'
                f'<p class="as-phase">{html.escape(slide.phase)}</p>'
                f'<p class="as-equation">{html.escape(slide.caption)}</p>{inline}</div>'
            )
        key_target = "document" if keys_on_document else "root"
        return _WIDGET.format(
            id=element_id,
            frames="\n".join(frames),
            total=len(self.slides),
            key_target=key_target,
        )

    def to_html(self) -> str:
        """A complete, self-contained HTML page (no external resources)."""
        body = self._widget("as-steps", keys_on_document=True)
        return _PAGE.format(body=body, title=html.escape(self.title))

    def save_html(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_html` to ``path``."""
        target = Path(path)
        target.write_text(self.to_html(), encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        # Unique per object, so several players in one notebook stay apart;
        # the arrow keys act when the widget has focus (click it).
        return self._widget(f"as-steps-{id(self):x}", keys_on_document=False)


_SVG_STYLE = "max-width:100%;height:auto"

_WIDGET = """<div id="{id}" class="as-steps" tabindex="0" style="max-width:100%">
<style>
#{id} .as-controls button {{ font-size: 1em; margin-right: 0.3em; }}
#{id} .as-phase {{ margin: 0.2em 0; color: #6b7280; font-style: italic; }}
#{id} .as-equation {{ font-family: monospace; font-size: 1.1em; overflow-wrap: anywhere; }}
#{id} .as-hint {{ color: #6b7280; margin-left: 0.8em; }}
#{id} .as-frame svg {{ max-width: 100%; height: auto; }}
</style>
<div class="as-controls">
<button type="button" class="as-prev" aria-label="previous step">&#9664; Previous</button>
<button type="button" class="as-play" aria-label="play">Play</button>
<button type="button" class="as-next" aria-label="next step">Next &#9654;</button>
<span class="as-counter">1 / {total}</span>
<span class="as-hint">(arrow keys step, Home / End jump)</span>
</div>
<noscript><p>JavaScript is off: this is the first frame only.</p></noscript>
{frames}
<script>
(function () {{
  var root = document.getElementById("{id}");
  var frames = root.querySelectorAll(".as-frame");
  var counter = root.querySelector(".as-counter");
  var play = root.querySelector(".as-play");
  var current = 0, timer = null;
  function show(k) {{
    current = Math.max(0, Math.min(frames.length - 1, k));
    for (var j = 0; j < frames.length; j++) {{
      frames[j].style.display = j === current ? "block" : "none";
    }}
    counter.textContent = (current + 1) + " / " + frames.length;
  }}
  function stop() {{
    if (timer !== null) {{ clearInterval(timer); timer = null; }}
    play.textContent = "Play";
  }}
  function step(by) {{ return function () {{ stop(); show(current + by); }}; }}
  root.querySelector(".as-prev").addEventListener("click", step(-1));
  root.querySelector(".as-next").addEventListener("click", step(1));
  play.addEventListener("click", function () {{
    if (timer !== null) {{ stop(); return; }}
    if (current === frames.length - 1) {{ show(0); }}
    play.textContent = "Pause";
    timer = setInterval(function () {{
      if (current >= frames.length - 1) {{ stop(); }} else {{ show(current + 1); }}
    }}, 1200);
  }});
  var keys = "{key_target}" === "document" ? document : root;
  keys.addEventListener("keydown", function (event) {{
    var moves = {{ArrowRight: current + 1, ArrowDown: current + 1, ArrowLeft: current - 1,
                 ArrowUp: current - 1, Home: 0, End: frames.length - 1}};
    if (event.key in moves) {{ stop(); show(moves[event.key]); event.preventDefault(); }}
  }});
  show(0);
}})();
</script>
</div>"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 1em; }}
</style>
</head>
<body>
<h1>{title}</h1>
{body}
</body>
</html>
"""
