"""The demo shop's predicted CLV, fitted once its history is written, as the daily task would have done:
a merchant opening Analytics after `bin/demo` sees the prediction, not "not computed yet"."""

from .clv import predicted_clv_fit


def seed_demo(context) -> None:
    predicted_clv_fit(merchant=context.merchant, as_of=context.now)
