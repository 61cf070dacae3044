"""A fake shop platform for the tests: records every call and answers from a script.

Like a real shop honouring idempotency keys, it does each key's action once: a repeated call
with a key it already did returns the first answer without doing it again (`done` counts).
"""

import threading
import time
from collections import deque
from dataclasses import dataclass

from shop_actions.adapters import NeedsStaffError, PermanentShopError, ShopAdapter, TransientShopError


@dataclass(frozen=True)
class Call:
    merchant_id: int
    action_kind: str
    payload: dict
    idempotency_key: str


class FakeShop(ShopAdapter):
    platform = "fakeshop"

    def __init__(self):
        self.calls: list[Call] = []
        self.done: dict[str, dict] = {}  # idempotency key -> the answer of the one time it was done
        self.script: deque = deque()  # what the next calls do: an exception to raise, or None to succeed
        self.delay = 0.0
        self.during_call = None  # a function run inside the next call (a worker racing this one)
        self._lock = threading.Lock()

    # --- What the next calls do ----------------------------------------------------------------
    def fail_transiently(self, times: int, message: str = "HTTP 503 from the shop."):
        self.script.extend(TransientShopError(message) for _ in range(times))

    def refuse(self, message: str = "The order was already refunded."):
        self.script.append(PermanentShopError(message))

    def need_staff(self, message: str = "Refund it by hand in the shop's back office."):
        self.script.append(NeedsStaffError(message))

    def then(self, outcome):
        self.script.append(outcome)

    # --- ShopAdapter -------------------------------------------------------------------------------
    def perform(self, *, merchant, action_kind, payload, idempotency_key):
        with self._lock:
            self.calls.append(Call(merchant.pk, action_kind, payload, idempotency_key))
            outcome = self.script.popleft() if self.script else None
            during, self.during_call = self.during_call, None
        if self.delay:
            time.sleep(self.delay)
        if during is not None:
            during()
        if isinstance(outcome, BaseException):
            raise outcome
        with self._lock:
            if idempotency_key not in self.done:
                self.done[idempotency_key] = {"id": f"gid://fake/Refund/{len(self.done) + 1}", "status": "success"}
            return dict(self.done[idempotency_key])
