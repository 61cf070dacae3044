"""`{% review_invitation_links merchant response as links %}`: the invitation's links (feedback/review_links.py)."""

from django import template

from feedback.review_links import response_subject, review_links

register = template.Library()


@register.simple_tag
def review_invitation_links(merchant, response=None) -> list[dict]:
    """The same links for every answer, whatever its score: the score is never read here."""
    if response is None:
        return review_links(merchant_id=merchant.pk, key=f"page:{merchant.pk}", order_id=None, customer_id=None)
    key, order_id, customer_id = response_subject(response)
    return review_links(merchant_id=merchant.pk, key=key, order_id=order_id, customer_id=customer_id)
