"""Links to addresses someone else gave us (a shop's tracking URL, a product image).

{% with url=shipment.tracking_url|web_url %}{% if url %}<a href="{{ url }}">…</a>{% endif %}{% endwith %}

Autoescaping stops a URL from breaking out of its attribute, not a `javascript:` URL from running
when clicked: only absolute http(s) addresses come through, anything else becomes "".
"""

from django import template

from core.inputs import is_web_url

register = template.Library()


@register.filter
def web_url(value) -> str:
    return value if is_web_url(value) else ""
