"""bin/install: pip runs when the venv lacks the pinned requirements, and only then.

The script runs in a copy of the repository's files where `python3` is a stand-in that makes a
`.venv/bin/python` logging each pip call, so no package is installed.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAKE_PYTHON = """#!/bin/sh
if [ "$1" = "--version" ]; then echo "Python ${FAKE_VERSION:-3.11.7}"; exit 0; fi
echo "$*" >> "$PIP_LOG"
"""
FAKE_PYTHON3 = f"""#!/bin/sh
# python3 -m venv .venv
mkdir -p .venv/bin
cat > .venv/bin/python <<'EOF'
{FAKE_PYTHON}EOF
chmod +x .venv/bin/python
"""


@pytest.fixture
def repo(tmp_path):
    for name in ("requirements.in", "requirements-dev.in", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "bin").mkdir()
    shutil.copy(ROOT / "bin" / "install", tmp_path / "bin" / "install")
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "python3").write_text(FAKE_PYTHON3)
    (tools / "python3").chmod(0o755)
    return tmp_path


def install(repo: Path, *args: str, version: str = "3.11.7") -> list[str]:
    """Run bin/install; return the pip commands it ran."""
    log = repo / "pip.log"
    log.unlink(missing_ok=True)
    env = {"PATH": f"{repo / 'tools'}:/usr/bin:/bin", "PIP_LOG": str(log), "FAKE_VERSION": version}
    subprocess.run([str(repo / "bin" / "install"), *args], cwd=repo, env=env, check=True)  # noqa: S603 - our own script
    return log.read_text().splitlines() if log.exists() else []


def installs_requirements(calls: list[str]) -> bool:
    return any("install --quiet -r requirements.in" in call for call in calls)


def test_a_new_venv_gets_the_requirements_then_a_second_run_installs_nothing(repo):
    assert installs_requirements(install(repo))
    assert install(repo) == []


def test_changed_requirements_or_constraints_install_again(repo):
    install(repo)
    with (repo / "requirements.in").open("a") as requirements:
        requirements.write("rich\n")
    assert installs_requirements(install(repo))
    assert install(repo) == []
    with (repo / "constraints.txt").open("a") as constraints:
        constraints.write("rich==13.0.0\n")
    assert installs_requirements(install(repo))


def test_another_python_version_installs_again(repo):
    install(repo)
    assert installs_requirements(install(repo, version="3.12.1"))


def test_dev_tools_are_installed_once_and_cover_the_plain_install(repo):
    install(repo)
    calls = install(repo, "--dev")
    assert any("-r requirements.in -r requirements-dev.in" in call for call in calls)
    assert install(repo, "--dev") == []
    assert install(repo) == []


def test_a_removed_venv_installs_again(repo):
    install(repo)
    shutil.rmtree(repo / ".venv")
    assert installs_requirements(install(repo))


def test_a_failed_install_leaves_no_stamp_so_the_next_run_tries_again(repo):
    (repo / "tools" / "python3").write_text(FAKE_PYTHON3.replace('>> "$PIP_LOG"', '>> "$PIP_LOG"; exit 1'))
    with pytest.raises(subprocess.CalledProcessError):
        install(repo)
    assert not list((repo / ".venv").glob(".installed-*"))
