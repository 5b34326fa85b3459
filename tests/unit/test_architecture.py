"""The import contracts of docs/architecture.md hold, and every folder is described."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "truce"
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "importlinter"
]["contracts"]


def lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_the_contracts_hold():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    kept = re.search(r"Contracts: (\d+) kept, (\d+) broken", result.stdout)
    assert kept is not None, result.stdout
    assert (int(kept[1]), int(kept[2])) == (len(CONTRACTS), 0)
    analysed = re.search(r"Analyzed (\d+) files", result.stdout)
    assert analysed is not None and int(analysed[1]) > 100, "the whole package is read"


def test_a_broken_rule_fails(tmp_path):
    """The linter reads our package: an import that exists is reported when forbidden."""
    config = tmp_path / "broken.toml"
    config.write_text(
        "[tool.importlinter]\nroot_packages = ['truce']\n\n"
        "[[tool.importlinter.contracts]]\nname = 'services may not reach the domain'\n"
        "type = 'forbidden'\nsource_modules = ['truce.services.users']\n"
        "forbidden_modules = ['truce.domain.users']\n",
        encoding="utf-8",
    )
    result = lint_imports("--config", str(config))
    assert result.returncode == 1
    assert "truce.services.users -> truce.domain.users" in result.stdout


def folders():
    """Every part of the package: its folders and its top-level modules."""
    parts = [p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"]
    parts += [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    return sorted(parts)


@pytest.mark.parametrize("part", folders())
def test_every_folder_has_its_paragraph(part):
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    name = part if part.endswith(".py") else f"{part}/"
    assert f"**`{name}`** —" in text


@pytest.mark.parametrize("part", folders())
def test_the_readme_layout_names_every_folder(part):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :]
    name = part if part.endswith(".py") else f"{part}/"
    assert f"`{name}`" in layout


def test_every_package_has_its_layer():
    """A new folder of code must be placed in a layer (the contract is exhaustive)."""
    (layers,) = [c for c in CONTRACTS if c["type"] == "layers"]
    placed = {name.strip() for layer in layers["layers"] for name in re.split(r"[|:]", layer)}
    code = {p.removesuffix(".py") for p in folders()} - set(layers["exhaustive_ignores"])
    assert code == placed


@pytest.mark.parametrize("folder", ["api", "web", "services", "domain"])
def test_only_the_store_opens_the_units_session(folder):
    """Services and entrypoints reach the database through the unit of work's repositories;
    its SQLAlchemy session is the store's own (import-linter cannot see attribute access)."""
    files = sorted((PACKAGE / folder).rglob("*.py"))
    if folder in ("api", "web"):
        files += sorted(PACKAGE.glob("cli*.py")) + sorted((PACKAGE / "cli").rglob("*.py"))
    assert files
    offending = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\buow\.session\b", line)
    ]
    assert offending == []
