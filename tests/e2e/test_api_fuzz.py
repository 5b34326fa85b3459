"""The OpenAPI document tells the truth: schemathesis fuzzes every operation of the real app
and checks each answer against the document, once anonymous and once signed in as the admin.

Bounded and repeatable: 25 generated examples per operation (valid and invalid), plus the
boundary cases schemathesis derives from the document (its coverage phase), derandomized with a
fixed seed; on SQLite with the 2016 scenario and a month of UCDP events loaded (linked into
incidents), so that reads answer with real data and the admin's fuzzed writes land in a
database of their own. About 5,500 requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import sqlite_truce
from tests.ucdp import ucdp_month
from truce.api.app import create_api
from truce.bootstrap import Truce
from truce.domain.permissions import SYSTEM, Role
from truce.services import incidents, users
from truce.web.app import create_app

EXAMPLES_PER_OPERATION = 25
SEED = 2016
BASE_URL = "http://testserver/api/v1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@dataclass
class Fuzzed:
    truce: Truce
    app: FastAPI
    admin_id: int


@pytest.fixture(scope="module")
def fuzzed(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """The whole web app on SQLite with the 2016 scenario and the incidents of its first month,
    and an admin to sign in as."""
    truce = sqlite_truce(sqlite_template, tmp_path_factory.mktemp("fuzz"))
    ucdp_month(truce)  # the 2016 scenario and a month of real UCDP events, linked
    with truce.uow() as uow:
        incidents.link_reports(uow)
    with truce.uow() as uow:
        admin = users.add_user(users.NewUser("fuzz-admin", Role.ADMIN, None), uow, actor=SYSTEM)
    yield Fuzzed(truce, create_app(truce), admin.id)
    truce.close()


@pytest.fixture
def admin_token(fuzzed: Fuzzed) -> str:
    """A token of the admin (every write role's powers) for one operation's examples: fuzzing
    DELETE /tokens/{id} may revoke it, which must not sign out the operations after it."""
    with fuzzed.truce.uow() as uow:
        actor = users.actor_for_user(fuzzed.admin_id, uow)
        assert actor is not None
        return users.issue_token("fuzz", uow, actor=actor)


CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",
        },
    }
)
# The document the API serves, built from the routes alone (no database needed), so that each
# operation is a test of its own.
schema = schemathesis.openapi.from_dict(create_api(truce=None).openapi(), config=CONFIG)


# Health checks that time the generation would fail on a busy machine, not on a wrong answer;
# the admin's token is issued once per operation, for all of its examples (see admin_token).
FUZZ_SETTINGS = settings(
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_anonymous_answers_match_the_document(case: schemathesis.Case, fuzzed: Fuzzed) -> None:
    case.call_and_validate(app=fuzzed.app, base_url=BASE_URL, checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_signed_in_answers_match_the_document(
    case: schemathesis.Case, fuzzed: Fuzzed, admin_token: str
) -> None:
    headers = {"Authorization": f"Bearer {admin_token}"}
    case.call_and_validate(app=fuzzed.app, base_url=BASE_URL, headers=headers, checks=CHECKS)
