"""One webhook request: signed as the Standard Webhooks specification says (the
``standardwebhooks`` library), sent with the standard library's HTTP client.

No retries here: the outbox (``services.webhooks``) decides when to try again.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from standardwebhooks.webhooks import Webhook

TIMEOUT_SECONDS = 10.0
USER_AGENT = "Truce-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    """What the receiver said: its HTTP status, or why there was none."""

    status: int | None
    error: str | None = None


def signed_headers(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The three headers of the specification, for ``body`` sent at ``at``."""
    signature = Webhook(secret).sign(message_id, at, body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def send(url: str, headers: dict[str, str], body: str, timeout: float = TIMEOUT_SECONDS) -> Answer:
    """POST ``body`` (JSON) to ``url``; never raises for what the network or receiver does."""
    request = urllib.request.Request(
        url,
        data=body.encode("utf-8"),
        method="POST",
        headers={"content-type": "application/json", "user-agent": USER_AGENT, **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status)
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, f"HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Answer(None, f"{type(exc).__name__}: {reason}")
