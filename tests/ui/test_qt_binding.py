"""The Qt binding must not leak references to None.

PySide6 6.12.0 on Python 3.11 decrements None's reference count on every call of a method
returning void (``QGraphicsItem.update``, ``QPen.setWidthF``...); after some tens of thousands
of redraws the interpreter aborts with "deallocating None". The project pins a working
version; this test catches a binding with the bug.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor, QPen


def test_void_calls_keep_none_alive() -> None:
    pen = QPen(QColor(10, 20, 30))
    before = sys.getrefcount(None)
    for _ in range(2000):
        pen.setWidthF(1.5)
    assert sys.getrefcount(None) - before > -100
