"""AnkiConnect over HTTP (API version 6): the only module that talks to Anki.

Every request is ``{"action", "version": 6, "params", "key"}``; ``multi`` batches several
actions into one request, each sub-action carrying its own ``version`` and ``key`` (AnkiConnect
checks the key per action). Reads are retried when the connection fails or times out; writes
never are (a write that timed out may have happened). Errors become the companion's
exceptions with messages that say what to do.
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


class AnkiConnect:
    """A client for one AnkiConnect endpoint. ``requests_made`` counts HTTP requests sent."""

    def __init__(self, url: str = DEFAULT_URL, key: str | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                 retries: int = 2, backoff: float = 0.5, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = url
        self.key = key
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._session = session or requests.Session()
        self._sleep = sleep
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
        attempts = 1 if write else 1 + self.retries
        for attempt in range(attempts):
            try:
                return self._post_once(body, label)
            except (AnkiUnavailable, AnkiTimeout):
                if attempt == attempts - 1:
                    raise
                self._sleep(self.backoff * 2 ** attempt)
        raise AssertionError("unreachable")

    def _post_once(self, body: dict[str, Any], label: str) -> Any:
        self.requests_made += 1
        try:
            response = self._session.post(self.url, json=body, timeout=self.timeout)
        except requests.Timeout as e:
            raise AnkiTimeout(
                f"AnkiConnect at {self.url} did not answer {label} within {self.timeout:g} s: Anki may be "
                f"busy (syncing, or a dialog is open); try again, or allow longer with --timeout") from e
        except requests.ConnectionError as e:
            raise AnkiUnavailable(
                f"Anki is not running or AnkiConnect is not installed at {self.url}: start Anki with the "
                f"AnkiConnect add-on (code 2055492159), or pass --url / set ANKICONNECT_URL if it "
                f"listens elsewhere") from e
        except requests.RequestException as e:
            raise AnkiProtocolError(f"cannot send {label} to {self.url}: {e}: check --url") from e
        try:
            reply = response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "no content type")
            raise AnkiProtocolError(
                f"{self.url} answered {label} with HTTP {response.status_code} ({kind}), not like "
                f"AnkiConnect: check --url") from None
        if response.status_code != 200:
            error = reply.get("error") if isinstance(reply, dict) else None
            raise AnkiActionError(
                f"AnkiConnect failed on {label} with HTTP {response.status_code}: "
                f"{error or _describe(reply)}", action=label, error=str(error or ""))
        return reply

    def _result(self, reply: Any, action: str) -> Any:
        if not isinstance(reply, dict) or "error" not in reply or "result" not in reply:
            raise AnkiProtocolError(
                f"AnkiConnect at {self.url} answered {action} with {_describe(reply)}, not a version-6 "
                f"reply: update the AnkiConnect add-on")
        error = reply["error"]
        if error is None:
            return reply["result"]
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
