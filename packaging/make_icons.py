"""Renders resources/icons/app.svg into the icon files Windows (.ico) and macOS (.icns) need.

Run once after the SVG changes (``python packaging/make_icons.py``); the outputs are checked
in because the Windows and macOS builds read them from packaging/.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "app.svg"
OUTPUTS = {  # file -> edge in pixels; Qt's ICO and ICNS writers take one large image
    ROOT / "packaging" / "windows" / "app.ico": 256,
    ROOT / "packaging" / "macos" / "app.icns": 1024,
}


def render(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 (image plugins need an application)
    for path, size in OUTPUTS.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not render(size).save(str(path)):
            print(f"could not write {path}", file=sys.stderr)
            return 1
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
