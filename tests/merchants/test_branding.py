"""Colours made from any brand colour read as text (WCAG AA), checked over the whole colour space."""

from hypothesis import given
from hypothesis import strategies as st

from merchants.branding import WHITE, brand_palette, contrast_ratio

colours = st.integers(min_value=0, max_value=0xFFFFFF).map(lambda n: f"#{n:06x}")


def test_contrast_ratio_of_known_pairs():
    assert round(contrast_ratio("#000000", "#ffffff"), 2) == 21.0
    assert round(contrast_ratio("#9a4a2a", "#9a4a2a"), 2) == 1.0
    assert round(contrast_ratio("#767676", "#ffffff"), 2) == 4.54  # the lightest grey that passes on white


@given(colours)
def test_button_text_and_links_read_whatever_the_brand_colour(colour):
    palette = brand_palette(colour)
    assert palette.accent == colour
    assert contrast_ratio(palette.on_accent, palette.accent) >= 4.5
    assert contrast_ratio(palette.accent_text, WHITE) >= 4.5


def test_a_dark_brand_colour_is_kept_for_links_and_a_light_one_darkened():
    assert brand_palette("#9a4a2a").accent_text == "#9a4a2a"
    assert brand_palette("#9a4a2a").on_accent == "#ffffff"
    yellow = brand_palette("#f5c518")
    assert yellow.on_accent == "#000000"
    assert yellow.accent_text != "#f5c518"


def test_a_malformed_colour_falls_back_to_the_default():
    assert brand_palette("red").accent == "#1f6feb"
