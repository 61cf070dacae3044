"""A scripted shop at the HTTP layer, for the shop-action adapters (integrations/shop_calls.py calls requests)."""

import json
from collections import deque
from dataclasses import dataclass, field

import requests


def answer(status: int = 200, body=None, *, raw: bytes | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = raw if raw is not None else json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    return response


@dataclass
class Sent:
    method: str
    url: str
    kwargs: dict

    @property
    def json(self):
        return self.kwargs.get("json")


@dataclass
class ScriptedShop:
    """Answers each request with the next scripted answer (a Response, or an exception to raise)."""

    script: deque = field(default_factory=deque)
    sent: list[Sent] = field(default_factory=list)

    def then(self, *answers):
        self.script.extend(answers)
        return self

    def __call__(self, method, url, **kwargs):
        self.sent.append(Sent(method, url, kwargs))
        outcome = self.script.popleft()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
