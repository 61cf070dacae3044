"""An email backend for benchmarks: records each email's subject, recipients and the time it was
handed over in a Redis list (settings.BENCH_EMAIL_LIST, on the cache's Redis), sends nothing."""

import json
import time

import redis
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

_clients: dict[str, redis.Redis] = {}


def _client() -> redis.Redis:
    url = settings.CACHES["default"]["LOCATION"]
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url)
    return _clients[url]


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        at = time.time()
        records = [json.dumps({"subject": m.subject, "to": m.to, "at": at}) for m in email_messages]
        _client().rpush(settings.BENCH_EMAIL_LIST, *records)
        return len(email_messages)
