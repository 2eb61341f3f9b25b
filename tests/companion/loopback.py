"""Real HTTP servers on loopback, for what the real AnkiConnect server never does: stall,
trickle bytes, answer with wrongly typed results, fail one action, or play a proxy.

A server runs in a thread of the test process; ``handle(request, sock)`` writes the whole reply
on the raw socket (so a reply can be cut, slowed or never sent). Handlers that stall wait on
``server.released``, set when the server stops, so that no thread outlives the test.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import requests


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # the path, or the absolute URL when the server is used as a proxy
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def actions(self) -> list[str]:
        """The AnkiConnect actions in the request (those inside a ``multi``)."""
        try:
            body = self.json()
        except ValueError:
            return []
        if body.get("action") == "multi":
            return [a["action"] for a in body["params"]["actions"]]
        return [body.get("action")]


Handler = Callable[[Request, socket.socket, "Server"], None]


class Server:
    def __init__(self, handle: Handler) -> None:
        self.requests: list[Request] = []
        self.released = threading.Event()
        self.seen = threading.Condition()
        outer = self

        class _Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                request = _read_request(self.request)
                if request is None:
                    return
                with outer.seen:
                    outer.requests.append(request)
                    outer.seen.notify_all()
                try:
                    handle(request, self.request, outer)
                except OSError:
                    pass  # the client went away (a kill, a deadline): nothing to answer

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._tcp.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._tcp.server_address[1]}"
        self._thread = threading.Thread(target=self._tcp.serve_forever, daemon=True)

    def wait_for(self, predicate: Callable[[Request], bool], timeout: float = 30) -> Request:
        """Block until a request matching ``predicate`` arrived; return it."""
        with self.seen:
            found = self.seen.wait_for(lambda: next((r for r in self.requests if predicate(r)), None), timeout)
        assert found, f"no such request within {timeout} s; got {[r.actions for r in self.requests]}"
        return found


@contextmanager
def loopback_server(handle: Handler) -> Iterator[Server]:
    server = Server(handle)
    server._thread.start()
    try:
        yield server
    finally:
        server.released.set()
        server._tcp.shutdown()
        server._tcp.server_close()


def _read_request(sock: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
    length = int(headers.get("content-length", 0))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Request(method, target, headers, body)


def http_reply(body: bytes, status: str = "200 OK", content_type: str = "application/json") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n").encode("latin-1") + body


def reply_json(sock: socket.socket, data: Any) -> None:
    sock.sendall(http_reply(json.dumps(data).encode("utf-8")))


def forward(request: Request, upstream: str) -> bytes:
    """The upstream server's whole reply to the same request, as bytes to send back."""
    response = requests.post(upstream, data=request.body, headers={"Content-Type": "application/json"}, timeout=60)
    return http_reply(response.content, f"{response.status_code} {response.reason}",
                      response.headers.get("Content-Type", "application/json"))


def trickle(sock: socket.socket, data: bytes, server: Server, seconds_per_byte: float = 1.0) -> None:
    """Send ``data`` one byte at a time; stop when the client is gone or the server stops."""
    for i in range(len(data)):
        sock.sendall(data[i:i + 1])
        if server.released.wait(seconds_per_byte):
            return


def envelope(results: list[Any]) -> dict[str, Any]:
    """A ``multi`` reply with these results."""
    return {"result": [{"result": r, "error": None} for r in results], "error": None}


def elapsed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.monotonic()
    result = func()
    return time.monotonic() - start, result
