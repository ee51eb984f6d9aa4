import segno


def qr_svg(data: str) -> str:
    """An inline SVG QR code, drawn here: the secret never leaves the server for a QR service."""
    return segno.make(data, error="m").svg_inline(scale=5, dark="#1d1d1b", light="#ffffff")
