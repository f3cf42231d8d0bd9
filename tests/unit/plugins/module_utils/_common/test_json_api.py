"""The JSON API reader: failure sentences that say what to do (never the token), throttling, paging."""
from __future__ import annotations

import io
from urllib.error import HTTPError

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._common import json_api


def http_error(status, body, headers=None):
    return HTTPError("https://api.example/x", status, "x", headers or {}, io.BytesIO(body))


@pytest.mark.parametrize("body, text", [
    (b'{"error": {"code": 401, "message": "Request had invalid authentication credentials.", '
     b'"status": "UNAUTHENTICATED"}}', "UNAUTHENTICATED 401 Request had invalid authentication credentials."),
    (b'{"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired."}}',
     "InvalidAuthenticationToken Access token has expired."),
    (b"not json", ""),
    (b"", ""),
])
def test_error_text_of_google_and_graph_shapes(body, text):
    assert json_api._error_text(http_error(401, body)) == text


@pytest.mark.parametrize("status, hint", [
    (401, "get a new one"), (403, "lacks the scope MailboxSettings.Read"), (404, "check the address"),
    (500, "try again later")])
def test_http_problem_says_what_to_do(status, hint):
    api = json_api.ApiReader("https://graph.example/v1.0", "SECRET-TOKEN", "Microsoft Graph API", "MailboxSettings.Read")
    text = api._http_problem(status, "detail", "https://graph.example/v1.0/users/a@b/mailFolders")
    assert text.startswith("the Microsoft Graph API answered HTTP %d to /users/a@b/mailFolders (detail)" % status)
    assert hint in text and "SECRET-TOKEN" not in text


def test_unreachable_api_fails_with_a_sentence():
    api = json_api.ApiReader("http://127.0.0.1:9", "t", "Gmail API", "gmail.settings.basic", timeout=2)
    with pytest.raises(json_api.SourceError, match="cannot reach the Gmail API at http://127.0.0.1:9"):
        api.get("/gmail/v1/users/a@b/labels")


class FakeOpen:
    """open_url stand-in: answers[i] is an HTTPError to raise or bytes to return, in order; records URLs."""

    def __init__(self, answers):
        self.answers, self.urls = list(answers), []

    def __call__(self, url, **kwargs):
        self.urls.append(url)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return io.BytesIO(answer)


def reader(monkeypatch, answers):
    fake = FakeOpen(answers)
    monkeypatch.setattr(json_api, "open_url", fake)
    slept = []
    api = json_api.ApiReader("https://graph.example/v1.0", "TOKEN", "Microsoft Graph API", "Contacts.Read",
                             sleep=slept.append)
    return api, fake, slept


def test_throttling_is_waited_out_as_the_server_asks(monkeypatch):
    api, fake, slept = reader(monkeypatch, [http_error(429, b"{}", {"Retry-After": "7"}),
                                            http_error(503, b"{}", {}), b'{"value": []}'])
    assert api.get("/users/a@b/contacts") == {"value": []}
    assert slept == [7.0, json_api.DEFAULT_RETRY_AFTER] and api.requests == 3 and len(fake.urls) == 3


def test_throttling_past_the_wait_budget_is_reported(monkeypatch):
    answers = [http_error(429, b'{"error": {"code": "TooManyRequests", "message": "slow down"}}',
                          {"Retry-After": str(json_api.MAX_WAIT)}),
               http_error(429, b'{"error": {"code": "TooManyRequests", "message": "slow down"}}', {"Retry-After": "1"})]
    api, _fake, slept = reader(monkeypatch, answers)
    with pytest.raises(json_api.SourceError, match="HTTP 429 .*TooManyRequests slow down.*run again later"):
        api.get("/users/a@b/contacts")
    assert slept == [float(json_api.MAX_WAIT)]


def test_pages_follow_next_links_on_the_same_host_only(monkeypatch):
    api, fake, _slept = reader(monkeypatch, [
        b'{"value": [1, 2], "@odata.nextLink": "https://graph.example/v1.0/users/a@b/contacts?$skiptoken=2"}',
        b'{"value": [3], "@odata.nextLink": "https://evil.example/steal?$skiptoken=3"}'])
    with pytest.raises(json_api.SourceError, match="another host \\(evil.example\\); refusing to send the token"):
        api.pages("/users/a@b/contacts")
    assert fake.urls == ["https://graph.example/v1.0/users/a@b/contacts",
                         "https://graph.example/v1.0/users/a@b/contacts?$skiptoken=2"]


def test_a_missing_optional_part_is_none_other_errors_raise(monkeypatch):
    api, _fake, _slept = reader(monkeypatch, [http_error(404, b"{}"), http_error(404, b"{}")])
    assert api.raw("/users/a@b/contacts/1/photo/$value", missing_ok=True) is None
    with pytest.raises(json_api.SourceError, match="HTTP 404"):
        api.raw("/users/a@b/contacts/1")
