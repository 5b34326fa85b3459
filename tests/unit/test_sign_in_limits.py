"""The counts of failed sign-ins behind the 429s, and the settings that size them."""

from __future__ import annotations

import time

import pytest
import time_machine
from pydantic import ValidationError

from truce.config import Settings
from truce.services.throttle import SignInLimits


def test_a_full_count_says_how_long_to_wait_and_the_window_moves() -> None:
    limits = SignInLimits("3/minute", "100/minute")
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(3):
            assert limits.retry_after("field-officer", "203.0.113.7") == 0
            limits.failed("field-officer", "203.0.113.7")
        assert limits.retry_after("field-officer", "203.0.113.7") == 60
        clock.shift(45)
        assert limits.retry_after("field-officer", "203.0.113.7") == 15
        clock.shift(16)
        assert limits.retry_after("field-officer", "203.0.113.7") == 0


def test_the_oldest_failure_leaving_the_window_frees_one_attempt() -> None:
    limits = SignInLimits("2/minute", "100/minute")
    with time_machine.travel(time.time(), tick=False) as clock:
        limits.failed("desk-officer", "a")
        clock.shift(30)
        limits.failed("desk-officer", "a")
        assert limits.retry_after("desk-officer", "a") == 30
        clock.shift(31)
        assert limits.retry_after("desk-officer", "a") == 0
        limits.failed("desk-officer", "a")
        assert limits.retry_after("desk-officer", "a") == 29


def test_user_names_count_together_whatever_their_case_and_spaces() -> None:
    limits = SignInLimits("2/minute", "100/minute")
    limits.failed("Field-Officer", "a")
    limits.failed(" field-officer ", "b")
    assert limits.retry_after("field-officer", "c") > 0
    assert limits.retry_after("desk-officer", "c") == 0


def test_an_address_counts_every_name_tried_from_it() -> None:
    limits = SignInLimits("100/minute", "2/minute")
    limits.failed("guess-1", "203.0.113.7")
    limits.failed("guess-2", "203.0.113.7")
    assert limits.retry_after("guess-3", "203.0.113.7") > 0
    assert limits.retry_after("guess-3", "198.51.100.9") == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sign_in_limit_per_user", "five a minute"),
        ("sign_in_limit_per_address", "20"),
        ("rate_limit_storage", "localhost:6379"),
    ],
)
def test_a_malformed_limit_setting_names_itself_and_the_fix(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(**{field: value})
    message = str(raised.value)
    assert field in message
    assert "5/minute" in message or "redis://" in message


def test_a_store_the_limiter_cannot_use_is_refused() -> None:
    with pytest.raises(ValueError, match="moving window"):
        SignInLimits("5/minute", "20/minute", "async+memory://")
