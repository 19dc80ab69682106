"""QR codes drawn on the server as inline SVG (segno, pure Python): no script, no internet."""

from __future__ import annotations

import segno
from markupsafe import Markup

# Four modules of white around the code, as the standard asks, so that a phone finds it
# even on a busy page.
QUIET_ZONE = 4


def qr_svg(text: str, scale: int = 6) -> Markup:
    """`text` as a full QR code (never a Micro QR, which few phone cameras read). The SVG
    holds only paths, no text, so it is safe to put in the page as it is."""
    code = segno.make_qr(text, error="m")
    return Markup(code.svg_inline(scale=scale, border=QUIET_ZONE))
