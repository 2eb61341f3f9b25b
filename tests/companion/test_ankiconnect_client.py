"""The AnkiConnect client against ``responses``: request bodies, batching, retries, every error."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from companion.client import AnkiConnect, Call
from companion.core import search
from companion.errors import AnkiActionError, AnkiKeyRejected, AnkiProtocolError, AnkiTimeout, AnkiUnavailable

URL = "http://127.0.0.1:8765"


def client(key=None, **kwargs) -> tuple[AnkiConnect, list[float]]:
    slept: list[float] = []
    return AnkiConnect(URL, key, timeout=2.5, sleep=slept.append, **kwargs), slept


def bodies(rsps) -> list[dict]:
    return [json.loads(c.request.body) for c in rsps.calls]


@responses.activate
def test_a_call_sends_action_version_params_and_key_as_json():
    responses.post(URL, json={"result": ["Default"], "error": None})
    c, _ = client("s3cret")
    assert c.deck_names() == ["Default"]
    call = responses.calls[0]
    assert call.request.headers["Content-Type"] == "application/json"
    assert json.loads(call.request.body) == {"action": "deckNames", "version": 6, "params": {}, "key": "s3cret"}
    assert c.requests_made == 1


@responses.activate
def test_no_key_is_sent_when_none_is_set():
    responses.post(URL, json={"result": [1, 2], "error": None})
    c, _ = client()
    assert c.find_cards('deck:"X"') == [1, 2]
    assert bodies(responses) == [{"action": "findCards", "version": 6, "params": {"query": 'deck:"X"'}}]


@responses.activate
def test_multi_gives_each_action_its_version_and_key_and_batches():
    responses.post(URL, json={"result": [{"result": [1], "error": None}, {"result": [2], "error": None}], "error": None})
    responses.post(URL, json={"result": [{"result": ["t"], "error": None}], "error": None})
    c, _ = client("k")
    calls = [Call("findCards", {"query": "a"}), Call("findNotes", {"query": "b"}), Call("getTags")]
    assert c.multi(calls, batch=2) == [[1], [2], ["t"]]
    assert bodies(responses) == [
        {"action": "multi", "version": 6, "key": "k", "params": {"actions": [
            {"action": "findCards", "version": 6, "params": {"query": "a"}, "key": "k"},
            {"action": "findNotes", "version": 6, "params": {"query": "b"}, "key": "k"}]}},
        {"action": "multi", "version": 6, "key": "k", "params": {"actions": [
            {"action": "getTags", "version": 6, "params": {}, "key": "k"}]}},
    ]
    assert c.requests_made == 2


@responses.activate
def test_reads_are_retried_after_connection_errors():
    responses.post(URL, body=requests.ConnectionError("refused"))
    responses.post(URL, body=requests.ConnectionError("refused"))
    responses.post(URL, json={"result": 6, "error": None})
    c, slept = client()
    assert c.version() == 6
    assert slept == [0.5, 1.0]
    assert c.requests_made == 3


@responses.activate
def test_writes_are_never_retried():
    responses.post(URL, body=requests.ReadTimeout("slow"))
    c, slept = client()
    with pytest.raises(AnkiTimeout):
        c.multi([Call("addTags", {"notes": [1], "tags": "atlas::weak"})], write=True)
    assert (c.requests_made, slept) == (1, [])


@responses.activate
def test_anki_down():
    responses.post(URL, body=requests.ConnectionError("Connection refused"))
    c, _ = client()
    with pytest.raises(AnkiUnavailable) as e:
        c.deck_names()
    assert str(e.value) == (
        "Anki is not running or AnkiConnect is not installed at http://127.0.0.1:8765: start Anki with the "
        "AnkiConnect add-on (code 2055492159), or pass --url / set ANKICONNECT_URL if it listens elsewhere")
    assert c.requests_made == 3  # a read: tried three times


def test_anki_down_for_real():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once the socket is closed
    c = AnkiConnect(f"http://127.0.0.1:{port}", retries=0)
    with pytest.raises(AnkiUnavailable, match=rf"^Anki is not running or AnkiConnect is not installed at "
                                             rf"http://127.0.0.1:{port}: "):
        c.deck_names()


@responses.activate
def test_timeout():
    responses.post(URL, body=requests.ReadTimeout("read timed out"))
    c, _ = client()
    with pytest.raises(AnkiTimeout) as e:
        c.multi([Call("cardReviews", {"deck": "X", "startID": 0})])
    assert str(e.value) == (
        "AnkiConnect at http://127.0.0.1:8765 did not answer multi (cardReviews) within 2.5 s: Anki may be busy "
        "(syncing, or a dialog is open); try again, or allow longer with --timeout")


@responses.activate
def test_wrong_key():
    responses.post(URL, json={"result": None, "error": "valid api key must be provided"})
    c, _ = client("wrong")
    with pytest.raises(AnkiKeyRejected) as e:
        c.deck_names()
    assert str(e.value) == ("AnkiConnect rejected the API key: pass the apiKey from AnkiConnect's config "
                            "(Tools > Add-ons > AnkiConnect > Config) with --key or ANKICONNECT_KEY")


@responses.activate
def test_missing_key():
    responses.post(URL, json={"result": None, "error": "valid api key must be provided"})
    c, _ = client()
    with pytest.raises(AnkiKeyRejected, match=r"^AnkiConnect requires an API key: pass the apiKey "):
        c.deck_names()


@responses.activate
def test_wrong_key_inside_multi():
    responses.post(URL, json={"result": [{"result": None, "error": "valid api key must be provided"}], "error": None})
    c, _ = client("wrong")
    with pytest.raises(AnkiKeyRejected, match="^AnkiConnect rejected the API key"):
        c.multi([Call("deckNames")])


@responses.activate
def test_server_error_envelope():
    responses.post(URL, json={"result": None, "error": "collection is not available"})
    c, _ = client()
    with pytest.raises(AnkiActionError) as e:
        c.find_notes("tag:x")
    assert str(e.value) == "AnkiConnect failed on findNotes: collection is not available"
    assert (e.value.action, e.value.error) == ("findNotes", "collection is not available")


@responses.activate
def test_server_error_envelope_inside_multi_names_the_action():
    responses.post(URL, json={"result": [{"result": [], "error": None},
                                         {"result": None, "error": "Invalid search: unclosed quote"}], "error": None})
    c, _ = client()
    with pytest.raises(AnkiActionError) as e:
        c.multi([Call("findCards", {"query": "a"}), Call("findNotes", {"query": '"b'})])
    assert str(e.value) == "AnkiConnect failed on findNotes: Invalid search: unclosed quote"


@responses.activate
def test_http_500_with_an_envelope():
    responses.post(URL, status=500, json={"result": None, "error": "'str' object has no attribute 'SerializeToString'"})
    c, _ = client()
    with pytest.raises(AnkiActionError) as e:
        c.import_package("/tmp/x.apkg")
    assert str(e.value) == ("AnkiConnect failed on importPackage with HTTP 500: "
                            "'str' object has no attribute 'SerializeToString'")
    assert c.requests_made == 1


@responses.activate
def test_unsupported_action():
    responses.post(URL, json={"result": None, "error": "unsupported action"})
    c, _ = client()
    with pytest.raises(AnkiActionError, match=r"^AnkiConnect at http://127.0.0.1:8765 does not support getDecks: "
                                              r"update the AnkiConnect add-on$"):
        c.call("getDecks", {"cards": [1]})


@responses.activate
def test_something_else_answers():
    responses.post(URL, body="<html>router login</html>", content_type="text/html")
    c, _ = client()
    with pytest.raises(AnkiProtocolError) as e:
        c.deck_names()
    assert str(e.value) == ("http://127.0.0.1:8765 answered deckNames with HTTP 200 (text/html), not like "
                            "AnkiConnect: check --url")


@responses.activate
def test_an_old_ankiconnect_answers_without_an_envelope():
    responses.post(URL, json=["Default"])
    c, _ = client()
    with pytest.raises(AnkiProtocolError, match=r"^AnkiConnect at http://127.0.0.1:8765 answered deckNames with "
                                                r"\['Default'\], not a version-6 reply: update the AnkiConnect add-on$"):
        c.deck_names()


@responses.activate
def test_multi_with_the_wrong_number_of_results():
    responses.post(URL, json={"result": [], "error": None})
    c, _ = client()
    with pytest.raises(AnkiProtocolError, match=r"answered multi \(getTags\) with \[\] instead of 1 results"):
        c.multi([Call("getTags")])


@pytest.mark.parametrize("make, expected", [
    (lambda: search.deck("Atlas Distributed Systems"), 'deck:"Atlas Distributed Systems"'),
    (lambda: search.deck('My_deck*"x"\\'), 'deck:"My\\_deck\\*\\"x\\"\\\\"'),
    (lambda: search.tag_subtree("atlas::phase::1-foundations"), 'tag:"atlas::phase::1-foundations"'),
    (lambda: search.tag_exact("atlas::weak"), '(tag:"atlas::weak" -tag:"atlas::weak::*")'),
    (lambda: search.tag_exact("my_tag"), '(tag:"my\\_tag" -tag:"my\\_tag::*")'),
    (lambda: search.in_deck("A", "prop:lapses>=6"), 'deck:"A" prop:lapses>=6'),
])
def test_search_strings_escape_ankis_wildcards(make, expected):
    assert make() == expected
