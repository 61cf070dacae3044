"""Weekly scores as a line of a server-drawn SVG: coordinates computed here, drawn by the template.

A week without answers has no point, and the line breaks there rather than drawing through a value
that does not exist.
"""

from dataclasses import dataclass

WIDTH, HEIGHT = 600, 180
LEFT = 60  # room for the scale's labels
TOP = BOTTOM = 12


@dataclass(frozen=True)
class Point:
    x: str
    y: str
    title: str


@dataclass(frozen=True)
class Tick:
    y: str
    label: str


@dataclass(frozen=True)
class LineChart:
    points: list[Point]
    lines: list[str]  # each a polyline's "x,y x,y" of weeks in a row with a value
    ticks: list[Tick]
    first: str  # the first week's label, under the chart's left edge
    last: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT  # where the plot starts, right of the scale's labels
    label_x: int = LEFT - 6


def _y(value: float, low: int, high: int) -> float:
    return TOP + (high - value) / (high - low) * (HEIGHT - TOP - BOTTOM)


def line_chart(
    values: list[int | None], titles: list[str], *, low: int, high: int, ticks: dict[int, str], axis: tuple[str, str]
) -> LineChart:
    """One point per value that is not None, evenly spaced; `ticks` maps values of the scale to labels,
    `axis` names the first and last weeks."""
    step = (WIDTH - LEFT) / max(len(values), 1)
    points, lines, run = [], [], []
    for index, (value, title) in enumerate(zip(values, titles, strict=True)):
        if value is None:
            lines, run = _closed(lines, run), []
            continue
        point = Point(f"{LEFT + (index + 0.5) * step:.1f}", f"{_y(value, low, high):.1f}", title)
        points.append(point)
        run.append(f"{point.x},{point.y}")
    lines = _closed(lines, run)
    scale = [Tick(f"{_y(value, low, high):.1f}", label) for value, label in ticks.items()]
    return LineChart(points, lines, scale, *axis)


def _closed(lines: list[str], run: list[str]) -> list[str]:
    return [*lines, " ".join(run)] if len(run) > 1 else lines
