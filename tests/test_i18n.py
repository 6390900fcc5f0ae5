from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["home", "login", "signup", "password_reset"]


@pytest.mark.parametrize("name", PAGES)
def test_pages_are_in_simplified_chinese_by_default(client, name):
    page = client.get(reverse(name)).content.decode()

    assert 'lang="zh-CN"' in page
    assert "催收投诉" in page


@pytest.mark.parametrize("name", PAGES)
def test_pages_switch_to_english(client, name):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = client.get(reverse(name)).content.decode()

    assert 'lang="en"' in page
    assert "Collection Complaints" in page
    assert "催收投诉" not in page


def test_the_language_switch_refuses_an_offsite_next(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_home_tells_a_borrower_what_to_do(client):
    page = client.get(reverse("home")).content.decode()

    assert reverse("complaints:create") in page
    assert "提交投诉" in page


def _entries(po: Path):
    """(msgid, msgstr, fuzzy) of each entry, joined across continuation lines."""
    entries, current, fuzzy, field = [], {}, False, None
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                entries.append((current["msgid"], current.get("msgstr", ""), fuzzy))
            current, fuzzy, field = {}, False, None
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgid "):
            field = "msgid"
            current[field] = line[6:].strip('"')
        elif line.startswith("msgid_plural "):
            field = "msgid_plural"
        elif line.startswith("msgstr"):
            field = "msgstr"
            current[field] = current.get(field, "") + line.split(" ", 1)[1].strip('"')
        elif line.startswith('"') and field in ("msgid", "msgstr"):
            current[field] = current.get(field, "") + line.strip('"')
    return entries


def test_every_string_has_a_chinese_translation():
    po = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

    untranslated = [msgid for msgid, msgstr, fuzzy in _entries(po) if fuzzy or not msgstr]

    assert untranslated == []


def test_the_catalogue_holds_every_string_of_the_sources_as_they_are_now(tmp_path, monkeypatch):
    """A source string edited without refreshing the catalogue shows in English: the old
    entry still compiles and nothing else notices. Extract the sources again, in a copy of
    the project (makemessages writes to the locale folder it finds beside the sources); a
    string that comes out new, fuzzy or empty was missed."""
    from django.core.management import call_command

    copy = tmp_path / "project"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "var", "node_modules", "__pycache__", "*.mo", "vendor"
        ),
    )
    monkeypatch.chdir(copy)
    monkeypatch.setattr(settings, "LOCALE_PATHS", [str(copy / "locale")])

    call_command(
        "makemessages",
        locale=["zh_Hans"],
        ignore_patterns=["node_modules"],
        no_obsolete=True,
        add_location="file",
        verbosity=0,
    )

    missed = [
        msgid
        for msgid, msgstr, fuzzy in _entries(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
        if fuzzy or not msgstr
    ]
    assert missed == [], "run `make makemessages` and translate these"
