"""RateLimit: hits per subject in the shared cache, the block that follows, and its end."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches

from core.rate_limits import RateLimit, seconds_blocked, too_many_attempts_message


@pytest.fixture
def shared_cache(settings):
    """The configured cache: Redis under this run's key prefix, emptied after each test (tests/conftest.py)."""
    if settings.CACHES["default"]["BACKEND"] != "config.cache.RedisCache":
        pytest.skip("the configured cache is not Redis")
    return caches["default"]


@pytest.fixture
def private_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "limits"}}
    caches["default"].clear()


def test_take_lets_the_limit_through_then_blocks_for_the_window(shared_cache):
    limit = RateLimit("test:take", limit=3, window=600)
    assert [limit.take("a") for _ in range(3)] == [0, 0, 0]
    wait = limit.take("a")
    assert 599 <= wait <= 600
    assert limit.seconds_blocked("a") == wait


def test_subjects_and_limits_are_counted_apart(shared_cache):
    first, second = RateLimit("test:first", limit=2, window=600), RateLimit("test:second", limit=2, window=600)
    first.take("a"), first.take("a")
    assert first.take("a") > 0
    assert first.take("b") == 0
    assert second.take("a") == 0


def test_hit_counts_failures_and_blocks_at_the_limit(shared_cache):
    limit = RateLimit("test:hit", limit=2, window=600)
    assert limit.hit("a") == 1 and limit.seconds_blocked("a") == 0
    assert limit.hit("a") == 2 and limit.seconds_blocked("a") > 0


def test_forget_drops_the_count_so_far(shared_cache):
    limit = RateLimit("test:forget", limit=2, window=600)
    limit.hit("a")
    limit.forget("a")
    assert limit.hit("a") == 1 and limit.seconds_blocked("a") == 0


def test_concurrent_requests_never_get_more_than_the_limit_through(shared_cache):
    limit = RateLimit("test:race", limit=5, window=600)
    with ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(pool.map(lambda _n: limit.take("a"), range(40)))
    assert waits.count(0) == 5


def test_keys_carry_neither_the_subject_nor_its_length_limit(shared_cache):
    limit = RateLimit("test:keys", limit=1, window=600)
    subject = "someone@example.org" + "x" * 400
    limit.take(subject)
    keys = [key.decode() for key in shared_cache._cache.get_client().scan_iter(f"{shared_cache.key_prefix}:*")]
    assert len(keys) == 2  # the count and the block
    assert all("someone" not in key and len(key) < 150 for key in keys)


def test_the_block_ends_after_the_window_and_counting_starts_again(private_cache, time_machine):
    time_machine.move_to("2026-03-01 10:00:00Z", tick=False)
    limit = RateLimit("test:expiry", limit=2, window=600)
    limit.take("a"), limit.take("a")
    time_machine.move_to("2026-03-01 10:04:00Z", tick=False)
    assert limit.take("a") == 360
    time_machine.move_to("2026-03-01 10:10:01Z", tick=False)
    assert [limit.take("a") for _ in range(3)] == [0, 0, 600]


def test_the_longest_of_several_blocks_is_the_wait(private_cache):
    short, long = RateLimit("test:short", limit=1, window=60), RateLimit("test:long", limit=1, window=600)
    short.hit("a"), long.hit("b")
    assert seconds_blocked([(short, "a"), (long, "b")]) == 600
    assert seconds_blocked([(short, "a"), (long, "a")]) == 60
    assert seconds_blocked([(short, "z"), (long, "z")]) == 0


@pytest.mark.parametrize(
    ("seconds", "language", "text"),
    [
        (1, "en", "Too many attempts, try again in 1 minute."),
        (61, "en", "Too many attempts, try again in 2 minutes."),
        (900, "fr", "Trop de tentatives, réessayez dans 15 minutes."),
    ],
)
def test_the_wait_is_told_in_whole_minutes_in_the_visitors_language(seconds, language, text):
    from django.utils import translation

    with translation.override(language):
        assert too_many_attempts_message(seconds) == text
