"""Template bombs: small templates that ask for gigabytes or minutes are stopped, with a message
naming the limit, by the validator on save, the editor's preview and the dispatcher."""

import pytest
from django.core import mail
from django.template import Context, Engine
from django.test import override_settings
from django.utils import translation

from core.scoping import merchant_scope
from flows.content import freeze, sample_context
from flows.defaults import default_flow_specs
from flows.dispatcher import dispatch_due
from flows.models import FlowSettings, MessageStatus, ScheduledMessage, StepTemplate
from flows.rendering import compose, render_source, template_problems
from flows.services import default_flows_install
from flows.template_limits import MAX_NESTING, TemplateLimitError
from tests.factories import LineItemFactory, OrderFactory

from .helpers import record
from .test_dashboard import flows, step_post  # noqa: F401 - `flows` is a fixture
from .test_dispatcher import NOW, at

# Words of each limit's message, in English and in French.
TEXT = ("characters of text", "caractères de texte")
ITEMS = ("list of more than", "liste de plus de")
TURNS = ("loops of this template run more than", "boucles de ce modèle tournent plus de")
NESTING = ("nested more than", "imbriquées sur plus de")
LENGTH = ("too long", "trop long")
TIME = ("takes more than 1 second", "prend plus de 1 seconde")


def _slow_template() -> str:
    """A thousand loop turns, each running filters over a 170,000-character string: small, quiet and slow."""
    sentence = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 95
    digits = '"0123456789"'
    return (
        f'{{% with a="{sentence}" %}}'
        + "{% with a=a|add:a %}" * 5
        + f"{{% for x in {digits} %}}{{% for y in {digits} %}}{{% for z in {digits} %}}"
        + "{{ a|title|slugify|length }}"
        + "{% endfor %}" * 3
        + "{% endwith %}" * 6
    )


BOMBS = {
    # The reported one: 25 nested {% with %} doubling a string with `add`.
    "with_add_25_deep": ('{% with a="0123456" %}' + "{% with a=a|add:a %}" * 25 + "{{ a }}" + "{% endwith %}" * 26, NESTING),
    "with_add_doubling": ('{% with a="' + "x" * 1000 + '" %}' + "{% with a=a|add:a %}" * 9 + "{{ a|length }}" + "{% endwith %}" * 10, TEXT),
    "add_chain": ('{% with a="' + "x" * 5000 + '" %}{{ a' + "|add:a" * 60 + "|length }}{% endwith %}", TEXT),
    "list_growth": ("{% with l=order.items %}" + "{% with l=l|add:l|add:l|add:l %}" * 8 + "{{ l|length }}" + "{% endwith %}" * 9, ITEMS),
    "join_squares": ('{% with a="' + "x" * 1000 + '" %}{{ a|join:a|length }}{% endwith %}', TEXT),
    "stringformat_width": ('{{ 1|stringformat:"0999999999d"|length }}', TEXT),
    "floatformat_precision": ('{{ "1.5"|floatformat:"999999"|length }}', TEXT),
    "escaping_multiplies": ('{{ "' + "&" * 45000 + '"|force_escape|length }}', TEXT),
    "printed_repeatedly": ('{% with a="' + "x" * 20000 + '" %}' + "{{ a }}" * 20 + "{% endwith %}", TEXT),
    "literal_in_a_loop": ('{% for c in "0123456789" %}' + "x" * 40000 + "{% endfor %}", TEXT),
    # The reported one: seven nested loops.
    "nested_for_loops": ('{% with s="abcdefghij" %}' + "".join(f"{{% for x{i} in s %}}" for i in range(7)) + "." + "{% endfor %}" * 7 + "{% endwith %}", TURNS),
    "long_loop": ('{% for c in "' + "x" * 20000 + '" %}.{% endfor %}', TURNS),
    "deep_tags": ("{% if True %}" * 400 + "x" + "{% endif %}" * 400, NESTING),
    "deep_not": ("{% if " + "not " * 3000 + "False %}x{% endif %}", NESTING),
    "huge_template": ("x" * 60_000, LENGTH),
    # Django swallows errors inside {% if %} conditions: the limit stays passed all the same.
    "limit_in_condition": ('{% if 1|stringformat:"0999999d" %}x{% endif %}after', TEXT),
    "slow": (_slow_template(), TIME),
}  # fmt: skip


def time_limit_for(words):
    """Only the slow template is meant to meet the time limit: the others stop at their own limit
    even on a machine busy enough to slow them tenfold."""
    return override_settings(FLOWS_TEMPLATE_RENDER_SECONDS=1 if words is TIME else 30)


@pytest.fixture
def sample(merchant):
    return sample_context(merchant=merchant, language="en", flow_settings=FlowSettings(merchant=merchant))


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "words"), BOMBS.values(), ids=BOMBS.keys())
def test_saving_a_bomb_is_refused_on_the_field(staff_client, merchant, flows, source, words):  # noqa: F811
    journey, welcome = flows
    with merchant_scope(merchant):
        before = welcome.templates.get(language="en").html_body
        data = step_post(welcome, **{"en-html_body": source})

    with time_limit_for(words):
        response = staff_client.post(f"/app/flows/{journey.pk}/steps/{welcome.pk}/", data)

    assert response.status_code == 400
    errors = response.context["template_forms"]["en"].errors["html_body"]
    assert words[0] in errors[0]
    with merchant_scope(merchant):
        assert welcome.templates.get(language="en").html_body == before


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "words"), BOMBS.values(), ids=BOMBS.keys())
def test_the_preview_of_a_bomb_shows_the_limit_instead(staff_client, merchant, flows, source, words):  # noqa: F811
    journey, welcome = flows
    with merchant_scope(merchant):
        data = step_post(welcome, action="preview", preview_language="en", **{"en-html_body": source})

    with time_limit_for(words):
        response = staff_client.post(
            f"/app/flows/{journey.pk}/steps/{welcome.pk}/", data, headers={"X-Preview-Fragment": "1"}
        )

    assert response.status_code == 400
    content = response.content.decode()
    assert 'role="alert"' in content and "EN · HTML body: " in content and words[0] in content
    assert "srcdoc=" not in content


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "words"), BOMBS.values(), ids=BOMBS.keys())
def test_the_dispatcher_does_not_send_a_bomb_and_says_why(merchant, source, words):
    """A template saved before the limits existed: its messages fail, the shop's others still go."""
    with at(NOW), merchant_scope(merchant):
        default_flows_install(merchant=merchant)
        StepTemplate.objects.filter(step__key="order-confirmation", language="fr").update(html_body=source)
        orders = {
            language: OrderFactory(merchant=merchant, placed_at=NOW, language=language) for language in ("fr", "en")
        }
        for order in orders.values():
            LineItemFactory(order=order)
            record(merchant, "order.created", order)

    with at(NOW), time_limit_for(words):
        stats = dispatch_due()

    assert (stats.sent, stats.failed) == (1, 1)
    assert [m.to[0] for m in mail.outbox] == [orders["en"].email]
    with merchant_scope(merchant):
        failed = ScheduledMessage.objects.get(status=MessageStatus.FAILED)
    # In the shop's language (French here), naming the part of the template.
    assert failed.order_id == orders["fr"].pk
    assert failed.last_error.startswith("Rendering failed (html_body): ") and words[1] in failed.last_error


@pytest.mark.django_db
def test_the_preview_keeps_the_limits_with_its_own_data(staff_client, merchant, flows, sample):  # noqa: F811
    """The preview's links are real signed ones, four times longer than the sample's the validator
    reads: loops over them pass on save and stop in the preview, which says why."""
    journey, welcome = flows
    source = "{% for a in links.unsubscribe %}{% for b in links.unsubscribe %}.{% endfor %}{% endfor %}"
    assert template_problems(source, sample=sample, html_mode=True) == []
    with merchant_scope(merchant):
        data = step_post(welcome, action="preview", preview_language="en", **{"en-html_body": source})

    response = staff_client.post(
        f"/app/flows/{journey.pk}/steps/{welcome.pk}/", data, headers={"X-Preview-Fragment": "1"}
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "EN · HTML body: " in content and TURNS[0] in content and "srcdoc=" not in content


@pytest.mark.django_db
def test_send_me_a_test_of_a_bomb_says_why_and_sends_nothing(staff_client, merchant, flows):  # noqa: F811
    journey, welcome = flows
    with merchant_scope(merchant):
        welcome.templates.filter(language="en").update(html_body=BOMBS["join_squares"][0])

    response = staff_client.post(f"/app/flows/{journey.pk}/steps/{welcome.pk}/test/", {"language": "en"}, follow=True)

    assert mail.outbox == []
    assert any(TEXT[0] in str(message) for message in response.context["messages"])


@pytest.mark.parametrize(("part", "plain_text_only"), [("subject", False), ("html_body", False), ("text_body", True)])
def test_compose_names_the_part_past_a_limit(merchant, part, plain_text_only):
    template = StepTemplate(language="en", subject="Hi", preheader="", html_body="<p>Hi</p>", text_body="Hi")
    setattr(template, part, BOMBS["stringformat_width"][0])
    context = {"shop": {"name": "Shop"}, "links": {"preferences": "https://p", "unsubscribe": "https://u"}}
    with pytest.raises(TemplateLimitError) as raised:
        compose(
            template=template,
            context=context,
            merchant=merchant,
            plain_text_only=plain_text_only,
            marketing=False,
            language="en",
        )
    assert raised.value.field == part and TEXT[0] in str(raised.value)


@pytest.mark.django_db
def test_nesting_is_allowed_up_to_the_limit(sample):
    def nested(depth):
        return "{% if True %}" * depth + "{{ customer.first_name }}" + "{% endif %}" * depth

    assert template_problems(nested(MAX_NESTING), sample=sample, html_mode=True) == []
    [problem] = template_problems(nested(MAX_NESTING + 1), sample=sample, html_mode=True)
    assert NESTING[0] in problem


@pytest.mark.django_db
def test_limits_are_named_in_french(sample):
    with translation.override("fr"):
        for source, words in (BOMBS["join_squares"], BOMBS["nested_for_loops"], BOMBS["deep_tags"]):
            [problem] = template_problems(source, sample=sample, html_mode=True)
            assert words[1] in problem, problem


def test_templates_read_data_and_call_no_methods():
    """`tabs.expandtabs` would make a string eight times longer without any filter."""
    data = freeze({"tabs": "\t" * 100, "groups": [{"k": "a"}, {"k": "b"}, {"k": "b"}]})
    assert render_source("{{ tabs.expandtabs|length }}|{{ tabs.0|length }}", data, html_mode=False) == "0|1"
    regrouped = (
        "{% with g=groups %}{% regroup g by k as by_k %}"
        "{% for group in by_k %}{{ group.grouper }}{{ group.list|length }}{% endfor %}{% endwith %}"
    )
    assert render_source(regrouped, data, html_mode=False) == "a1b2"


@pytest.mark.django_db
def test_default_templates_render_as_djangos_own_engine_renders_them(sample):
    """The limits change nothing for ordinary templates: same output as an unbounded engine."""
    data = freeze(sample)
    parts = [
        (content.get(name, ""), name == "html")
        for _flow, steps in default_flow_specs()
        for step in steps
        for content in step["templates"].values()
        for name in ("subject", "preheader", "html", "text")
    ]
    for source, html_mode in parts:
        unbounded = Engine(autoescape=html_mode).from_string(source).render(Context(data, autoescape=html_mode))
        assert render_source(source, data, html_mode=html_mode) == unbounded
    assert len([source for source, _html in parts if source]) > 30
