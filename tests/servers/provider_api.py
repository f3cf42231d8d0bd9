"""Emulators of the two rule APIs sieve_sync reads with an OAuth2 token: the Gmail API v1 (users.labels,
users.settings) and Microsoft Graph v1.0 (mailFolders, messageRules, mailboxSettings). Neither can run here.

They answer GET requests from the recorded answer bodies of tests/data/sieve_sources/gmail and .../graph
(each README there names the reference page of every shape), for one user and one bearer token:
- a missing or wrong ``Authorization: Bearer`` gets 401 with the service's JSON error shape (Google:
  ``{"error": {"code", "message", "status": "UNAUTHENTICATED"}}``, Cloud API design guide "Errors"; Graph:
  ``{"error": {"code": "InvalidAuthenticationToken", "message"}}``, graph/errors);
- another user gets 404 (Google ``NOT_FOUND``, Graph ``ErrorItemNotFound``... as the pages list them);
- Graph collections are served in pages of ``page_size`` with an absolute ``@odata.nextLink`` carrying a
  ``$skiptoken`` (graph/paging), so that the client must follow them.
``answers`` (dict file name -> JSON) may replace the recorded files for a test; ``requests`` lists the paths seen.
"""
from __future__ import annotations

import json
import pathlib
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.lib.ports import free_port

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "sieve_sources"

GMAIL_PATHS = {"labels": "labels.json", "settings/filters": "filters.json", "settings/vacation": "vacation.json",
               "settings/autoForwarding": "autoforwarding.json",
               "settings/forwardingAddresses": "forwarding_addresses.json"}


class _Api:
    kind = ""

    def __init__(self, user, token, answers=None, page_size=2):
        self.user, self.token, self.page_size = user, token, page_size
        self.answers = dict(answers or {})
        self.requests: list[str] = []
        self.port = free_port()
        self.server = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def body(self, name):
        if name in self.answers:
            return self.answers[name]
        return json.loads((DATA / self.kind / name).read_text(encoding="utf-8"))

    def answer(self, path, query, auth):
        raise NotImplementedError

    def start(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                parts = urllib.parse.urlsplit(self.path)
                api.requests.append(parts.path)
                answer = api.answer(urllib.parse.unquote(parts.path), urllib.parse.parse_qs(parts.query),
                                    self.headers.get("Authorization", ""))
                status, body, headers = answer if len(answer) == 3 else answer + ({},)
                binary = isinstance(body, bytes)  # a photo's $value
                data = body if binary else json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "image/jpeg" if binary else "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self):
        return self if self.server is not None else self.start()

    def __exit__(self, *exc):
        self.stop()


class GmailApi(_Api):
    """GET /gmail/v1/users/{userId}/labels and /settings/{filters,vacation,autoForwarding,forwardingAddresses}."""
    kind = "gmail"

    def answer(self, path, query, auth):
        if auth != "Bearer " + self.token:
            return 401, {"error": {"code": 401, "message": "Request had invalid authentication credentials. Expected "
                                   "OAuth 2 access token, login cookie or other valid authentication credential.",
                                   "status": "UNAUTHENTICATED"}}
        prefix = "/gmail/v1/users/"
        if not path.startswith(prefix):
            return 404, {"error": {"code": 404, "message": "Not Found", "status": "NOT_FOUND"}}
        user, _sep, rest = path[len(prefix):].partition("/")
        if user not in (self.user, "me"):
            return 404, {"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}}
        if rest not in GMAIL_PATHS:
            return 404, {"error": {"code": 404, "message": "Not Found", "status": "NOT_FOUND"}}
        return 200, self.body(GMAIL_PATHS[rest])


class GraphApi(_Api):
    """GET /v1.0/users/{id}/mailFolders[/inbox|/{id}/childFolders], .../inbox/messageRules,
    .../mailboxSettings/automaticRepliesSetting."""
    kind = "graph"

    @property
    def url(self):
        return "http://127.0.0.1:%d/v1.0" % self.port

    def _page(self, name, path, query):
        body = dict(self.body(name))
        items = list(body.get("value", []))
        start = int((query.get("$skiptoken") or ["0"])[0])
        body["value"] = items[start:start + self.page_size]
        if start + self.page_size < len(items):
            body["@odata.nextLink"] = "%s%s?$skiptoken=%d" % (self.url[:-len("/v1.0")], path, start + self.page_size)
        return 200, body

    def answer(self, path, query, auth):
        if auth != "Bearer " + self.token:
            return 401, {"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}}
        prefix = "/v1.0/users/"
        user, _sep, rest = path[len(prefix):].partition("/") if path.startswith(prefix) else ("", "", "")
        if user.lower() != self.user.lower():
            return 404, {"error": {"code": "ErrorInvalidUser", "message": "The requested user '%s' is invalid." % user}}
        if rest == "mailFolders/inbox/messageRules":
            return self._page("messageRules.json", path, query)
        if rest == "mailFolders/inbox":
            return 200, self.body("inbox.json")
        if rest == "mailFolders":
            return self._page("mailFolders.json", path, query)
        if rest.startswith("mailFolders/") and rest.endswith("/childFolders"):
            folder = rest[len("mailFolders/"):-len("/childFolders")]
            if (DATA / "graph" / ("childFolders-%s.json" % folder)).exists() or \
                    "childFolders-%s.json" % folder in self.answers:
                return self._page("childFolders-%s.json" % folder, path, query)
            return 200, {"value": []}
        if rest == "mailboxSettings/automaticRepliesSetting":
            return 200, self.body("automaticRepliesSetting.json")
        return 400, {"error": {"code": "BadRequest", "message": "Resource not found for the segment '%s'." % rest}}
