"""HTML → PDF through WeasyPrint, imported only when a PDF is made.

Why lazily: importing WeasyPrint (Pango through cffi, its stylesheets) takes ~0.9 s, and the printing modules are
imported by every process that loads the URLconf or the job worker's task modules — each management command, each
gunicorn worker — most of which never print anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    import weasyprint


def html_to_pdf(html: str) -> bytes:
    """The PDF of a page of HTML; static files and fonts are looked up from the project directory."""
    return render(html).write_pdf()


def render(html: str) -> weasyprint.Document:
    """The laid-out document (pages can be written to several files, or counted), without writing it."""
    import weasyprint

    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).render()
