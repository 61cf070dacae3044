"""The French catalogues: every message translated, French typography, and one translation per message.

Django merges every app's catalogue (LOCALE_PATHS first, then apps in INSTALLED_APPS order): when two
catalogues translate the same message differently, the first silently wins everywhere, which is how a
column label ("Shipped" → "Expédié le") ended up as a step of the tracking page. A message with two
meanings needs a context (pgettext, {% translate "…" context "…" %}).
"""

import re
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(p for p in ROOT.glob("**/locale/fr/LC_MESSAGES/django.po") if ".venv" not in p.parts)
NARROW_OR_NBSP = "\u00a0\u202f"
# Code shown inside a French sentence keeps its own punctuation: <code>…</code> and JSON examples.
CODE = re.compile(r"<code>.*?</code>|\{.*\}", re.S)


def messages(path: Path):
    with path.open("rb") as handle:
        for message in read_po(handle):
            if message.id:
                yield message


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def msgid(message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def typography_faults(text: str) -> list[str]:
    """A plain space, or no space, before : ? ! ; (French wants a non-breaking one)."""
    text = CODE.sub("", text)
    faults = []
    for match in re.finditer(r"[:?!;]", text):
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end() : match.end() + 1]
        if before in NARROW_OR_NBSP:
            continue
        if before == " " or (before.isalpha() and after in ("", " ", "\n", "<", '"', "»")):
            faults.append(text[max(0, match.start() - 20) : match.end()])
    return faults


def test_the_catalogues_are_found():
    assert {p.relative_to(ROOT).parts[0] for p in CATALOGUES} >= {"locale", "orders", "tracking", "flows"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_is_translated_and_not_fuzzy(path):
    missing = [msgid(m) for m in messages(path) if m.fuzzy or not all(strings(m))]
    assert missing == [], f"{path}: untranslated or fuzzy"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_plurals_follow_french_rules(path):
    # Without the header gettext falls back to English plurals: "0 points" where French says "0 point".
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in path.read_text(), f"{path}: no French Plural-Forms"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_french_punctuation_has_a_non_breaking_space_before_it(path):
    faults = [fault for m in messages(path) for text in strings(m) for fault in typography_faults(text)]
    assert faults == [], f"{path}: use U+00A0 or U+202F before : ? ! ;"


def test_a_message_has_one_translation_across_catalogues():
    seen = defaultdict(dict)
    for path in CATALOGUES:
        for message in messages(path):
            seen[message.context, msgid(message)][str(path.relative_to(ROOT))] = strings(message)[0]
    clashes = {key: found for key, found in seen.items() if len(set(found.values())) > 1}
    assert clashes == {}, "give each meaning its own context"


TEMPLATES = sorted(
    p for p in ROOT.glob("**/templates/**/*") if p.suffix in (".html", ".txt") and ".venv" not in p.parts
)


def test_no_template_puts_punctuation_after_a_translated_label():
    """`{% translate "Total" %}:` gives "Total:" in French too: the colon belongs in the message."""
    after_label = re.compile(r"""\{%\s*translate\s+(["'])[^"']*\1[^%]*%\}[:?!;]""")
    found = [str(p.relative_to(ROOT)) for p in TEMPLATES if after_label.search(p.read_text(encoding="utf-8"))]
    assert found == []


def test_the_typography_check_catches_what_it_should():
    assert typography_faults("Total : 3 €") == ["Total :"]
    assert typography_faults("Une question?") == ["Une question?"]
    assert typography_faults("Total\u00a0: 3 €, vraiment\u202f!") == []
    assert typography_faults("<code>Authorization: Bearer</code> 10:30 https://x") == []


TRANSLATE_TAG = re.compile(r"""\{%\s*trans(?:late)?\s+(["'])(.+?)\1(?:\s+context\s+(["'])(.+?)\3)?""")


def template_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every `{% translate "…" %}` in our templates."""
    found = set()
    for path in TEMPLATES:
        for match in TRANSLATE_TAG.finditer(path.read_text(encoding="utf-8")):
            found.add((match.group(4), match.group(2)))
    return found


def test_every_label_our_templates_translate_is_in_our_catalogues():
    # Else Django's own catalogue answers for it, with its words: "Filter" became the noun "Filtre".
    ours = {(message.context, msgid(message)) for path in CATALOGUES for message in messages(path)}
    missing = sorted(f"{context or ''}|{text}" for context, text in template_messages() - ours)
    assert missing == [], "run makemessages in the app (or give the label a context) and translate"


def test_the_template_message_check_reads_contexts():
    text = '{% translate "Filter" context "button" %} {% trans \'Save\' %}'
    assert {(m.group(4), m.group(2)) for m in TRANSLATE_TAG.finditer(text)} == {("button", "Filter"), (None, "Save")}


def test_the_running_app_says_what_our_catalogues_say():
    # Django merges catalogues and an installed app listed before ours (the admin) wins: its "Filter"
    # is the noun "Filtre" where our button says "Filtrer". A message another catalogue translates
    # otherwise needs a context of ours.
    from django.utils import translation

    overridden = []
    with translation.override("fr"):
        for path in CATALOGUES:
            for message in messages(path):
                if isinstance(message.id, tuple):
                    said = (
                        translation.npgettext(message.context, *message.id, 1)
                        if message.context
                        else translation.ngettext(*message.id, 1)
                    )
                else:
                    said = (
                        translation.pgettext(message.context, message.id)
                        if message.context
                        else translation.gettext(message.id)
                    )
                if said != strings(message)[0]:
                    overridden.append(f"{msgid(message)!r}: {said!r}, not {strings(message)[0]!r}")
    assert overridden == [], "\n".join(overridden)


# --- The typographic apostrophe ----------------------------------------------------------------------------

# Markup and template code keep their quotes: <a href='…'>, {% if x == 'y' %}, {{ v|default:'…' }}.
MARKUP = re.compile(r"<[^>]*>|\{%.*?%\}|\{\{.*?\}\}", re.S)


def straight_apostrophes(text: str) -> list[str]:
    """French writes l’avis, not l'avis: each straight apostrophe outside markup, with its context."""
    prose = MARKUP.sub(" ", CODE.sub(" ", text))
    return [prose[max(0, m.start() - 15) : m.end() + 15] for m in re.finditer("'", prose)]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_french_messages_use_the_typographic_apostrophe(path):
    faults = [fault for m in messages(path) for text in strings(m) for fault in straight_apostrophes(text)]
    assert faults == [], f"{path}: write ’ (U+2019), not '"


def french_default_texts():
    """(where, text) of every French name and email the shops get by default, every app's included."""
    from flows.defaults import default_flow_specs

    for flow, steps in default_flow_specs():
        yield flow["key"], flow["name"]["fr"]
        for step in steps:
            yield f"{flow['key']}/{step['key']}", step["name"]["fr"]
            for field, text in step["templates"]["fr"].items():
                yield f"{flow['key']}/{step['key']}/{field}", text


def test_the_default_french_emails_use_the_typographic_apostrophe():
    faults = [f"{where}: {fault}" for where, text in french_default_texts() for fault in straight_apostrophes(text)]
    assert faults == [], "write ’ (U+2019), not '"


def test_the_apostrophe_check_catches_what_it_should():
    assert straight_apostrophes("C'est l’heure") == ["C'est l’heure"]
    assert straight_apostrophes("<a href='x'>L’avis</a> {% if a == 'b' %}{{ v|default:'z' }}{% endif %}") == []
