"""The AnkiConnect companion: retention for KR5, speed-draw tests, weekly re-tagging, push.

Layers, imports pointing inward: ``companion.core`` is pure (no I/O, no requests, click or
sqlite). Adapters: ``client`` and ``transport`` (AnkiConnect over HTTP), ``home`` (the folder's
layout), ``cache`` (the SQLite review cache, rebuildable), ``records`` (the learner's records,
never deleted), ``migrate`` (from the first layout), ``store`` (a deck's cache and records
together), ``config`` (settings) and ``chart`` (matplotlib). ``sync``, ``report``, ``retag``,
``speeddraw`` and ``push`` wire them together; ``cli`` (one module per command) parses
options into settings and renders. The weekly report: ``report_sync`` (the sync plus each
diagram note's page), ``report_weekly`` (the report), ``report_render`` (text, Markdown,
JSON), ``report_charts`` (its PNGs) and ``report_files`` (``--out``); ``records_measures``
keeps what ``record`` logs with the learner's records.
"""
