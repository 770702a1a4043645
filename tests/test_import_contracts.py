"""The import contracts in pyproject.toml fail when the rule they state is broken.

``lint-imports`` (scripts/test.sh) checks the real tree. Here each rule is broken on purpose in
a copy of the package, one import added, and ``lint-imports`` must name the contract and the
import that broke it, and exit non-zero: a contract that cannot fail protects nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "lealtad"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

PURE_CORES = "Pure cores import no Django and no other part of lealtad"
CORE = "core imports no context"
FACES = "Contexts import each other only through services, selectors, events, schemas, choices"
CYCLES = "No import cycle between the modules or packages of any package"

# (module file, the line added, the contract it breaks, what the report must say: one of)
BREAKS: dict[str, tuple[str, str, str, str | tuple[str, ...]]] = {
    "a pure core imports Django": (
        "matching/text.py",
        "import django",
        PURE_CORES,
        "lealtad.matching.text -> django",
    ),
    "a pure core imports the core, inside a function": (
        "lifetime_value/summary.py",
        "def _late():\n    from lealtad.core import normalize\n    return normalize",
        PURE_CORES,
        "lealtad.lifetime_value.summary -> lealtad.core.normalize",
    ),
    "pricing imports the rest of commerce": (
        "commerce/pricing.py",
        "from lealtad.commerce import models",
        PURE_CORES,
        "lealtad.commerce.pricing -> lealtad.commerce.models",
    ),
    "the core imports a context, inside a function": (
        "core/hub.py",
        "def _late():\n    from lealtad.customers import selectors\n    return selectors",
        CORE,
        "lealtad.core.hub -> lealtad.customers.selectors",
    ),
    "a context imports another's models": (
        "channels/selectors.py",
        "from lealtad.customers.models import Customer",
        FACES,
        "lealtad.channels.selectors -> lealtad.customers.models",
    ),
    "a context imports another's internals, not its face": (
        "privacy/selectors.py",
        "from lealtad.customers import quality_rows",
        FACES,
        "lealtad.privacy.selectors -> lealtad.customers.quality_rows",
    ),
    "two modules import each other, one inside a function": (
        "customers/names.py",
        "def _late():\n    from lealtad.customers.services import common\n    return common",
        CYCLES,
        ("- .names -> .services", "- .services -> .names"),
    ),
    "two contexts import each other through their faces": (
        "channels/selectors.py",
        "from lealtad.privacy import selectors as privacy_selectors",
        CYCLES,
        ("- .channels -> .privacy", "- .privacy -> .channels"),
    ),
}


@pytest.fixture(scope="module")
def copy_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's Python files in a directory of their own (no templates, static, data)."""
    root = tmp_path_factory.mktemp("contracts")
    shutil.copytree(
        PACKAGE, root / "lealtad", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    # lint-imports puts its working directory first on sys.path: it reads this copy.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "pyproject.toml"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _flat(text: str) -> str:
    """The report as one line: rich wraps long lines at the terminal's width."""
    return " ".join(text.split())


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_a_broken_rule_fails_the_check_and_names_the_import(copy_root: Path, case: str) -> None:
    relative, line, contract, said = BREAKS[case]
    evidence = (said,) if isinstance(said, str) else said
    target = copy_root / "lealtad" / relative
    original = target.read_text(encoding="utf-8")
    before = _flat(_lint(copy_root).stdout)
    assert not any(e in before for e in evidence), f"the copy already shows {evidence!r}"
    target.write_text(f"{original}\n\n{line}\n", encoding="utf-8")
    try:
        result = _lint(copy_root)
    finally:
        target.write_text(original, encoding="utf-8")
    report = _flat(result.stdout)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{_flat(contract)} BROKEN" in report
    assert any(e in report for e in evidence), report


def test_the_copy_is_the_package_the_check_reads(copy_root: Path) -> None:
    """Guard for the test above: lint-imports must analyse the copy, not the installed tree."""
    marker = copy_root / "lealtad" / "matching" / "contract_probe.py"
    marker.write_text("import django\n", encoding="utf-8")
    try:
        report = _flat(_lint(copy_root).stdout)
    finally:
        marker.unlink()
    assert "lealtad.matching.contract_probe -> django" in report


def test_every_context_with_tables_is_under_the_faces_contract() -> None:
    """A new context joins the contract when it is made (sales once was left out of it)."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    [faces] = [c for c in contracts if c["name"] == FACES]
    package = root / "src" / "lealtad"
    with_tables = {
        f"lealtad.{folder.name}"
        for folder in package.iterdir()
        if folder.name != "core"
        and ((folder / "models.py").exists() or (folder / "models").is_dir())
    }
    assert with_tables, "no context found: the layout moved"
    assert with_tables <= set(faces["modules"]), with_tables - set(faces["modules"])
