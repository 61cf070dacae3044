"""Synthetic customers drawn from the BG/NBD and Gamma-Gamma models themselves, with a fixed seed.

`simulate_customers` gives the model's view (x, t_x, age, repeat values, purchases after the cutoff)
for the likelihood tests; `shop_history` writes such customers as a shop's orders (bulk, a few
thousand rows in well under a second) for the tests of the whole computation.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np

from core.scoping import merchant_scope
from orders.models import Customer, Order


@dataclass
class Simulated:
    x: np.ndarray
    t_x: np.ndarray
    age: np.ndarray
    values: list[np.ndarray]  # each customer's repeat purchase values
    moments: list[list[float]]  # each customer's repeat purchase moments (weeks after the first)
    first_values: np.ndarray
    future: np.ndarray  # purchases in (age, age + horizon]


def simulate_customers(
    seed: int,
    count: int,
    *,
    bgnbd=(0.25, 4.0, 0.8, 2.5),
    gamma_gamma=(6.0, 3.0, 20.0),
    age_weeks=(30.0, 80.0),
    horizon_weeks: float = 0.0,
) -> Simulated:
    """Customers whose first purchase is at week 0 and who are watched until `age` (+ the horizon).

    While alive a customer buys at rate λ ~ Gamma(r, rate α); after each repeat purchase they drop
    out with probability p ~ Beta(a, b) (FHL 2005). A purchase is worth z ~ Gamma(p, rate ν) with
    ν ~ Gamma(q, rate γ) per customer (Fader & Hardie 2013).
    """
    rng = np.random.default_rng(seed)
    r, alpha, a, b = bgnbd
    p, q, gamma = gamma_gamma
    rates, dropout = rng.gamma(r, 1 / alpha, count), rng.beta(a, b, count)
    spend_rates = rng.gamma(q, 1 / gamma, count)
    ages = rng.uniform(*age_weeks, count)
    x, t_x, future, values, moments = np.zeros(count), np.zeros(count), np.zeros(count), [], []
    for i in range(count):
        moment, bought = 0.0, []
        while True:
            moment += rng.exponential(1 / rates[i])
            if moment > ages[i] + horizon_weeks:
                break
            if moment <= ages[i]:
                x[i] += 1
                t_x[i] = moment
                bought.append(moment)
            else:
                future[i] += 1
            if rng.random() < dropout[i]:
                break
        values.append(rng.gamma(p, 1 / spend_rates[i], int(x[i])))
        moments.append(bought)
    first_values = rng.gamma(p, 1 / spend_rates)
    return Simulated(x, t_x, ages, values, moments, first_values, future)


def shop_history(merchant, as_of: datetime, *, customers: int, history_days: int, currency="EUR", seed=17) -> None:
    """`customers` customers with counted orders drawn from the models, the first orders spread over the
    `history_days` before as_of, the repeat orders at their simulated moments (all before as_of)."""
    oldest_weeks = history_days / 7
    sim = simulate_customers(seed, customers, age_weeks=(min(1.0, oldest_weeks), oldest_weeks))
    with merchant_scope(merchant):
        made = Customer.objects.bulk_create(
            Customer(merchant=merchant, email=f"clv-{currency}-{seed}-{i}@example.org") for i in range(customers)
        )
        orders = []
        for i, customer in enumerate(made):
            first = as_of - timedelta(weeks=float(sim.age[i]))
            moments = [first] + [first + timedelta(weeks=week) for week in sim.moments[i]]
            amounts = [sim.first_values[i], *sim.values[i]]
            for n, (moment, amount) in enumerate(zip(moments, amounts, strict=True)):
                orders.append(_order(merchant, customer, f"{currency}-{seed}-{i}-{n}", moment, amount, currency))
        Order.objects.bulk_create(orders)


def _order(merchant, customer, key: str, placed_at: datetime, amount, currency: str) -> Order:
    total = Decimal(str(round(float(amount), 2))) + Decimal("0.01")  # never 0: every order was paid
    return Order(
        merchant=merchant,
        customer=customer,
        external_id=key,
        number=f"#{key}",
        email=customer.email,
        placed_at=placed_at,
        currency=currency,
        subtotal=total,
        shipping=0,
        tax=0,
        discount=0,
        total=total,
        refunded_amount=0,
    )
