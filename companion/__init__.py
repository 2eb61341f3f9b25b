"""The AnkiConnect companion: retention for KR5, speed-draw tests, weekly re-tagging, push.

Layers, imports pointing inward: ``companion.core`` is pure (no I/O, no requests, click or
sqlite); ``client`` (AnkiConnect over HTTP), ``store`` (the SQLite review cache) and
``chart`` (matplotlib) are adapters; ``sync``, ``report``, ``retag``, ``speeddraw`` and
``push`` wire them together; ``cli`` parses options and renders.
"""
