"""Issue 14: the one-way layers are a contract (`lint-imports`, run by `make lint` and
`make test`), and the contract really fails the build when someone adds a back-edge."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", "pyproject.toml", "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def source_copy(tmp_path):
    for package in ("cms", "certification", "lms"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_layers_hold_today(source_copy):
    result = _lint(source_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("where", "statement", "message"),
    [
        # a selector reaching up into a service
        (
            "certification/selectors/_backedge.py",
            "from certification.services import people\n",
            "certification.selectors is not allowed to import certification.services",
        ),
        # a service importing a task module (tasks call services: a cycle)
        (
            "certification/services/_backedge.py",
            "from certification.tasks import imports\n",
            "certification.services is not allowed to import certification.tasks",
        ),
        # the site package reaching into the system of record
        (
            "cms/_backedge.py",
            "import certification.models\n",
            "cms is not allowed to import certification",
        ),
    ],
)
def test_a_back_edge_fails_the_contract(source_copy, where, statement, message):
    (source_copy / where).write_text(statement)
    result = _lint(source_copy)
    assert result.returncode != 0
    assert message in " ".join(result.stdout.split())
