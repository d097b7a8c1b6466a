"""PDF output of the GP report with WeasyPrint (the same HTML as the print page).

The stylesheet is the renderer's own (``render/styles/report.css``) and the document may not
fetch anything else (only ``data:`` URLs), so making a PDF needs no running server and no network.
"""

from __future__ import annotations

from pathlib import Path

STYLESHEET = Path(__file__).resolve().parent / "styles" / "report.css"


def html_to_pdf(html: str) -> bytes:
    """The PDF bytes of an HTML document, styled with the report stylesheet."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",))
    document = HTML(string=html, url_fetcher=fetcher)
    pdf = document.write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])
    return bytes(pdf) if pdf is not None else b""
