"""Things a :class:`~rlgan.render.viewer.Viewer` draws around a frame.

- :func:`draw_hud`: the HUD, text lines flowed into columns in the bar above the frame;
- :func:`draw_text_lines`: text lines on a translucent box (for overlays of your own);
- :class:`BarChart`: one bar per value (action probabilities, Q-values), one highlighted;
- :class:`Sparkline`: a small line chart of recent values with the latest value printed;
- :class:`TextPanel`: a titled list of text lines.

A panel is anything that satisfies the :class:`Panel` protocol: ``preferred_height()`` (its
height in pixels, or None to share the free height) and ``draw(surface, rect)``. The panels
here are plain data made afresh each frame; a new panel is one such class (docs/render.md,
"Adding a viewer panel").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import pygame

from rlgan.render.display import get_font

Color = tuple[int, int, int]

BACKGROUND: Color = (24, 26, 32)
PANEL_BACKGROUND: Color = (36, 39, 48)
TEXT: Color = (235, 235, 235)
MUTED: Color = (150, 155, 165)
ACCENT: Color = (255, 170, 40)
BAR: Color = (90, 140, 220)
LINE: Color = (110, 200, 255)

TITLE_SIZE = 18
LABEL_SIZE = 16
HUD_SIZE = 18
#: padding inside the HUD bar, and the gap between its columns, in pixels
HUD_PAD, HUD_GAP = 4, 18

#: A HUD line: its text, or ``(text, colour)`` for a highlighted line (e.g. PAUSED).
HudLine = str | tuple[str, Color]


@runtime_checkable
class Panel(Protocol):
    """One box of the Viewer's side column; the column stacks its panels top-down."""

    def preferred_height(self) -> int | None:
        """Height in pixels the panel needs, or None to share the column's free height."""
        ...

    def draw(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        """Paint the panel into ``rect`` of ``surface``."""
        ...


def format_value(value: float) -> str:
    """A short, readable rendering of a number (``nan`` stays ``nan``)."""
    if value is None or not math.isfinite(value):
        return str(value)
    if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-3):
        return f"{value:.2e}"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def hud_height(rows: int) -> int:
    """Height in pixels of a HUD bar with ``rows`` text rows (0 rows: no bar)."""
    if rows <= 0:
        return 0
    return rows * get_font(HUD_SIZE).get_linesize() + 2 * HUD_PAD


def hud_text(line: HudLine) -> tuple[str, Color]:
    """``(text, colour)`` of a HUD line (plain strings are drawn in the text colour)."""
    if isinstance(line, tuple):
        return str(line[0]), tuple(line[1])  # type: ignore[return-value]
    return str(line), TEXT


def draw_hud(surface: pygame.Surface, lines: Sequence[HudLine], rect: pygame.Rect) -> None:
    """Paint ``lines`` into the bar ``rect``: top-down, then in further columns to the right.

    A column holds as many lines as the bar has rows; text beyond the bar's right edge is
    cut off, never drawn outside ``rect``.
    """
    pygame.draw.rect(surface, PANEL_BACKGROUND, rect)
    if not lines or rect.height <= 0:
        return
    font = get_font(HUD_SIZE)
    rows = max(1, (rect.height - 2 * HUD_PAD) // font.get_linesize())
    previous_clip = surface.get_clip()
    surface.set_clip(rect.clip(previous_clip))
    try:
        x = rect.x + HUD_PAD
        for start in range(0, len(lines), rows):
            if x >= rect.right:
                break
            column = [hud_text(line) for line in lines[start : start + rows]]
            width = 0
            for row, (text, color) in enumerate(column):
                image = font.render(text, True, color)
                surface.blit(image, (x, rect.y + HUD_PAD + row * font.get_linesize()))
                width = max(width, image.get_width())
            x += width + HUD_GAP
    finally:
        surface.set_clip(previous_clip)


def draw_text_lines(
    surface: pygame.Surface,
    lines: Sequence[str],
    topleft: tuple[int, int],
    *,
    size: int = 18,
    color: Color = TEXT,
    box_alpha: int = 160,
) -> pygame.Rect:
    """Draw ``lines`` top-down from ``topleft`` on a translucent dark box; return the box."""
    font = get_font(size)
    rendered = [font.render(str(line), True, color) for line in lines]
    if not rendered:
        return pygame.Rect(topleft, (0, 0))
    pad = 4
    width = max(r.get_width() for r in rendered) + 2 * pad
    height = sum(r.get_height() for r in rendered) + 2 * pad
    box = pygame.Surface((width, height), pygame.SRCALPHA)
    box.fill((0, 0, 0, box_alpha))
    surface.blit(box, topleft)
    y = topleft[1] + pad
    for text in rendered:
        surface.blit(text, (topleft[0] + pad, y))
        y += text.get_height()
    return pygame.Rect(topleft, (width, height))


def _draw_title(surface: pygame.Surface, rect: pygame.Rect, title: str) -> int:
    """Draw a panel's title at the top of ``rect``; return the height it used."""
    if not title:
        return 0
    text = get_font(TITLE_SIZE).render(title, True, TEXT)
    surface.blit(text, (rect.x + 4, rect.y + 2))
    return text.get_height() + 4


@dataclass
class BarChart:
    """Horizontal bars, one per value; ``highlight`` (an index) is drawn in the accent colour.

    Bars start at zero, so negative values (Q-values) extend left of a zero line. With
    ``value_range=(0, 1)`` (probabilities) the scale is fixed instead of fitted.
    """

    values: Sequence[float]
    labels: Sequence[str] | None = None
    highlight: int | None = None
    title: str = ""
    value_range: tuple[float, float] | None = None

    def preferred_height(self) -> int | None:
        """None: the chart shares the free height of the column."""
        return None

    def draw(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        """Paint the chart into ``rect``."""
        pygame.draw.rect(surface, PANEL_BACKGROUND, rect)
        top = rect.y + _draw_title(surface, rect, self.title)
        values = [float(v) for v in self.values]
        if not values:
            return
        labels = (
            list(self.labels) if self.labels is not None else [str(i) for i in range(len(values))]
        )
        font = get_font(LABEL_SIZE)
        label_width = max(font.size(str(label))[0] for label in labels) + 8
        value_width = max(font.size(format_value(v))[0] for v in values)
        lo, hi = self.value_range or (min(0.0, *values), max(0.0, *values))
        if hi - lo < 1e-12:
            hi = lo + 1.0
        plot_left = rect.x + 4 + label_width
        plot_width = max(10, rect.right - 8 - value_width - plot_left)
        row_height = max(8, min(28, (rect.bottom - top - 4) // len(values)))
        zero_x = plot_left + int(plot_width * (0.0 - lo) / (hi - lo))
        for index, (label, value) in enumerate(zip(labels, values, strict=False)):
            y = top + index * row_height
            chosen = index == self.highlight
            color = ACCENT if chosen else BAR
            end_x = plot_left + int(plot_width * (min(max(value, lo), hi) - lo) / (hi - lo))
            bar = pygame.Rect(
                min(zero_x, end_x), y + 2, max(1, abs(end_x - zero_x)), row_height - 4
            )
            pygame.draw.rect(surface, color, bar)
            text_color = ACCENT if chosen else TEXT
            surface.blit(font.render(str(label), True, text_color), (rect.x + 4, y + 3))
            surface.blit(
                font.render(format_value(value), True, text_color),
                (plot_left + plot_width + 4, y + 3),
            )
        pygame.draw.line(surface, MUTED, (zero_x, top), (zero_x, top + row_height * len(values)))


@dataclass
class Sparkline:
    """A line chart of recent values (oldest left), with the latest value printed."""

    values: Sequence[float]
    title: str = ""
    color: Color = LINE

    def preferred_height(self) -> int | None:
        """None: the sparkline shares the free height of the column."""
        return None

    def draw(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        """Paint the sparkline into ``rect``."""
        pygame.draw.rect(surface, PANEL_BACKGROUND, rect)
        finite = [float(v) for v in self.values if v is not None and math.isfinite(float(v))]
        latest = format_value(finite[-1]) if finite else "-"
        title = f"{self.title}: {latest}" if self.title else latest
        top = rect.y + _draw_title(surface, rect, title)
        area = pygame.Rect(rect.x + 4, top, rect.width - 8, rect.bottom - top - 4)
        if len(finite) < 2 or area.height < 4 or area.width < 4:
            return
        lo, hi = min(finite), max(finite)
        span = hi - lo if hi - lo > 1e-12 else 1.0
        count = len(finite)
        points = [
            (
                area.x + int(area.width * i / (count - 1)),
                area.bottom - 1 - int((area.height - 1) * (v - lo) / span),
            )
            for i, v in enumerate(finite)
        ]
        pygame.draw.lines(surface, self.color, False, points, 2)
        font = get_font(LABEL_SIZE - 2)
        surface.blit(font.render(format_value(hi), True, MUTED), (area.right - 60, area.y))


@dataclass
class TextPanel:
    """A titled list of text lines."""

    lines: Sequence[str] = field(default_factory=list)
    title: str = ""

    def preferred_height(self) -> int:
        """The height that fits the title and every line."""
        title = get_font(TITLE_SIZE).get_linesize() + 4 if self.title else 0
        return title + get_font(LABEL_SIZE).get_linesize() * len(self.lines) + 6

    def draw(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        """Paint the lines into ``rect``."""
        pygame.draw.rect(surface, PANEL_BACKGROUND, rect)
        previous_clip = surface.get_clip()
        surface.set_clip(rect.clip(previous_clip))  # long lines are cut at the panel's edge
        try:
            y = rect.y + _draw_title(surface, rect, self.title)
            font = get_font(LABEL_SIZE)
            for line in self.lines:
                if y + font.get_linesize() > rect.bottom:
                    break
                surface.blit(font.render(str(line), True, TEXT), (rect.x + 4, y))
                y += font.get_linesize()
        finally:
            surface.set_clip(previous_clip)
