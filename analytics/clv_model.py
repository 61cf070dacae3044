"""BG/NBD and Gamma-Gamma: how often customers buy again, and how much, fitted by maximum likelihood.

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive, a customer
buys at a rate λ ~ Gamma(r, α); after each repeat purchase they drop out with probability
p ~ Beta(a, b). Gamma-Gamma (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): each
repeat purchase is worth z ~ Gamma(p, ν), ν ~ Gamma(q, γ) per customer, independent of how often
they buy. Both log-likelihoods are closed form; `scipy.optimize.minimize` fits them on the log of
the parameters (which keeps them positive without bounds).

A customer is (x, t_x, age): x repeat purchases (orders after the first), t_x the time of the last
one and age the time since the first (T in the papers), both counted from the first order, in weeks; m the mean value
of the repeat purchases (spend model only, x ≥ 1 and m > 0).
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1


class FitError(ValueError):
    """The optimiser found no maximum (too little or degenerate data)."""


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float


def bgnbd_log_likelihood(params: BgNbd, x, t_x, age) -> np.ndarray:
    """Each customer's log-likelihood, FHL 2005 equation (6): ln(A1 · A2 · (A3 + [x > 0] A4))."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, age = (np.asarray(v, dtype=float) for v in (x, t_x, age))
    ln_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    ln_a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    ln_a3 = -(r + x) * np.log(alpha + age)
    repeat = x > 0
    # b + x − 1 > 0 only matters where x > 0; elsewhere the term is masked out.
    ln_a4 = np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x)
    return ln_a1 + ln_a2 + np.where(repeat, np.logaddexp(ln_a3, ln_a4), ln_a3)


def gamma_gamma_log_likelihood(params: GammaGamma, x, m) -> np.ndarray:
    """Each customer's log-density of the mean m of their x repeat purchases (Fader & Hardie 2013, eq. 3)."""
    p, q, g = params.p, params.q, params.gamma
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(g + m * x)
    )


# The log-parameters stay within e^±20: a shop whose customers never seem to drop out (or all buy at
# one rate) has its maximum at infinity along a ridge where the likelihood no longer changes; the
# predictions there are the same as at the bound.
LOG_BOUNDS = (-20.0, 20.0)


def _fit(negative_log_likelihood, start: np.ndarray) -> np.ndarray:
    """The parameters (not their logs) that minimise the negative log-likelihood, or FitError.

    L-BFGS-B first (fast); where its line search gives up, Nelder-Mead from there, which needs no
    gradient. On a ridge (see LOG_BOUNDS) neither may call itself converged although the likelihood
    no longer changes: the best point found is kept, as long as it is finite and better than the start.
    """
    bounds = [LOG_BOUNDS] * len(start)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        initial = negative_log_likelihood(start)
        result = minimize(negative_log_likelihood, start, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000})
        if not result.success:
            polished = minimize(
                negative_log_likelihood,
                result.x,
                method="Nelder-Mead",
                bounds=bounds,
                options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-10},
            )
            result = polished if polished.fun <= result.fun else result
    params = np.exp(result.x)
    if not np.isfinite(result.fun) or not np.all(np.isfinite(params)) or not result.fun < initial:
        raise FitError(f"no maximum of the likelihood found: {result.message}")
    return params


def bgnbd_fit(x, t_x, age) -> BgNbd:
    x, t_x, age = (np.asarray(v, dtype=float) for v in (x, t_x, age))
    count = len(x)

    def negative(log_params):
        total = bgnbd_log_likelihood(BgNbd(*np.exp(log_params)), x, t_x, age).sum()
        return -total / count if np.isfinite(total) else np.inf  # per customer: the same scale for any shop

    return BgNbd(*(float(v) for v in _fit(negative, np.zeros(4))))


def gamma_gamma_fit(x, m) -> GammaGamma:
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    count = len(x)
    # Start from the scale of the amounts: γ in the same unit as m keeps the optimiser near the answer.
    start = np.log([1.0, 1.0, max(float(np.mean(m)), 1e-6)])

    def negative(log_params):
        total = gamma_gamma_log_likelihood(GammaGamma(*np.exp(log_params)), x, m).sum()
        return -total / count if np.isfinite(total) else np.inf

    fitted = GammaGamma(*(float(v) for v in _fit(negative, start)))
    if fitted.q <= 1:  # the population's mean spend pγ/(q − 1) would be infinite
        raise FitError("the spend model has no finite mean (q ≤ 1)")
    return fitted


def expected_purchases(params: BgNbd, t: float, x, t_x, age) -> np.ndarray:
    """Each customer's expected number of purchases in (age, age + t] (weeks), FHL 2005 equation (10)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, age = (np.asarray(v, dtype=float) for v in (x, t_x, age))
    ratio = (alpha + age) / (alpha + age + t)
    numerator = 1 - ratio ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + age + t))
    numerator *= (a + b + x - 1) / (a - 1)
    still_alive = np.where(x > 0, (a / np.where(x > 0, b + x - 1, 1.0)) * ((alpha + age) / (alpha + t_x)) ** (r + x), 0)
    return numerator / (1 + still_alive)


def expected_spend(params: GammaGamma, x, m) -> np.ndarray:
    """Each customer's expected value of a future purchase (Fader & Hardie 2013, eq. 5).

    A weighted mean of the population's mean pγ/(q − 1) and the customer's own mean m, the customer's
    weighing more with more purchases; a customer without repeat purchase gets the population's.
    """
    p, q, g = params.p, params.q, params.gamma
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    return (g + m * x) * p / (p * x + q - 1)
