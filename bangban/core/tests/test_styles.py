"""The stylesheet honours the reader's browser font size and keeps text at 14 px or more."""

import re
from pathlib import Path

CSS = (Path(__file__).resolve().parents[1] / "static" / "bangban" / "app.css").read_text(encoding="utf-8")


def test_root_font_size_follows_the_browser_setting():
    # A px size on html/:root would override the reader's setting; every size is relative instead.
    assert re.search(r"(^|\n)html\s*\{[^}]*font-size:\s*100%", CSS)
    assert not re.search(r"font-size:\s*[\d.]+px", CSS)


def test_no_text_below_14px_at_the_default_size():
    for size in re.findall(r"font-size:\s*([\d.]+)rem", CSS):
        assert float(size) * 16 >= 14, f"{size}rem is below 14 px"


def test_amber_text_meets_contrast_on_its_tint():
    def luminance(hex_colour):
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    amber = re.search(r"--amber:\s*(#[0-9a-f]{6})", CSS).group(1)
    light, dark = luminance("#fff4d6"), luminance(amber)
    assert (light + 0.05) / (dark + 0.05) >= 4.5
