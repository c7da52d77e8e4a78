"""QR codes of feed addresses, drawn here rather than by a web service.

A phone's camera then subscribes without anyone typing a long address, and no
third party learns which feed a visitor looked at.
"""

from __future__ import annotations

import hashlib
import io

# Level M survives a smudged or glossy screen; higher levels make a long address's
# code denser, and so harder to read from a small screen.
ERROR_LEVEL = "m"
# Four modules of blank margin: what the standard asks for readers to find the code.
QUIET_ZONE = 4


def qr_svg(text: str) -> bytes:
    """An SVG that scales to any size (a viewBox and no width), black on white."""
    import segno  # here: only QR requests need it, and it holds 1 MB in every worker

    out = io.BytesIO()
    code = segno.make_qr(text, error=ERROR_LEVEL, boost_error=False)
    code.save(
        out,
        kind="svg",
        border=QUIET_ZONE,
        xmldecl=False,
        omitsize=True,
        dark="#000",
        light="#fff",
    )
    return out.getvalue()


def qr_etag(text: str) -> str:
    """Stable while the text and the drawing library stay the same."""
    import segno

    return hashlib.sha256(f"{segno.__version__}|{text}".encode()).hexdigest()[:32]
