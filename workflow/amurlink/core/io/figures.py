"""Matplotlib figures saved as PNG and PDF, atomically and with fixed metadata.

Matplotlib stamps PDFs with their creation time; it is removed here, so the same
figure gives the same bytes (maps and the brief are reproducible with a fixed
``outputs.date``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from amurlink.core.io import atomic_path


def save_figure(
    fig,
    png_path: str | os.PathLike | None,
    pdf_path: str | os.PathLike | None = None,
    *,
    dpi: float,
) -> None:
    """Save ``fig`` as a PNG at ``dpi`` and as a PDF (either path may be None), atomically."""
    if png_path is not None:
        with atomic_path(png_path) as tmp:
            fig.savefig(tmp, dpi=dpi, format="png", metadata={"Software": "amurlink (matplotlib)"})
    if pdf_path is not None:
        with atomic_path(pdf_path) as tmp:
            fig.savefig(tmp, format="pdf",
                        metadata={"Creator": "amurlink (matplotlib)", "CreationDate": None})  # fmt: skip


def save_pdf_pages(pages: Iterable, pdf_path: str | os.PathLike, creator: str = "amurlink") -> None:
    """Save figures as the pages of one PDF, atomically, without a creation time."""
    from matplotlib.backends.backend_pdf import PdfPages

    with atomic_path(pdf_path) as tmp:
        with PdfPages(tmp, metadata={"Creator": creator, "CreationDate": None}) as pdf:
            for page in pages:
                pdf.savefig(page)
