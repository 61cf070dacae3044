"""The BG/NBD and Gamma-Gamma likelihoods and predictions against data drawn from the models (fixed seeds)."""

from math import exp, lgamma, log

import numpy as np
import pytest

from analytics.clv_model import (
    BgNbd,
    GammaGamma,
    bgnbd_fit,
    bgnbd_log_likelihood,
    expected_purchases,
    expected_spend,
    gamma_gamma_fit,
    gamma_gamma_log_likelihood,
)

from .clv_history import simulate_customers

TRUE_BGNBD = BgNbd(r=0.25, alpha=4.0, a=0.8, b=2.5)  # close to the CDNOW fit of the paper
TRUE_SPEND = GammaGamma(p=6.0, q=3.0, gamma=20.0)


def bgnbd_by_hand(r, alpha, a, b, x, t_x, age) -> float:
    """FHL 2005 equation (6), term by term, in plain floats."""
    a1 = exp(lgamma(r + x) - lgamma(r)) * alpha**r
    a2 = exp(lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x))
    a3 = (1 / (alpha + age)) ** (r + x)
    a4 = (a / (b + x - 1)) * (1 / (alpha + t_x)) ** (r + x) if x > 0 else 0.0
    return log(a1 * a2 * (a3 + a4))


def test_bgnbd_log_likelihood_is_the_papers_formula():
    customers = [(0, 0.0, 38.9), (1, 2.3, 30.0), (4, 20.1, 52.0), (12, 70.5, 71.0)]
    x, t_x, age = (np.array(column, dtype=float) for column in zip(*customers, strict=True))
    computed = bgnbd_log_likelihood(TRUE_BGNBD, x, t_x, age)
    expected = [bgnbd_by_hand(0.25, 4.0, 0.8, 2.5, *customer) for customer in customers]
    assert computed == pytest.approx(expected, rel=1e-12)


def test_gamma_gamma_log_likelihood_is_the_papers_formula():
    p, q, g, x, m = 6.0, 3.0, 20.0, 3, 41.5
    by_hand = (
        lgamma(p * x + q) - lgamma(p * x) - lgamma(q)
        + q * log(g) + (p * x - 1) * log(m) + p * x * log(x) - (p * x + q) * log(g + m * x)
    )  # fmt: skip
    assert gamma_gamma_log_likelihood(TRUE_SPEND, [x], [m])[0] == pytest.approx(by_hand, rel=1e-12)


def test_the_likelihood_is_highest_near_the_true_parameters():
    sim = simulate_customers(5, 5000)
    at_truth = bgnbd_log_likelihood(TRUE_BGNBD, sim.x, sim.t_x, sim.age).sum()
    for wrong in (BgNbd(0.5, 4.0, 0.8, 2.5), BgNbd(0.25, 8.0, 0.8, 2.5), BgNbd(0.25, 4.0, 0.8, 6.0)):
        assert bgnbd_log_likelihood(wrong, sim.x, sim.t_x, sim.age).sum() < at_truth


def test_bgnbd_fit_recovers_the_parameters_it_was_drawn_from():
    sim = simulate_customers(17, 20_000)
    fitted = bgnbd_fit(sim.x, sim.t_x, sim.age)
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fitted, name) == pytest.approx(getattr(TRUE_BGNBD, name), rel=0.1), name


def test_gamma_gamma_fit_recovers_the_parameters_it_was_drawn_from():
    sim = simulate_customers(17, 20_000)
    repeaters = sim.x > 0
    means = np.array([values.mean() for values in sim.values if len(values)])
    fitted = gamma_gamma_fit(sim.x[repeaters], means)
    for name in ("p", "q", "gamma"):
        assert getattr(fitted, name) == pytest.approx(getattr(TRUE_SPEND, name), rel=0.1), name


def test_expected_purchases_predict_the_next_half_year():
    sim = simulate_customers(23, 20_000, horizon_weeks=26)
    fitted = bgnbd_fit(sim.x, sim.t_x, sim.age)
    predicted = expected_purchases(fitted, 26, sim.x, sim.t_x, sim.age)
    assert predicted.sum() == pytest.approx(sim.future.sum(), rel=0.05)
    # Those who bought often and lately are expected to buy more than those gone quiet.
    assert predicted[(sim.x >= 3) & (sim.age - sim.t_x < 4)].mean() > 3 * predicted[sim.x == 0].mean()


def test_expected_spend_is_the_population_mean_without_repeat_purchases():
    population = TRUE_SPEND.p * TRUE_SPEND.gamma / (TRUE_SPEND.q - 1)
    assert expected_spend(TRUE_SPEND, [0], [0])[0] == pytest.approx(population)
    # With many purchases, the customer's own mean weighs the most.
    assert expected_spend(TRUE_SPEND, [50], [200])[0] == pytest.approx(200, rel=0.01)
