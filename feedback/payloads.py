"""A survey answer as the API, its events and outbound webhooks show it."""


def response_data(response) -> dict:
    invitation = response.invitation
    return {
        "id": response.pk,
        "survey": response.kind,
        "score": response.score,
        "comment": response.comment,
        "second_question": response.second_question or None,
        "second_answer": response.second_answer or None,
        "language": response.language,
        "order_id": response.order_id,
        "customer_id": response.customer_id,
        "invitation_id": invitation.pk,
        "created_at": response.first_answered_at.isoformat(),
        "updated_at": response.updated_at.isoformat(),
    }


def invitation_data(invitation) -> dict:
    return {
        "invitation_id": invitation.pk,
        "survey": invitation.kind,
        "order_id": invitation.order_id or invitation.source_order_id,
        "customer_id": invitation.customer_id,
        "sent_at": invitation.sent_at.isoformat() if invitation.sent_at else None,
    }
