"""A diagram build makes no DNS lookup and no request leaves the machine: Chromium's own
background traffic (component updates, the account check) included, read from its net log."""

from __future__ import annotations

import json
from pathlib import Path

from tests.diagrams.conftest import CHROMIUM, MERMAID_JS, _require_browser

LOOKUPS = {"HOST_RESOLVER_DNS_TASK", "HOST_RESOLVER_SYSTEM_TASK", "DNS_TRANSACTION", "DNS_TRANSACTION_QUERY"}


def test_rendering_makes_no_dns_lookup(tmp_path: Path) -> None:
    from deckbuilder.diagrams.cache import block_key, open_render_cache
    from deckbuilder.diagrams.renderer import BlockJob, PageJob, Renderer

    _require_browser()
    log = tmp_path / "netlog.json"
    cache = open_render_cache(tmp_path / "cache", {"test": "offline"})
    renderer = Renderer(cache, mermaid_js=MERMAID_JS, chromium=CHROMIUM, workers=1, extra_args=[f"--log-net-log={log}"])
    source = "flowchart LR\n  a[Client] --> b[Server]\n"
    key = block_key(source)
    renderer.run([PageJob(page="p", blocks=(BlockJob(key, source, None),), selection="main")])
    assert renderer.capture_failures == {} and set(renderer.images) == {key}
    assert cache.record(key).ok
    cache.close()
    data = json.loads(log.read_text())
    names = {number: name for name, number in data["constants"]["logEventTypes"].items()}
    seen = {names.get(event["type"], "") for event in data["events"]}
    assert seen & LOOKUPS == set(), "Chromium looked a host name up"
    # Its requests for Google's hosts end at the resolver rule: nothing is connected or sent.
    # (Chromium's IPv6 reachability probe connects a UDP socket without sending a byte.)
    assert seen & {"TCP_CONNECT", "SOCKET_BYTES_SENT", "UDP_BYTES_SENT", "SSL_CONNECT"} == set()
