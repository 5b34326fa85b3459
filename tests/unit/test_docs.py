"""Every setting, CLI command, role, action and API route is documented."""

import re
from pathlib import Path

import pytest
import typer.main

from truce.api.app import create_api
from truce.cli import app
from truce.config import Settings
from truce.domain.permissions import Action, Role

DOCS = Path(__file__).resolve().parents[2] / "docs"


def doc(name):
    return (DOCS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name):
    assert f"`TRUCE_{name.upper()}`" in doc("configuration.md")


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        if hasattr(command, "commands"):
            yield from _commands(command, path)
        else:
            yield " ".join(path)


@pytest.mark.parametrize("command", sorted(_commands(typer.main.get_command(app))))
def test_every_cli_command_is_documented(command):
    assert f"`truce {command}" in doc("cli.md")


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_is_documented(role):
    assert f"| `{role}` |" in doc("roles.md")


@pytest.mark.parametrize("action", [a.value for a in Action])
def test_every_action_is_documented(action):
    assert f"`{action}`" in doc("roles.md")


def _shape(path):
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_every_api_route_is_documented():
    api = create_api(truce=None)  # building the routes needs no database
    skip = ("/openapi.json", "/docs", "/docs/oauth2-redirect")
    # Paths as the text writes them, with a suffix such as .csv or .svg.
    documented = set(re.findall(r"(/[a-z/{}_\-]+(?:\.[a-z]+)?)", _shape(doc("api.md"))))
    missing = [
        r.path for r in api.routes if r.path not in skip and _shape(r.path) not in documented
    ]
    assert not missing
