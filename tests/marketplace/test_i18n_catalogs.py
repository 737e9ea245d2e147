"""`make test` fails when a message catalog is out of date, a string lacks its fr-CA or zh-Hant
translation, or a committed .mo file is not the compiled .po (README "Languages").

The catalogs are regenerated exactly as a developer would (``manage.py makemessages``) in a
copy of the source tree, and compared with the committed ones; gettext comes from Debian
(``.ci/run`` installs it)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LOCALES = ["fr_CA", "zh_Hant"]
IGNORED = [".venv", ".git", "var", "tests", "bench", "loadtest", "staticfiles", "node_modules", "scripts"]
MAKEMESSAGES = [sys.executable, "manage.py", "makemessages", *[f"-l{x}" for x in LOCALES], "--no-location"]
MAKEMESSAGES += ["--no-obsolete", *[f"--ignore={x}/*" for x in IGNORED]]


def _po(locale: str, root: Path = ROOT) -> Path:
    return root / "locale" / locale / "LC_MESSAGES" / "django.po"


def _comparable(text: str) -> str:
    return re.sub(r'^"POT-Creation-Date: .*\n', "", text, flags=re.M)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        pytest.fail("gettext is not installed (apt-get install gettext; .ci/run does it)")
    copy = tmp_path_factory.mktemp("catalogs") / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*IGNORED, "__pycache__", "*.mo"))
    subprocess.run(MAKEMESSAGES, cwd=copy, check=True, capture_output=True)
    return copy


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_catalog_is_up_to_date(locale, regenerated):
    assert _po(locale).exists(), f"run: {' '.join(MAKEMESSAGES[1:])}"
    assert _comparable(_po(locale, regenerated).read_text()) == _comparable(_po(locale).read_text()), (
        f"locale/{locale} is out of date: run `{' '.join(MAKEMESSAGES[1:])}`, translate, then compilemessages"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_is_translated(locale):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(_po(locale))], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, f"{locale}: {result.stderr}"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_mo_is_the_compiled_po(locale, tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(_po(locale))], check=True)
    committed = _po(locale).with_suffix(".mo")
    assert committed.exists() and committed.read_bytes() == compiled.read_bytes(), (
        f"locale/{locale}: run `python manage.py compilemessages` and commit the .mo"
    )
