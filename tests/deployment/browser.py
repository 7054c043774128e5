"""A small HTTP client for the deployment and fault tests: real HTTP to gunicorn, as a browser behind the proxy.

docker-compose puts gunicorn behind a TLS-terminating proxy (docs/deployment.md). The client plays
browser and proxy at once: it speaks plain HTTP to the loopback port and adds what the proxy adds
(`X-Forwarded-Proto: https`, `X-Forwarded-For` with the client's address), so the production
settings run unchanged (HTTPS redirect, secure cookies, HSTS). It keeps cookies itself, Secure ones
included (the browser saw HTTPS), sends the CSRF token a form carries, and follows no redirect
unless asked. Only the standard library: `requests` is not a dependency of the project.
"""

from __future__ import annotations

import html
import http.client
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def forms(self) -> list[Form]:
        parser = FormParser()
        parser.feed(self.text)
        return parser.forms

    def form(self, field: str, *, action_contains: str = "", method: str = "post") -> Form:
        """The first form with that method and field whose action contains the text (empty: the page itself).

        A field is named because every page has another POST form: the language switcher of base.html.
        """
        for form in self.forms():
            has_field = field in form.fields or field in form.checkboxes
            if form.method == method and has_field and action_contains in (form.action or self.url):
                return form
        raise AssertionError(f"no {method} form with {field!r} on {self.url}:\n{self.text[:3000]}")

    def messages(self) -> list[str]:
        """The texts of Django's messages and of form errors on the page (unescaped)."""
        parser = MessageParser()
        parser.feed(self.text)
        return parser.messages


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    checkboxes: dict[str, str] = field(default_factory=dict)  # name -> value, all of them (ticked or not)


class FormParser(HTMLParser):
    """Forms with the values a browser would submit: inputs, ticked checkboxes, selected options, textareas."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").lower()))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if kind == "checkbox":
                    form.checkboxes[name] = a.get("value", "on")
                if "checked" in a:
                    form.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                form.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
                form.fields.setdefault(self._select, value)
            if "selected" in a:
                form.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            form.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data


class MessageParser(HTMLParser):
    """Text inside elements whose class names a message or an error (`message`, `errorlist`, role=alert)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.messages: list[str] = []
        self._depth = 0
        self._parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if self._depth:
            self._depth += 1
        elif {"message", "errorlist", "messages"} & set(classes) or a.get("role") == "alert":
            self._depth = 1
            self._parts = []

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1
            if not self._depth:
                self.messages.append(" ".join(" ".join(self._parts).split()))

    def handle_data(self, data):
        if self._depth:
            self._parts.append(data)


class Browser:
    """One user's browser: its cookies, its address (X-Forwarded-For), through the proxy to gunicorn."""

    def __init__(self, port: int, *, client_ip: str = "198.51.100.10", timeout: float = 30):
        self.port = port
        self.client_ip = client_ip
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        path = self._path(path)
        sent = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.client_ip,
            "Accept-Language": "vi",
            "Connection": "close",
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        sent.update(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        for header in answer.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                expired = morsel["max-age"] == "0" or "1970" in morsel["expires"]
                if expired:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(answer.status, answer.headers, data, elapsed, path)

    def _path(self, path: str) -> str:
        parts = urlsplit(path)
        if parts.scheme:  # a redirect's absolute URL (https://127.0.0.1:port/...)
            return parts.path + (f"?{parts.query}" if parts.query else "")
        return path

    def get(self, path: str, *, follow: bool = False) -> Response:
        response = self.request("GET", path)
        return self._follow(response) if follow else response

    def post(self, path: str, data: dict | list[tuple[str, str]], *, follow: bool = False) -> Response:
        """A form submission, with the page's CSRF token when `data` has none, and the Origin a browser sends."""
        items = list(data.items()) if isinstance(data, dict) else list(data)
        if not any(name == "csrfmiddlewaretoken" for name, _ in items) and "csrftoken" in self.cookies:
            items.append(("csrfmiddlewaretoken", self.cookies["csrftoken"]))
        body = urlencode(items).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + self._path(path),
        }
        response = self.request("POST", path, body, headers)
        return self._follow(response) if follow else response

    def submit(self, page: Response, form: Form, changes: dict | None = None, *, follow: bool = False) -> Response:
        data = {**form.fields, **(changes or {})}
        data = {name: value for name, value in data.items() if value is not None}
        return self.post(form.action or page.url, data, follow=follow)

    def _follow(self, response: Response, limit: int = 5) -> Response:
        while response.status in (301, 302, 303) and limit:
            response = self.get(response.location)
            limit -= 1
        return response

    def log_in(self, username: str, password: str) -> Response:
        """The login form: GET (the CSRF cookie and token), then POST; returns the answer to the POST."""
        page = self.get("/accounts/login/")
        assert page.status == 200, (page.status, page.text[:500])
        form = page.form("username")
        return self.submit(page, form, {"username": username, "password": password})


def unescape(text: str) -> str:
    return html.unescape(text)
