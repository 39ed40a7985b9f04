"""Interface languages: Simplified Chinese first (the msgids), English second (locale/en).

What a user notices: the site is Chinese unless the browser asks for English or the user picks
English with the switcher; every page then reads in English. What CI guards: every string in the
code is in the English catalogue, translated, not fuzzy, with the same placeholders, and the
compiled .mo (built by `make messages`) matches the .po.
"""

import ast
import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, override, pgettext

from certification.services.certificates import certificate_issue_training
from certification.templatetags.carecert_tags import NAV_LINKS
from tests.certification.builders import accredited_course, earn

BASE = Path(settings.BASE_DIR)
PO_PATH = BASE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
SOURCE_PACKAGES = ("cms", "certification", "lms")
SETLANG = "/i18n/setlang/"
PAGE = "/verify/unknown-code/"  # any page built on base.html; readable without signing in


def _text(response) -> str:
    return response.content.decode()


def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _active(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


# --- what a visitor sees --------------------------------------------------------------------


def test_the_default_interface_is_simplified_chinese(client, db):
    body = _text(client.get(PAGE))
    assert 'lang="zh-CN"' in body
    assert "托育从业人员培训认证" in body and "登录" in body and "未找到该证书" in body
    assert "Sign in" not in body and "Certificate not found" not in body


def test_a_browser_that_asks_for_english_gets_english(client, db):
    body = _text(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"))
    assert '<html lang="en">' in body
    assert "Childcare workforce training and certification" in body and "Sign in" in body
    assert "Certificate not found" in body and "Please check that the QR code" in body
    assert ">登录<" not in body and "托育从业人员培训认证" not in body


def test_a_browser_that_asks_for_an_unsupported_language_gets_chinese(client, db):
    body = _text(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9"))
    assert 'lang="zh-CN"' in body and "登录" in body


@pytest.fixture
def certificate(cast, orgs):
    course = accredited_course(orgs.base)
    earn(cast.worker, course, orgs.base)
    return certificate_issue_training(
        actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
    )


def test_choosing_english_with_the_switcher_translates_the_verify_page(client, certificate):
    url = reverse("certification:verify", args=[certificate.verification_code])
    chinese = _text(client.get(url))
    assert "<h1>证书验证</h1>" in chinese and "证书编号" in chinese

    response = client.post(SETLANG, {"language": "en", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    english = _text(client.get(url))
    assert "<h1>Certificate verification</h1>" in english
    assert "Certificate number" in english and "Valid" in english and "Training course" in english
    assert "证书验证" not in english and "证书编号" not in english
    assert certificate.serial in english

    client.post(SETLANG, {"language": "zh-hans", "next": url})
    assert "<h1>证书验证</h1>" in _text(client.get(url))


def test_the_choice_is_remembered_over_the_browser_language(client, db):
    client.post(SETLANG, {"language": "en", "next": PAGE})
    body = _text(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"))
    assert "Sign in" in body


def test_the_switcher_refuses_an_unknown_language_and_an_off_site_next(client, db):
    response = client.post(SETLANG, {"language": "fr", "next": PAGE})
    assert response.status_code == 302
    assert "登录" in _text(client.get(PAGE))
    response = client.post(SETLANG, {"language": "en", "next": "https://evil.example/x"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_every_page_offers_the_switcher_with_the_current_language_marked(client, db):
    body = _text(client.get(PAGE))
    form = re.search(
        r'<form class="lang-switch[^"]*" action="([^"]+)" method="post"(.*?)</form>', body, re.S
    )
    assert form and form.group(1) == SETLANG
    buttons = dict(
        re.findall(r'<button type="submit" name="language" value="([^"]+)"([^>]*)>', form.group(2))
    )
    assert set(buttons) == {"zh-hans", "en"}
    assert "disabled" in buttons["zh-hans"] and "disabled" not in buttons["en"]
    assert 'name="csrfmiddlewaretoken"' in form.group(
        2
    ) and 'name="next" type="hidden"' in form.group(2)

    body = _text(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en"))
    form = re.search(r'<form class="lang-switch.*?</form>', body, re.S).group(0)
    assert "Language" in form and "简体中文" in form and "English" in form


def test_staff_navigation_is_translated(client, cast):
    client.force_login(cast.regulator)
    assert "监管看板" in _text(client.get(PAGE))
    body = _text(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Supervision dashboard" in body and "Ban register entry" in body
    assert "监管看板" not in body


# --- the catalogue --------------------------------------------------------------------------

PLACEHOLDER = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{\w*\}"
)


def _placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


def test_the_english_catalogue_exists_and_its_header_is_not_fuzzy():
    assert PO_PATH.exists(), "run `make makemessages` and translate locale/en"
    po = _catalogue()
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "en"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"


def test_every_english_entry_is_translated_and_not_fuzzy():
    po = _catalogue()
    fuzzy = [e.msgid for e in _active(po) if "fuzzy" in e.flags]
    untranslated = [e.msgid for e in _active(po) if not e.translated()]
    still_chinese = [
        e.msgid
        for e in _active(po)
        if any("\u4e00" <= ch <= "\u9fff" for ch in e.msgstr + "".join(e.msgstr_plural.values()))
    ]
    assert fuzzy == [], f"fuzzy entries in {PO_PATH}"
    assert untranslated == [], f"untranslated entries in {PO_PATH}"
    assert still_chinese == [], "English msgstr still contains Chinese characters"
    assert len(_active(po)) > 600


def test_placeholders_in_every_translation_match_the_msgid():
    mismatched = []
    for e in _active(_catalogue()):
        if e.msgid_plural:
            for n, text in e.msgstr_plural.items():
                source = e.msgid if n == 0 else e.msgid_plural
                if _placeholders(text) != _placeholders(source):
                    mismatched.append((e.msgid, text))
        elif _placeholders(e.msgstr) != _placeholders(e.msgid):
            mismatched.append((e.msgid, e.msgstr))
    assert mismatched == []


def test_plural_entries_have_every_form():
    po = _catalogue()
    assert "nplurals=2" in po.metadata["Plural-Forms"]
    for e in _active(po):
        if e.msgid_plural:
            assert set(e.msgstr_plural) == {0, 1} and all(e.msgstr_plural.values()), e.msgid


GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PGETTEXT = {"pgettext", "pgettext_lazy"}


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _python_msgids() -> set[tuple[str | None, str]]:
    """(msgctxt, msgid) of every gettext call with literal arguments in our packages."""
    found = set()
    for package in SOURCE_PACKAGES:
        for path in (BASE / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                    continue
                args = [_literal(a) for a in node.args]
                if node.func.id in GETTEXT and args and args[0] is not None:
                    found.add((None, args[0]))
                elif node.func.id in PGETTEXT and len(args) >= 2 and None not in args[:2]:
                    found.add((args[0], args[1]))
    return found


TRANSLATE_TAG = re.compile(r"""\{%\s*trans(?:late)?\s+(?:"([^"]*)"|'([^']*)')(.*?)%\}""")
CONTEXT = re.compile(r"""\bcontext\s+(?:"([^"]*)"|'([^']*)')""")
BLOCK_TAG = re.compile(
    r"\{%\s*blocktrans(?:late)?\b(.*?)%\}(.*?)\{%\s*endblocktrans(?:late)?\s*%\}", re.S
)


UNDERSCORE = re.compile(r'\b_\("([^"]+)"\)')


def _context(options: str) -> str | None:
    match = CONTEXT.search(options)
    return (match.group(1) or match.group(2)) if match else None


def _template_msgids() -> set[tuple[str | None, str]]:
    """(msgctxt, msgid) of every {% translate %} and simple {% blocktranslate %} in templates."""
    found = set()
    for path in [*(BASE / "templates").rglob("*.html"), *(BASE / "templates").rglob("*.txt")]:
        text = path.read_text(encoding="utf-8")
        for double, single, options in TRANSLATE_TAG.findall(text):
            found.add((_context(options), (double or single).replace("%", "%%")))
        for options, content in BLOCK_TAG.findall(text):
            if "count" in options or "{% plural" in content:
                continue  # plural blocks: covered by the translated/not-fuzzy checks
            if "trimmed" in options:
                content = " ".join(line.strip() for line in content.strip().splitlines())
            content = re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", content.replace("%", "%%"))
            found.add((_context(options), content))
        for literal in UNDERSCORE.findall(text):  # _("…") as a tag or filter argument
            found.add((None, literal.replace("%", "%%")))
    return found


def test_every_string_in_the_code_and_templates_is_in_the_english_catalogue():
    """A new {% translate %} or gettext() without `make makemessages` + translation fails here."""
    catalogue = {(e.msgctxt, e.msgid) for e in _active(_catalogue())}
    missing = sorted((_python_msgids() | _template_msgids()) - catalogue, key=str)
    assert missing == [], "run `make makemessages` and translate the new entries in locale/en"


def test_every_staff_navigation_label_is_translated():
    translated = {e.msgid for e in _active(_catalogue()) if e.translated()}
    labels = {label for links in NAV_LINKS.values() for _url, label in links}
    assert labels - translated == set(), "wrap new NAV_LINKS labels in gettext_noop()"


def test_the_compiled_catalogue_matches_the_po():
    assert MO_PATH.exists(), "run `make messages` to compile locale/*/LC_MESSAGES/django.mo"
    mo = polib.mofile(str(MO_PATH))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo if e.msgid and not e.msgid_plural}
    expected = {
        (e.msgctxt, e.msgid): e.msgstr
        for e in _active(_catalogue())
        if e.translated() and not e.msgid_plural
    }
    assert compiled == expected, "locale/en .mo is stale: run `make messages`"
    plurals = {e.msgid: e.msgstr_plural for e in mo if e.msgid_plural}
    assert plurals == {e.msgid: e.msgstr_plural for e in _active(_catalogue()) if e.msgid_plural}, (
        "locale/en .mo is stale: run `make messages`"
    )
    with override("en"):
        assert gettext("证书验证") == "Certificate verification"
        assert gettext("终身禁入") == "Lifetime ban"
        assert pgettext("导航", "课程") == "Courses" and gettext("课程") == "Course"
    with override("zh-hans"):
        assert gettext("证书验证") == "证书验证"


def test_several_messages_in_one_line_use_the_separator_of_the_language():
    from cms.text import join_messages

    with override("zh-hans"):
        assert join_messages(["缺少学时", "考核未通过"]) == "缺少学时；考核未通过"
    with override("en"):
        assert join_messages(["Hours missing", "Assessment not passed"]) == (
            "Hours missing; Assessment not passed"
        )
