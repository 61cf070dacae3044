"""Colours made from a shop's brand colour that stay readable whatever colour the shop picks.

A shop chooses any colour; text drawn on it or in it must still meet WCAG AA (contrast of
4.5:1 for body text). Buttons keep the brand colour as background and take white or black
text, whichever reads; links keep the brand's hue, darkened until they read on white.
"""

import functools
import re
from dataclasses import dataclass

DEFAULT_BRAND_COLOR = "#1f6feb"
WHITE = "#ffffff"
BLACK = "#000000"
AA_TEXT_CONTRAST = 4.5


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour: 0 for black, 1 for white."""
    r, g, b = (_linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio, from 1 (same luminance) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(background: str) -> str:
    """White text where it reads on `background`, else black (one of the two always reaches 4.58:1)."""
    return WHITE if contrast_ratio(WHITE, background) >= AA_TEXT_CONTRAST else BLACK


def readable_on_white(colour: str) -> str:
    """`colour`, mixed with black in 5% steps until it reads as text on white."""
    red, green, blue = _rgb(colour)
    for step in range(21):
        keep = 1 - step / 20
        mixed = f"#{round(red * keep):02x}{round(green * keep):02x}{round(blue * keep):02x}"
        if contrast_ratio(mixed, WHITE) >= AA_TEXT_CONTRAST:
            return mixed
    return BLACK


@dataclass(frozen=True)
class BrandPalette:
    accent: str  # the brand colour itself: borders, button backgrounds
    on_accent: str  # text on an accent background
    accent_text: str  # links and accented text on white


@functools.lru_cache(maxsize=256)
def brand_palette(primary_color: str) -> BrandPalette:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", primary_color or ""):  # the form refuses these; never fail a send
        primary_color = DEFAULT_BRAND_COLOR
    return BrandPalette(
        accent=primary_color, on_accent=text_on(primary_color), accent_text=readable_on_white(primary_color)
    )
