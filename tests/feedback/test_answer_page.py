"""The answer page a score link opens: GET and HEAD never record, only the page's form does."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from core.scoping import merchant_scope
from feedback import page_cache
from feedback.links import SURVEY_MAX_AGE, invitation_token
from feedback.models import COMMENT_MAX, FollowUp, Invitation, Response, ResponseRevision
from feedback.services import invitation_opens_flush
from orders.models import OrderEvent
from tests.feedback.helpers import (
    CSAT_DUE,
    at,
    delivered_order,
    dispatch_at,
    invitation_of,
    score_links,
    survey_email,
)

pytestmark = pytest.mark.django_db
LATER = CSAT_DUE + timedelta(hours=2)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def answers(merchant) -> list[Response]:
    with merchant_scope(merchant):
        return list(Response.objects.all())


@pytest.fixture
def sent(merchant):
    """(order, the score links of its CSAT email), in English."""
    order = delivered_order(merchant, language="en")
    email = survey_email(dispatch_at(CSAT_DUE), "How was your order")
    return order, score_links(email)


def csrf_client():
    return Client(enforce_csrf_checks=True)


def submit(client, link: str, **fields):
    """What the person's browser does: show the page, then post its form with the CSRF token."""
    with at(LATER):
        client.get(path_of(link))
        token = client.cookies["csrftoken"].value
        return client.post(path_of(link), {"csrfmiddlewaretoken": token, **fields})


def test_the_email_holds_one_link_per_score_each_opening_the_page_with_it_chosen(merchant, sent):
    order, links = sent
    assert [urlsplit(link).query.rsplit("=", 1)[1] for link in links] == ["1", "2", "3", "4", "5"]
    with at(LATER):
        page = Client().get(path_of(links[3]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="4" checked' in html
    assert "How was your order?" in html and "What is the main reason for your score?" in html
    assert '<form method="post"' in html and "<script" not in html
    invitation = invitation_of(merchant, order)
    assert invitation.sent_at == CSAT_DUE and invitation.open_count == 1
    assert answers(merchant) == []


def test_scanner_get_and_head_storms_record_nothing(merchant, sent):
    order, links = sent
    scanner = Client(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/125.0")
    with at(CSAT_DUE + timedelta(seconds=3)):
        for _round in range(5):
            for link in links:
                assert scanner.head(path_of(link)).status_code == 200
                assert scanner.get(path_of(link)).status_code == 200
    assert answers(merchant) == []
    invitation = invitation_of(merchant, order)
    assert invitation.open_count == 25  # GETs are counted as opens, HEADs not: never as answers
    with merchant_scope(merchant):
        assert not OrderEvent.objects.filter(kind="survey.answered").exists()


def test_a_post_without_the_page_csrf_token_records_nothing(merchant, sent):
    _order, links = sent
    with at(LATER):
        refused = csrf_client().post(path_of(links[4]), {"score": "5"})
    assert refused.status_code == 403
    assert answers(merchant) == []


def test_submitting_the_page_records_the_answer_and_shows_thanks(merchant, sent):
    order, links = sent
    client = csrf_client()
    done = submit(client, links[4], score="5", comment="Parfait, merci !")
    assert done.status_code == 302 and "/thanks/" in done["Location"]
    [response] = answers(merchant)
    assert (response.score, response.comment, response.kind, response.order_id) == (
        5,
        "Parfait, merci !",
        "csat",
        order.pk,
    )
    assert response.first_answered_at == LATER
    with at(LATER):
        thanks = client.get(done["Location"])
    assert thanks.status_code == 200 and "Thank you for your answer" in thanks.content.decode()
    with merchant_scope(merchant):
        [event] = OrderEvent.objects.filter(kind="survey.answered")
    assert event.order_id == order.pk and event.payload["score"] == 5


def test_submitting_again_updates_the_answer_and_keeps_its_history(merchant, sent):
    _order, links = sent
    client = csrf_client()
    submit(client, links[1], score="2", comment="Late")
    submit(client, links[1], score="4", comment="Late, but the support was great")
    [response] = answers(merchant)
    assert (response.score, response.comment) == (4, "Late, but the support was great")
    with merchant_scope(merchant):
        history = list(ResponseRevision.objects.values_list("score", "comment"))
    assert history == [(2, "Late"), (4, "Late, but the support was great")]


def test_a_double_submit_changes_nothing_the_second_time(merchant, sent):
    _order, links = sent
    client = csrf_client()
    submit(client, links[2], score="3", comment="OK")
    submit(client, links[2], score="3", comment="OK")
    with merchant_scope(merchant):
        assert ResponseRevision.objects.count() == 1
        assert OrderEvent.objects.filter(kind="survey.answered").count() == 1


@pytest.mark.parametrize("score", ["6", "0", "-1", "abc", ""])
def test_a_score_outside_the_scale_is_refused_with_a_message(merchant, sent, score):
    _order, links = sent
    refused = submit(csrf_client(), links[0], score=score)
    assert refused.status_code == 400
    assert "Choose a score from 1 to 5." in refused.content.decode()
    assert answers(merchant) == []


def test_a_link_asking_a_score_outside_the_scale_shows_the_page_with_a_message(merchant, sent):
    _order, links = sent
    with at(LATER):
        page = Client().get(path_of(links[0]).replace("score=1", "score=9"))
    assert page.status_code == 400 and "Choose a score from 1 to 5." in page.content.decode()


def test_a_long_comment_is_refused_with_its_length_and_nothing_is_stored(merchant, sent):
    _order, links = sent
    refused = submit(csrf_client(), links[4], score="5", comment="a" * 10_000)
    assert refused.status_code == 400
    assert f"10000 characters long: please keep it under {COMMENT_MAX}" in refused.content.decode()
    assert answers(merchant) == []


def test_html_in_a_comment_is_stored_as_text_and_escaped(merchant, sent):
    _order, links = sent
    client = csrf_client()
    comment = '<script>alert("x")</script><b>bold</b>'
    submit(client, links[4], score="5", comment=comment)
    [response] = answers(merchant)
    assert response.comment == comment
    with at(LATER):
        page = client.get(path_of(links[4]))
    html = page.content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_a_tampered_link_opens_a_friendly_not_found_page(merchant, sent):
    _order, links = sent
    tampered = path_of(links[0]).replace("/survey/eyJ", "/survey/eyK")
    with at(LATER):
        page = Client().get(tampered)
        posted = Client().post(tampered, {"score": "1"})
    assert page.status_code == 404 and "This link is not valid" in page.content.decode()
    assert posted.status_code == 404
    assert answers(merchant) == []


def test_an_expired_link_says_the_survey_is_closed_and_records_nothing(merchant, sent):
    _order, links = sent
    with at(CSAT_DUE + SURVEY_MAX_AGE + timedelta(days=1)):
        page = Client().get(path_of(links[4]))
        posted = Client().post(path_of(links[4]), {"score": "5"})
    assert page.status_code == 410 and "This survey is closed" in page.content.decode()
    assert posted.status_code == 410
    assert answers(merchant) == []


def test_another_shops_link_is_not_found(merchant, other_merchant, sent):
    order, _links = sent
    invitation = invitation_of(merchant, order)
    forged = Invitation(pk=invitation.pk, merchant=other_merchant)  # the id of this shop's, signed for another
    with at(LATER):
        page = Client().get(f"/survey/{invitation_token(forged)}/?score=5")
    assert page.status_code == 404
    assert answers(merchant) == []


def test_a_link_opened_after_the_customer_was_erased_shows_a_friendly_page(merchant, sent):
    from orders import privacy

    order, links = sent
    with merchant_scope(merchant):
        subject = privacy.subject_for(merchant=merchant, emails=["camille@example.org"])
        privacy.personal_data_erase(subject=subject)
    with at(LATER):
        page = Client().get(path_of(links[4]))
    assert page.status_code == 410 and "erased" in page.content.decode()


def test_a_low_score_opens_a_needs_attention_item_and_records_the_detractor_event(merchant, sent):
    order, links = sent
    submit(csrf_client(), links[0], score="1", comment="Broken on arrival")
    submit(csrf_client(), links[0], score="2", comment="Broken on arrival!")
    with merchant_scope(merchant):
        [item] = FollowUp.objects.all()
        assert item.state == "new"
        assert OrderEvent.objects.filter(kind="survey.detractor", order=order).count() == 1


def test_french_page(merchant):
    delivered_order(merchant, language="fr")
    email = survey_email(dispatch_at(CSAT_DUE), "Comment s’est passée")
    links = score_links(email)
    with at(LATER):
        page = Client().get(path_of(links[2]))
    html = page.content.decode()
    assert page["Content-Language"] == "fr"
    assert "Comment s’est passée votre commande" in html or "Comment s&#x27;est passée votre commande" in html
    assert "Quelle est la raison principale de votre note" in html


def test_the_answer_page_runs_a_pinned_number_of_queries(merchant, sent, django_assert_num_queries):
    """One query the first time (the invitation with its shop, customer, order and any earlier answer;
    the shop's settings from the cache), none after: the page comes from the cache, the open goes to
    Redis. The bench's page (bench/survey_answer.py)."""
    _order, links = sent
    client = Client()
    with at(LATER):
        client.get(path_of(links[2]))  # caches the shop's settings
        with django_assert_num_queries(1):
            assert client.get(path_of(links[3])).status_code == 200
        with django_assert_num_queries(0):
            assert client.get(path_of(links[3])).status_code == 200


def test_the_cached_page_is_the_page_with_this_views_token_and_csrf_token(merchant, sent):
    """Byte for byte what the template renders, whatever link of the invitation opens it; its open counted."""
    order, links = sent
    invitation = invitation_of(merchant, order)
    other_token = invitation_token(invitation)
    other_link = links[3].replace(urlsplit(links[3]).path, f"/survey/{other_token}/")
    with at(LATER):
        first = Client().get(path_of(links[3]))
        client = Client()
        cached = client.get(path_of(other_link))
        head = Client().head(path_of(other_link))
        cache.delete(page_cache.entry_key(invitation.pk))  # rendered again
        rendered = client.get(path_of(other_link))
    masked = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert masked.sub("", cached.content.decode()) == masked.sub("", rendered.content.decode())
    assert other_token in cached.content.decode() and other_token not in first.content.decode()
    assert cached["Content-Language"] == rendered["Content-Language"] == "en"
    assert cached["Cache-Control"] == "private, no-store" and cached.cookies["csrftoken"]
    assert head.status_code == 200 and answers(merchant) == []
    assert invitation_of(merchant, order).open_count == 3  # one open per GET, none for HEAD


def test_the_cached_page_posts_with_its_csrf_token(merchant, sent):
    _order, links = sent
    Client().get(path_of(links[3]))  # cached
    assert submit(csrf_client(), links[3], score="4").status_code == 302
    assert [answer.score for answer in answers(merchant)] == [4]


def test_an_answer_drops_the_cached_page(merchant, sent):
    _order, links = sent
    with at(LATER):
        assert "Send my answer" in Client().get(path_of(links[3])).content.decode()
    submit(csrf_client(), links[3], score="4", comment="Fine")
    with at(LATER):
        page = Client().get(path_of(links[3])).content.decode()
    assert "Update my answer" in page and "Fine" in page


def test_the_shops_changes_drop_the_cached_page(merchant, sent):
    from feedback.models import SurveySettings
    from feedback.services import survey_settings_get, survey_settings_save

    _order, links = sent
    with at(LATER):
        Client().get(path_of(links[3]))
    merchant.name = "Renamed shop"
    merchant.save()
    with at(LATER):
        assert "Renamed shop" in Client().get(path_of(links[3])).content.decode()
    settings = survey_settings_get(merchant=merchant)
    if settings.pk is None:
        settings = SurveySettings(merchant=merchant)
    settings.second_question_en = "Would you buy again?"
    survey_settings_save(settings=settings)
    with at(LATER):
        assert "Would you buy again?" in Client().get(path_of(links[3])).content.decode()


def test_erasure_drops_the_cached_page(merchant, sent):
    from orders import privacy

    _order, links = sent
    submit(csrf_client(), links[3], score="4", comment="Camille's secret")
    with at(LATER):
        assert "Camille" in Client().get(path_of(links[3])).content.decode()
    with merchant_scope(merchant):
        subject = privacy.subject_for(merchant=merchant, emails=["camille@example.org"])
        privacy.personal_data_erase(subject=subject)
    with at(LATER):
        page = Client().get(path_of(links[3]))
    assert page.status_code == 410 and "Camille" not in page.content.decode()


def test_opens_are_counted_without_redis_too(merchant, sent, settings):
    """A file or per-process cache (bin/demo) has no shared buffer: the page counts the open itself."""
    order, links = sent
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "x"}}
    with at(LATER):
        Client().get(path_of(links[0]))
    with merchant_scope(merchant):
        invitation = Invitation.objects.get(order=order)
    assert (invitation.open_count, invitation.first_opened_at) == (1, LATER)


def test_a_cached_view_reads_its_page_and_adds_its_open_in_one_redis_round_trip(merchant, sent, monkeypatch):
    """The bench's page (bench/survey_answer.py): one round trip to Redis, no query."""
    from redis.client import Pipeline, Redis

    _order, links = sent
    with at(LATER):
        Client().get(path_of(links[3]))  # cached
    trips = []
    monkeypatch.setattr(Redis, "execute_command", _counted(Redis.execute_command, trips))
    monkeypatch.setattr(Pipeline, "execute", _counted(Pipeline.execute, trips))
    with at(LATER):
        assert Client().get(path_of(links[3])).status_code == 200
    assert len(trips) == 1


def _counted(method, calls: list):
    def counted(self, *args, **kwargs):
        calls.append(method.__name__)
        return method(self, *args, **kwargs)

    return counted


def test_buffered_opens_of_an_erased_invitation_are_not_counted(merchant, sent):
    """The page adds the open before it reads the invitation: the flush writes only to live ones."""
    order, links = sent
    with at(LATER):
        Client().get(path_of(links[3]))
    assert invitation_of(merchant, order).open_count == 1
    with merchant_scope(merchant):
        Invitation.objects.filter(order=order).update(erased_at=LATER)
    page_cache.invitations_pages_drop([invitation_of(merchant, order).pk])  # as the eraser does
    with at(LATER):
        assert Client().get(path_of(links[3])).status_code == 410
    invitation_opens_flush()  # while erased
    with merchant_scope(merchant):
        Invitation.objects.filter(order=order).update(erased_at=None)
    assert invitation_of(merchant, order).open_count == 1


def test_a_buffered_open_counts_only_for_the_shop_the_link_names(merchant, other_merchant, sent):
    from feedback import open_buffer

    order, _links = sent
    invitation = invitation_of(merchant, order)
    open_buffer.read_and_push(["unrelated"], merchant_id=other_merchant.pk, invitation_id=invitation.pk, at=LATER)
    invitation_opens_flush()
    assert invitation_of(merchant, order).open_count == 0
    open_buffer.read_and_push(["unrelated"], merchant_id=merchant.pk, invitation_id=invitation.pk, at=LATER)
    assert invitation_of(merchant, order).open_count == 1
