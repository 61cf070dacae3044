"""Merchant templates are untrusted: validated when saved, rendered in a sandbox with plain data."""

from datetime import UTC, datetime, time

import pytest

from flows.content import freeze, sample_context
from flows.models import FlowSettings, FlowStep
from flows.rendering import html_to_text, render_source, template_problems, track_links
from flows.scheduling import due_time


@pytest.fixture
def sample(merchant):
    return sample_context(merchant=merchant, language="en", flow_settings=FlowSettings(merchant=merchant))


@pytest.mark.django_db
def test_a_good_template_has_no_problem(sample):
    source = (
        "Hi {{ customer.first_name }}, {% for item in order.items %}{{ item.title }}{% endfor %} {{ shop.name|upper }}"
    )
    assert template_problems(source, sample=sample, html_mode=True) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% for item in order.items %}{{ item.title }}", "syntax error"),
        ("{{ }}", "syntax error"),
        ("{% if %}x{% endif %}", "syntax error"),
        ("{{ customer.nickname }}", "Unknown variable: customer.nickname"),
        ("{{ cutsomer.first_name }}", "Unknown variable: cutsomer.first_name"),
        ("{% if coupon %}{{ coupon }}{% endif %}", "Unknown variable: coupon"),
        ("{% if True %}{% else %}{{ order.secret }}{% endif %}", "Unknown variable: order.secret"),
        ("{{ order.__class__ }}", "syntax error"),
        ("{{ order.items.0.__dict__ }}", "syntax error"),
        ("{% load static %}", "syntax error"),
        ("{% include 'base.html' %}", "syntax error"),
        ("{% extends 'base.html' %}", "syntax error"),
        ("{% debug %}", "syntax error"),
        ("{% url 'home' %}", "syntax error"),
        ("{{ customer.first_name|safe }}", "syntax error"),
        ("{% autoescape off %}{{ customer.first_name }}{% endautoescape %}", "syntax error"),
        ("{{ customer.first_name|ljust:'99999999' }}", "syntax error"),
    ],
)
def test_bad_templates_are_refused_with_a_reason(sample, source, expected):
    problems = template_problems(source, sample=sample, html_mode=True)
    assert problems and expected in problems[0].lower().replace("unknown", "Unknown"), problems


@pytest.mark.django_db
def test_unknown_variable_message_lists_what_is_available(sample):
    [problem] = template_problems("{{ customer.nickname }}", sample=sample, html_mode=False)
    assert "customer.first_name" in problem and "order.items (title" in problem


def test_templates_cannot_mutate_or_reach_beyond_plain_data():
    data = freeze({"customer": {"first_name": "Ana"}, "order": {"items": [{"title": "A"}]}})
    assert (
        render_source("{{ customer.clear }}{{ order.items.pop }}{{ customer.first_name }}", data, html_mode=True)
        == "Ana"
    )
    assert render_source("{{ customer.first_name }}", data, html_mode=True) == "Ana"


def test_customer_data_is_escaped_in_html_but_not_in_text():
    data = freeze({"customer": {"first_name": "<script>x</script> & Co"}})
    assert render_source("{{ customer.first_name }}", data, html_mode=True) == "&lt;script&gt;x&lt;/script&gt; &amp; Co"
    assert render_source("{{ customer.first_name }}", data, html_mode=False) == "<script>x</script> & Co"


def test_text_alternative_keeps_links_and_paragraphs():
    text = html_to_text(
        '<h1>Hi</h1><p>Read <a href="https://shop.example.com/a?x=1&amp;y=2">the guide</a></p><ul><li>One</li></ul>'
    )
    assert text == "Hi\n\nRead the guide (https://shop.example.com/a?x=1&y=2)\n\n- One"


def test_only_links_to_the_shops_domains_are_tracked():
    markup = '<a href="https://shop.example.com/p">a</a> <a href="https://www.shop.example.com/q">b</a> <a href="https://evil.example.net/">c</a>'
    tracked = track_links(markup, wrap=lambda url: f"https://us/c/{url}", domains=["shop.example.com"])
    assert 'href="https://us/c/https://shop.example.com/p"' in tracked
    assert 'href="https://us/c/https://www.shop.example.com/q"' in tracked
    assert 'href="https://evil.example.net/"' in tracked


def test_links_are_checked_by_origin_as_by_the_whole_url():
    """track_links checks a link's origin (cached) instead of the whole URL: the verdict must be the same."""
    import random

    from flows.rendering import _allowed_link_cached, _origin, allowed_link

    domains = ("shop.example.com", "example.org")
    urls = [
        "https://shop.example.com/p/1?x=2#y",
        "https://shop.example.com?x=/evil.com",
        "https://shop.example.com#/evil.com",
        "https://evil.com/shop.example.com",
        "https://shop.example.com@evil.com/",
        "https://evil.com@shop.example.com/",
        "https://shop.example.com:8443/x",
        "https://sub.shop.example.com",
        "https://notshop.example.com/",
        "http://EXAMPLE.ORG/Path",
        "https://shop.example.com\\@evil.com/",
        "https://sho\tp.example.com/x",
        "https://",
        "https:///path",
    ]
    rng = random.Random(7)
    pieces = ["shop.example.com", "evil.com", "example.org", "/", "?", "#", "@", ":80", ".", "\\", "a", "\t"]
    urls += ["https://" + "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    for url in urls:
        assert _allowed_link_cached(_origin(url), domains) == allowed_link(url, list(domains)), url


def test_links_are_found_whatever_the_case_of_href_and_other_urls_are_left_alone():
    markup = (
        '<a HREF="HTTPS://shop.example.com/a?x=1&amp;y=2">a</a> <img src="https://shop.example.com/i.png">'
        ' <a title="https://shop.example.com/t" href="https://shop.example.com/b">b</a>'
    )
    tracked = track_links(markup, wrap=lambda url: f"https://us/c/{url}", domains=["shop.example.com"])
    assert 'HREF="https://us/c/HTTPS://shop.example.com/a?x=1&amp;y=2"' in tracked
    assert 'src="https://shop.example.com/i.png"' in tracked
    assert 'title="https://shop.example.com/t"' in tracked
    assert 'href="https://us/c/https://shop.example.com/b"' in tracked


@pytest.mark.parametrize(
    ("anchor", "days", "expected"),
    [
        # Paris, spring forward on 2025-03-30: J+2 at 15:00 local stays 15:00 local (13:00 UTC, not 14:00)
        (datetime(2025, 3, 28, 14, 0, tzinfo=UTC), 2, datetime(2025, 3, 30, 13, 0, tzinfo=UTC)),
        # placed 20:00 local: window pushes to the next day 10:00 local, after the change (08:00 UTC)
        (datetime(2025, 3, 27, 19, 0, tzinfo=UTC), 2, datetime(2025, 3, 30, 8, 0, tzinfo=UTC)),
        # fall back on 2025-10-26: 09:00 local is before the window -> 10:00 local = 09:00 UTC
        (datetime(2025, 10, 24, 7, 0, tzinfo=UTC), 2, datetime(2025, 10, 26, 9, 0, tzinfo=UTC)),
    ],
)
def test_send_window_across_daylight_saving_changes(anchor, days, expected):
    import zoneinfo

    step = FlowStep(delay_days=days, window_start=time(10, 0), window_end=time(18, 0))
    assert due_time(anchor_at=anchor, step=step, tz=zoneinfo.ZoneInfo("Europe/Paris")) == expected


def test_window_start_inside_the_spring_gap_moves_forward():
    import zoneinfo

    step = FlowStep(delay_days=1, window_start=time(2, 30), window_end=time(6, 0))
    due = due_time(anchor_at=datetime(2025, 3, 29, 0, 30, tzinfo=UTC), step=step, tz=zoneinfo.ZoneInfo("Europe/Paris"))
    assert due == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)  # 03:30 CEST: 02:30 does not exist that day


@pytest.mark.django_db
def test_composed_layout_escapes_per_email_values_and_styles_the_body(merchant):
    from types import SimpleNamespace

    from flows.content import shop_context
    from flows.rendering import compose

    template = SimpleNamespace(
        subject="Hi {{ customer.first_name }}",
        preheader="For {{ customer.first_name }}",
        html_body="<p>Hello {{ customer.first_name }}</p>",
        text_body="",
    )

    def render(first_name, language, shop_name):
        shop = {**shop_context(merchant), "name": shop_name}
        links = {"preferences": f"https://us.example/p/{first_name}/", "unsubscribe": "https://us.example/u/?a=1&b=2"}
        context = {"customer": {"first_name": first_name}, "shop": shop, "links": links}
        return compose(
            template=template,
            context=context,
            merchant=merchant,
            plain_text_only=False,
            marketing=True,
            language=language,
        )

    email = render("<b>Zoé</b>", "fr", "Maison & Co")
    assert "<b>Zoé</b>" not in email.html and "&lt;b&gt;Zoé&lt;/b&gt;" in email.html  # body, title and preheader
    assert email.html.count("&lt;b&gt;Zoé") == 4  # body, title, preheader and the preference link
    assert '<p style="margin: 0 0 16px 0;">Hello' in email.html  # the layout's `.content p` rule reached the body
    assert 'href="https://us.example/u/?a=1&amp;b=2"' in email.html
    assert "Se désinscrire" in email.html and "Maison &amp; Co" in email.html
    assert "flowsslot" not in email.html + email.text
    # The layout is rendered once per shop and language, never reused across them.
    other = render("Ann", "en", "Other Shop")
    assert "Unsubscribe" in other.html and "Other Shop" in other.html and "Maison" not in other.html
    assert "https://us.example/p/Ann/" in other.html and "Zoé" not in other.html


@pytest.mark.django_db
def test_html_part_of_a_long_email_is_not_quoted_printable(merchant):
    from types import SimpleNamespace

    from django.core.mail import EmailMultiAlternatives

    from flows.content import shop_context
    from flows.rendering import compose

    paragraph = "<p>" + "Merci encore d'avoir choisi notre boutique. " * 3 + "</p>"
    template = SimpleNamespace(subject="Merci", preheader="", html_body=paragraph * 30, text_body="")
    links = {"preferences": "https://us.example/p/t/", "unsubscribe": "https://us.example/u/t/"}
    context = {"shop": shop_context(merchant), "links": links}
    rendered = compose(
        template=template, context=context, merchant=merchant, plain_text_only=False, marketing=True, language="fr"
    )
    assert rendered.html.count("Merci encore") == 90
    email = EmailMultiAlternatives(subject="Merci", body=rendered.text, to=["zoe@example.org"])
    email.attach_alternative(rendered.html, "text/html")
    html_part = email.message().get_payload()[1]
    assert html_part["Content-Transfer-Encoding"] == "8bit"


@pytest.mark.parametrize(
    "markup",
    [
        '<h1>Ravis</h1><p>Bonjour Zoé,</p><p>Merci d&#x27;avoir choisi <b class="x">Maison &amp; Co</b>.</p>',
        '<p title="a>b">x</p><!-- c > d --><p>1 &lt; 2</p><br/><img src="a.png" alt=\'z\'>',
        "<p>1 < 2 and 3 > 2</p>",  # a bare "<": the parser decides
        "<<b>script>alert(1)<</b>/script>",
        "<p>Ben&Jerry &amp tea &#x;</p>",  # odd ampersands: the parser decides
        '<p a="unbalanced>x</p><!DOCTYPE html><?xml version="1.0"?>',
    ],
)
def test_text_alternative_strips_tags_as_django_does(markup):
    from django.utils.html import strip_tags

    from flows.rendering import _strip_tags

    assert _strip_tags(markup) == strip_tags(markup)


def test_text_alternative_strips_tags_as_django_does_on_random_markup():
    import random

    from django.utils.html import strip_tags

    from flows.rendering import _strip_tags

    pieces = ["<", ">", "p", " ", '"', "'", "/", "!", "-", "&", ";", "#", "x", "=", "é", "\n", "<!--", "-->"]
    pieces += ["<p>", "</p>", '<a href="x">', ' class="c"', "&amp;", "&#233;", "&lt;", "div"]
    rng = random.Random(5)
    for _ in range(3000):
        markup = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        assert _strip_tags(markup) == strip_tags(markup), markup


def test_squeezing_spaces_keeps_non_breaking_ones_on_random_text():
    import random
    import re

    from flows.rendering import _squeeze

    pieces = [" ", "  ", "\t", "\r", "\n", "\f", "\v", "\u00a0", "\u2028", "\x85", "a", "é", "Total", ":"]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        # The rule, as one substitution: runs of ASCII spaces and line breaks become one space.
        assert _squeeze(text) == re.sub(r"[ \t\r\n\f\v]+", " ", text).strip(), repr(text)
    assert _squeeze("Total\u00a0:  12\u00a0€ \n") == "Total\u00a0: 12\u00a0€"
