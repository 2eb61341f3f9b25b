"""The HTTP plumbing under the AnkiConnect client: a deadline per request, no proxy for loopback.

``requests`` applies its timeout to each socket read, so a server sending one byte a second
can hold a request for ever. :class:`Deadline` bounds the whole request, body included: the
connections it makes register their sockets with the deadline running in their thread, and
when it passes they are shut down, which ends any read at once.

Loopback AnkiConnect never goes through a proxy (``HTTP_PROXY`` would otherwise receive the
requests, API key included): a session for a loopback URL ignores the environment's proxy
settings (and ``.netrc``). Other hosts keep the usual ``HTTP_PROXY``/``NO_PROXY`` handling.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_running = threading.local()  # the Deadline of the request under way in this thread, if any


class Deadline:
    """``with Deadline(seconds) as d: session.post(...)``; then ``d.passed`` says whether it cut the request."""

    def __init__(self, seconds: float) -> None:
        self.passed = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _running.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _running.deadline = None
        with self._lock:
            self._sockets.clear()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self.passed:
                _shut(sock)
            else:
                self._sockets.append(sock)

    def _expire(self) -> None:
        with self._lock:
            self.passed = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _watch(sock: Any) -> None:
    deadline = getattr(_running, "deadline", None)
    if deadline is not None and sock is not None:
        deadline.watch(sock)


class _Watched:
    """Registers the connection's socket with the running deadline: new and reused connections."""

    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _watch(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTP(_Watched, HTTPConnection):
    pass


class _WatchedHTTPS(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTP


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPS


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """An adapter whose connections (direct or through an HTTP proxy) honour :class:`Deadline`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if proxy.lower().startswith(("http://", "https://")):
            manager.pool_classes_by_scheme = _POOLS
        return manager


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def prepare_session(session: requests.Session, url: str) -> requests.Session:
    """Fit a session for ``url``: deadline-aware connections; no environment proxies for loopback."""
    adapter = DeadlineAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if is_loopback(url):
        session.trust_env = False
    return session


def proxy_for(session: requests.Session, url: str) -> str | None:
    """The proxy a request to ``url`` goes through, if any (from the session or the environment)."""
    proxies = dict(session.proxies)
    if session.trust_env:
        for scheme, proxy in requests.utils.get_environ_proxies(url).items():
            proxies.setdefault(scheme, proxy)
    return requests.utils.select_proxy(url, proxies)
