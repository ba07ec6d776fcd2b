"""Chinese fonts for charts, registered explicitly from known paths (never from matplotlib's font cache).

Matplotlib ships no CJK font and only sees system fonts installed before its cache was built, so
:func:`register_cjk_fonts` calls ``fontManager.addfont`` on the files the project's install puts in
place (Debian ``fonts-noto-cjk`` and ``fonts-wqy-microhei``; ``make fonts``) plus an optional file named by
``TEXTKIT_CJK_FONT``. Noto Sans CJK SC (regular and bold) is the house face; it has CFF outlines,
which PDF can only embed as Type 3 (Type 42 would leave the hanzi blank). WenQuanYi Micro Hei (TrueType,
no bold) is the fallback, and a TrueType primary face (WenQuanYi, or a ``TEXTKIT_CJK_FONT``) gives
Type 42 PDFs. Either way the Chinese text stays extractable (matplotlib >= 3.11).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from matplotlib import font_manager

ENV_VAR = "TEXTKIT_CJK_FONT"
NOTO_FAMILY = "Noto Sans CJK SC"
WQY_FAMILY = "WenQuanYi Micro Hei"
LATIN_FALLBACK = "DejaVu Sans"

# family -> files that provide it (regular and bold), in the order they are tried
KNOWN_FONT_FILES: dict[str, tuple[str, ...]] = {
    NOTO_FAMILY: (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    ),
    WQY_FAMILY: ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",),
}


class FontError(RuntimeError):
    """No usable Chinese font: charts refuse to render boxes instead of hanzi."""


@dataclass(frozen=True)
class CJKFonts:
    """The Chinese families available to charts.

    ``families`` is the ``font.family`` chain for PNG/SVG (CJK face first so Chinese titles use one
    typeface, DejaVu Sans last for any symbol the CJK face lacks); ``pdf_families`` and
    ``pdf_fonttype`` are the chain and font Type (3 for CFF faces such as Noto, 42 for TrueType) for PDF.
    """

    families: tuple[str, ...]
    pdf_families: tuple[str, ...]
    pdf_fonttype: int
    files: tuple[str, ...]


def _is_cff(path: str) -> bool:
    """True when the font file (or the first face of a collection) has PostScript (CFF) outlines."""
    with open(path, "rb") as fh:
        head = fh.read(12)
    if head[:4] == b"OTTO":
        return True
    if head[:4] == b"ttcf":
        from fontTools.ttLib import TTCollection

        with TTCollection(path, lazy=True) as collection:
            return "CFF " in collection.fonts[0] or "CFF2" in collection.fonts[0]
    return False


def _families_in(path: str) -> list[str]:
    before = {id(entry) for entry in font_manager.fontManager.ttflist}
    font_manager.fontManager.addfont(path)
    added = [e for e in font_manager.fontManager.ttflist if id(e) not in before]
    return list(dict.fromkeys(e.name for e in added))


@cache
def register_cjk_fonts() -> CJKFonts:
    """Register the CJK fonts with matplotlib (once per process) and return the family chains.

    ``TEXTKIT_CJK_FONT`` may name a font file (``.ttf``, ``.otf`` or ``.ttc``) to use before the
    defaults. Raises :class:`FontError` naming the paths tried when no CJK font exists.
    """
    registered: dict[str, str] = {}  # family -> first file providing it
    tried: list[str] = []
    override = os.environ.get(ENV_VAR)
    override_family = None
    if override:
        if not Path(override).is_file():
            raise FontError(f"{ENV_VAR}={override}: font file not found")
        families = _families_in(override)
        if not families:
            raise FontError(f"{ENV_VAR}={override}: matplotlib found no font face in this file")
        # a collection lists several faces (JP, KR, SC, ...): prefer the Simplified Chinese one
        override_family = next((f for f in families if f.endswith(" SC")), families[0])
        registered[override_family] = override
    for family, paths in KNOWN_FONT_FILES.items():
        for path in paths:
            tried.append(path)
            if Path(path).is_file() and family in _families_in(path):
                registered.setdefault(family, path)
    if not registered:
        raise FontError(
            "no Chinese font found for charts; tried " + ", ".join(tried) + ". Install the Debian packages "
            "fonts-noto-cjk and fonts-wqy-microhei (`make fonts`) or set "
            f"{ENV_VAR}=/path/to/a/CJK/font.ttc"
        )
    order = [f for f in (override_family, NOTO_FAMILY, WQY_FAMILY) if f in registered]
    # one CJK face (the first available) then DejaVu Sans for symbols it lacks; WenQuanYi has no bold,
    # so it is not chained behind Noto (bold headlines would log a fallback on every draw)
    families = (order[0], LATIN_FALLBACK)
    # the PDF uses the same faces as PNG/SVG (Noto has a bold for headlines, WenQuanYi has none).
    # CFF outlines cannot go into Type 42 (matplotlib#2869: blank glyphs), so a CFF primary face
    # means Type 3, which renders and keeps the text extractable; a TrueType one means Type 42.
    pdf_fonttype = 3 if _is_cff(registered[order[0]]) else 42
    return CJKFonts(families, families, pdf_fonttype, tuple(registered[f] for f in order))
