from django import template
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def hours_label(duration) -> str:
    """A wait as people read it: "5 hours", "1 hour"; under an hour counts as one started hour."""
    if duration is None:
        return "—"
    hours = max(1, round(duration.total_seconds() / 3600))
    return ngettext("%(hours)s hour", "%(hours)s hours", hours) % {"hours": hours}
