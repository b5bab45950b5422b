"""The HTML report as a PDF, through Qt's own printing support (QTextDocument + QPdfWriter).

Qt's rich-text engine draws tables and text but not inline SVG, so each plot is rendered to an
image with QtSvg first and handed to the document as a resource. Runs offscreen; also the
``main.py report-pdf HTML PDF`` entry point the ``report --pdf`` command starts.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
_WIDTH = re.compile(r'width="(\d+)"')
_HEIGHT = re.compile(r'height="(\d+)"')
PLOT_SCALE = 2  # rasterize at twice the size so the PDF stays sharp when zoomed


def html_to_pdf(html_text: str, pdf_path: str | Path) -> Path:
    from PySide6.QtCore import QByteArray, QMarginsF, QSizeF, QUrl
    from PySide6.QtGui import (QGuiApplication, QImage, QPageLayout, QPageSize, QPainter,
                               QPdfWriter, QTextDocument)
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (kept alive)
    document = QTextDocument()
    images: list[tuple[str, QImage]] = []

    def rasterize(match: re.Match) -> str:
        svg = match.group(0)
        width = int(_WIDTH.search(svg).group(1)) if _WIDTH.search(svg) else 360
        height = int(_HEIGHT.search(svg).group(1)) if _HEIGHT.search(svg) else 150
        image = QImage(width * PLOT_SCALE, height * PLOT_SCALE, QImage.Format.Format_ARGB32)
        image.fill(0xFFFFFFFF)
        painter = QPainter(image)
        QSvgRenderer(QByteArray(svg.encode("utf-8"))).render(painter)
        painter.end()
        name = f"plot{len(images)}.png"
        images.append((name, image))
        return f'<p><img src="{name}" width="{width}" height="{height}"></p>'

    body = _SVG.sub(rasterize, html_text)
    for name, image in images:
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    document.setHtml(body)
    out = Path(pdf_path)
    tmp = out.with_name(f".{out.name}.partial")
    writer = QPdfWriter(str(tmp))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait, QMarginsF(12, 12, 12, 12),
                                     QPageLayout.Unit.Millimeter))
    writer.setResolution(96)
    writer.setTitle(document.metaInformation(QTextDocument.MetaInformation.DocumentTitle))
    layout = writer.pageLayout().paintRectPixels(writer.resolution())
    document.setPageSize(QSizeF(layout.width(), layout.height()))
    document.print_(writer)  # paginates: a feature card is never cut by the page size above
    del writer  # the file is complete only once the writer is gone
    os.replace(tmp, out)
    return out


def run_report_pdf(argv: list[str]) -> int:
    """``main.py report-pdf REPORT.html OUT.pdf``."""
    if len(argv) != 2:
        print("usage: main.py report-pdf REPORT.html OUT.pdf", file=sys.stderr)
        return 2
    source, target = map(Path, argv)
    try:
        text = source.read_text(encoding="utf-8")
        html_to_pdf(text, target)
    except OSError as error:
        print(f"main.py report-pdf: {error.filename}: {error.strerror}.", file=sys.stderr)
        return 2
    print(f"PDF written to {target}")
    return 0
