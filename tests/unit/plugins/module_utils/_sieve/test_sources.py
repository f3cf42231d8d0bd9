"""The API readers' failure sentences: what went wrong and what to do, never the token."""
from __future__ import annotations

import io
from urllib.error import HTTPError

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._sieve import sources


def http_error(status, body):
    return HTTPError("https://api.example/x", status, "x", {}, io.BytesIO(body))


@pytest.mark.parametrize("body, text", [
    (b'{"error": {"code": 401, "message": "Request had invalid authentication credentials.", '
     b'"status": "UNAUTHENTICATED"}}', "UNAUTHENTICATED 401 Request had invalid authentication credentials."),
    (b'{"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired."}}',
     "InvalidAuthenticationToken Access token has expired."),
    (b"not json", ""),
    (b"", ""),
])
def test_error_text_of_google_and_graph_shapes(body, text):
    assert sources._error_text(http_error(401, body)) == text


@pytest.mark.parametrize("status, hint", [
    (401, "get a new one"), (403, "lacks the scope MailboxSettings.Read"), (404, "check the address"),
    (500, "try again later")])
def test_http_problem_says_what_to_do(status, hint):
    api = sources.ApiReader("https://graph.example/v1.0", "SECRET-TOKEN", "Microsoft Graph API", sources.GRAPH_SCOPE)
    text = api._http_problem(status, "detail", "https://graph.example/v1.0/users/a@b/mailFolders")
    assert text.startswith("the Microsoft Graph API answered HTTP %d to /users/a@b/mailFolders (detail)" % status)
    assert hint in text and "SECRET-TOKEN" not in text


def test_unreachable_api_fails_with_a_sentence():
    api = sources.ApiReader("http://127.0.0.1:9", "t", "Gmail API", sources.GMAIL_SCOPE, timeout=2)
    with pytest.raises(sources.SourceError, match="cannot reach the Gmail API at http://127.0.0.1:9"):
        api.get("/gmail/v1/users/a@b/labels")
