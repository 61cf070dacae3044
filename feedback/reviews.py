"""The review part of feedback: destinations, invitation links, clicks and reported reviews (docs/reviews.md).

`register_reviews()` hands everything to the registries; feedback's AppConfig.ready() calls it.
"""


def register_reviews() -> None:
    from flows.context_providers import email_context_register
    from flows.defaults import default_flows_register
    from orders.privacy import register_eraser, register_exporter
    from orders.selectors import customer_timeline_source_register

    from . import review_events, review_mail, review_privacy

    review_events.register()
    customer_timeline_source_register(review_events.customer_review_entries)
    for provider in review_mail.review_providers():
        email_context_register(provider)
    default_flows_register("reviews", review_mail.review_flow_specs)
    register_eraser("feedback.reviews", review_privacy.erase_reviews)
    register_exporter("reviews", review_privacy.export_reviews)
