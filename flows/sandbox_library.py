"""The only tags and filters merchant-edited templates may use.

Left out on purpose: {% load %}, {% include %}, {% extends %} (no files), {% debug %} (dumps
the context and loaded modules), {% url %}, {% csrf_token %}, {% autoescape %} and the
`safe`/`safeseq` filters (customer data must stay escaped), and the padding filters and
{% lorem %} whose arguments can inflate a message to any size.
Every filter is checked against the render's limits (flows/template_limits.py).
"""

from django.template import Library, defaultfilters, defaulttags

from .template_limits import bounded_filter

SAFE_TAGS = {
    "comment",
    "cycle",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "now",
    "regroup",
    "resetcycle",
    "spaceless",
    "templatetag",
    "verbatim",
    "with",
}
SAFE_FILTERS = {
    "add",
    "capfirst",
    "cut",
    "date",
    "default",
    "default_if_none",
    "dictsort",
    "dictsortreversed",
    "divisibleby",
    "escape",
    "first",
    "floatformat",
    "force_escape",
    "join",
    "last",
    "length",
    "linebreaks",
    "linebreaksbr",
    "lower",
    "pluralize",
    "slice",
    "slugify",
    "stringformat",
    "striptags",
    "time",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "urlencode",
    "urlize",
    "wordcount",
    "yesno",
}

register = Library()
register.tags.update({name: defaulttags.register.tags[name] for name in SAFE_TAGS})
register.filters.update({name: bounded_filter(name, defaultfilters.register.filters[name]) for name in SAFE_FILTERS})
