"""AnkiConnect over HTTP (API version 6): the only module that talks to Anki.

Every request is ``{"action", "version": 6, "params", "key"}``; ``multi`` batches several
actions into one request, each sub-action carrying its own ``version`` and ``key`` (AnkiConnect
checks the key per action). ``timeout`` is a deadline for a whole request, retries included:
reads are retried when the connection fails or times out while time is left; writes never are
(a write that timed out may have happened). Loopback requests never go through a proxy
(:mod:`companion.transport`). Every result of an action the companion reads is checked against
the shape AnkiConnect gives it. Errors become the companion's exceptions with messages that say
what to do.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import requests

from companion.errors import (
    AnkiActionError,
    AnkiKeyRejected,
    AnkiProtocolError,
    AnkiTimeout,
    AnkiUnavailable,
)
from companion.transport import Deadline, prepare_session, proxy_for

DEFAULT_URL = "http://127.0.0.1:8765"
DEFAULT_TIMEOUT = 30.0
API_VERSION = 6
MULTI_BATCH = 2500  # sub-actions per HTTP request
KEY_ERROR = "valid api key must be provided"  # AnkiConnect's wording


@dataclass(frozen=True)
class Call:
    """One AnkiConnect action with its parameters."""

    action: str
    params: Mapping[str, Any] = field(default_factory=dict)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


REVIEW_KEYS = ("id", "ease", "ivl", "lastIvl", "factor", "time", "type")


@dataclass(frozen=True)
class Shape:
    """What the result of an action must be, said the way a message says it."""

    expected: str
    item: Callable[[Any], bool]  # each element of the list (or each value of the object)
    container: type = list


# The results of the actions the companion reads. A result of another shape means something
# other than AnkiConnect answers at the URL (or an AnkiConnect too old or too new).
SHAPES: dict[str, Shape] = {
    "deckNames": Shape("a list of names", _is_str),
    "getTags": Shape("a list of tags", _is_str),
    "findCards": Shape("a list of card ids", _is_int),
    "findNotes": Shape("a list of note ids", _is_int),
    "cardsToNotes": Shape("a list of note ids", _is_int),
    "getDecks": Shape("an object of deck names to card ids", lambda v: isinstance(v, list) and all(map(_is_int, v)),
                      dict),
    "cardReviews": Shape("a list of review rows of 9 numbers",
                         lambda r: isinstance(r, list) and len(r) == 9 and all(map(_is_int, r))),
    "getReviewsOfCards": Shape("an object of card ids to review lists", lambda rows: isinstance(rows, list) and all(
        isinstance(r, dict) and all(_is_int(r.get(k)) for k in REVIEW_KEYS) for r in rows), dict),
    "notesInfo": Shape("a list of notes", lambda v: isinstance(v, dict)),
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    return "a list"


_FITS = object()


def _mismatch(value: Any, shape: Shape) -> str | None:
    """How ``value`` differs from ``shape`` ("a number", "a list holding 'x'"), or None when it fits."""
    if not isinstance(value, shape.container):
        return _kind(value)
    items = value.values() if isinstance(value, dict) else value
    bad = next((item for item in items if not shape.item(item)), _FITS)
    return None if bad is _FITS else f"{_kind(value)} holding {_describe(bad)}"


class AnkiConnect:
    """A client for one AnkiConnect endpoint. ``requests_made`` counts HTTP requests sent.

    ``session`` (default: a new one) is fitted for the URL: see :func:`companion.transport.prepare_session`.
    """

    def __init__(self, url: str = DEFAULT_URL, key: str | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                 retries: int = 2, backoff: float = 0.5, session: requests.Session | None = None,
                 sleep: Callable[[float], None] | None = None, clock: Callable[[], float] | None = None) -> None:
        self.url = url
        self.key = key
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._session = prepare_session(session or requests.Session(), url)
        self._sleep = sleep or (lambda seconds: time.sleep(seconds))  # looked up when called: tests patch it
        self._clock = clock or (lambda: time.monotonic())
        self.requests_made = 0

    # -- the protocol ---------------------------------------------------------------------

    def call(self, action: str, params: Mapping[str, Any] | None = None, *, write: bool = False) -> Any:
        """Run one action and return its result."""
        reply = self._post(self._envelope(Call(action, params or {})), action, write=write)
        return self._result(reply, action)

    def multi(self, calls: Sequence[Call], *, write: bool = False, batch: int = MULTI_BATCH) -> list[Any]:
        """Run actions in as few requests as ``batch`` allows; results in the order of ``calls``."""
        results: list[Any] = []
        for start in range(0, len(calls), batch):
            chunk = calls[start:start + batch]
            label = f"multi ({', '.join(sorted({c.action for c in chunk}))})"
            reply = self._post(self._envelope(Call("multi", {"actions": [self._envelope(c) for c in chunk]})),
                               label, write=write)
            replies = self._result(reply, label)
            if not isinstance(replies, list) or len(replies) != len(chunk):
                raise AnkiProtocolError(
                    f"AnkiConnect at {self.url} answered {label} with {_describe(replies)} instead of "
                    f"{len(chunk)} results: update the AnkiConnect add-on")
            results.extend(self._result(r, c.action) for r, c in zip(replies, chunk))
        return results

    # -- actions the companion uses --------------------------------------------------------

    def version(self) -> int:
        return int(self.call("version"))

    def deck_names(self) -> list[str]:
        return list(self.call("deckNames"))

    def find_cards(self, query: str) -> list[int]:
        return [int(c) for c in self.call("findCards", {"query": query})]

    def find_notes(self, query: str) -> list[int]:
        return [int(n) for n in self.call("findNotes", {"query": query})]

    def notes_info(self, notes: Sequence[int]) -> list[dict[str, Any]]:
        return list(self.call("notesInfo", {"notes": list(notes)}))

    def import_package(self, path: str) -> Any:
        return self.call("importPackage", {"path": path}, write=True)

    # -- plumbing -------------------------------------------------------------------------

    def _envelope(self, call: Call) -> dict[str, Any]:
        body: dict[str, Any] = {"action": call.action, "version": API_VERSION, "params": dict(call.params)}
        if self.key is not None:
            body["key"] = self.key
        return body

    def _post(self, body: dict[str, Any], label: str, *, write: bool) -> Any:
        """Send ``body``; reads are tried again after a failure while the deadline leaves time."""
        deadline = self._clock() + self.timeout
        attempts = 1 if write else 1 + self.retries
        for attempt in range(attempts):
            try:
                return self._post_once(body, label, deadline - self._clock())
            except (AnkiUnavailable, AnkiTimeout):
                left = deadline - self._clock()
                if attempt == attempts - 1 or left <= 0:
                    raise
                self._sleep(min(self.backoff * 2 ** attempt, left))
                if deadline - self._clock() <= 0:
                    raise
        raise AssertionError("unreachable")

    def _post_once(self, body: dict[str, Any], label: str, seconds: float) -> Any:
        self.requests_made += 1
        with Deadline(seconds) as deadline:
            try:
                response = self._session.post(self.url, json=body, timeout=(seconds, seconds))
            except requests.RequestException as e:
                raise self._transport_error(e, label, deadline.passed) from e
        try:
            reply = response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "no content type")
            raise AnkiProtocolError(
                f"{self.url} answered {label} with HTTP {response.status_code} ({kind}), not like "
                f"AnkiConnect: check --url{self._via_proxy()}") from None
        if response.status_code != 200:
            error = reply.get("error") if isinstance(reply, dict) else None
            raise AnkiActionError(
                f"AnkiConnect failed on {label} with HTTP {response.status_code}: "
                f"{error or _describe(reply)}", action=label, error=str(error or ""))
        return reply

    def _transport_error(self, e: requests.RequestException, label: str, deadline_passed: bool) -> Exception:
        if deadline_passed or isinstance(e, requests.Timeout):
            return AnkiTimeout(
                f"AnkiConnect at {self.url} did not answer {label} within {self.timeout:g} s: Anki may be "
                f"busy (syncing, or a dialog is open); try again, or allow longer with --timeout")
        if isinstance(e, requests.exceptions.ProxyError):
            return AnkiUnavailable(
                f"the proxy {proxy_for(self._session, self.url)} (from HTTP_PROXY / HTTPS_PROXY) did not pass "
                f"the request on to {self.url}: fix the proxy, or add the host to NO_PROXY")
        if isinstance(e, requests.ConnectionError):
            return AnkiUnavailable(
                f"Anki is not running or AnkiConnect is not installed at {self.url}: start Anki with the "
                f"AnkiConnect add-on (code 2055492159), or pass --url / set ANKICONNECT_URL if it "
                f"listens elsewhere")
        return AnkiProtocolError(f"cannot send {label} to {self.url}: {e}: check --url")

    def _via_proxy(self) -> str:
        proxy = proxy_for(self._session, self.url)
        return f" (the request went through the proxy {proxy}: add the host to NO_PROXY if AnkiConnect is " \
               f"reachable without it)" if proxy else ""

    def _result(self, reply: Any, action: str) -> Any:
        if not isinstance(reply, dict) or "error" not in reply or "result" not in reply:
            raise AnkiProtocolError(
                f"AnkiConnect at {self.url} answered {action} with {_describe(reply)}, not a version-6 "
                f"reply: update the AnkiConnect add-on")
        error = reply["error"]
        if error is None:
            result = reply["result"]
            shape = SHAPES.get(action)
            wrong = _mismatch(result, shape) if shape else None
            if wrong is not None:
                raise AnkiProtocolError(
                    f"AnkiConnect at {self.url} answered {action} with {wrong}, expected {shape.expected}: "
                    f"is --url / ANKICONNECT_URL pointing at AnkiConnect?")
            return result
        error = str(error)
        if error == KEY_ERROR:
            if self.key is None:
                raise AnkiKeyRejected(
                    "AnkiConnect requires an API key: pass the apiKey from AnkiConnect's config "
                    "(Tools > Add-ons > AnkiConnect > Config) with --key or ANKICONNECT_KEY")
            raise AnkiKeyRejected(
                "AnkiConnect rejected the API key: pass the apiKey from AnkiConnect's config "
                "(Tools > Add-ons > AnkiConnect > Config) with --key or ANKICONNECT_KEY")
        if error == "unsupported action" or error.startswith("Unsupported action"):
            raise AnkiActionError(
                f"AnkiConnect at {self.url} does not support {action}: update the AnkiConnect add-on",
                action=action, error=error)
        raise AnkiActionError(f"AnkiConnect failed on {action}: {error}", action=action, error=error)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
