"""Rendering merchant-edited templates safely, and composing the email around them.

Merchant templates run in their own Django template Engine: no loaders, no template
libraries, only the tags and filters of flows/sandbox_library.py, autoescape on for HTML.
They only ever see plain data (flows/content.py). They are validated when saved
(`template_problems`), so a broken template is refused in the editor, not at send time.
Every render, on save, in the preview and at send time, stays within the limits of
flows/template_limits.py.
"""

import functools
import html
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Variable, VariableNode
from django.template.defaulttags import ForNode, WithNode
from django.template.loader import get_template
from django.utils import translation
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from merchants.branding import brand_palette

from .content import freeze
from .template_limits import SandboxTemplate, TemplateLimitError, render_within_limits


class SandboxEngine(Engine):
    default_builtins = ["flows.sandbox_library"]

    def from_string(self, template_code):
        return SandboxTemplate(template_code, engine=self)


HTML_ENGINE = SandboxEngine(loaders=[], libraries={}, autoescape=True)
TEXT_ENGINE = SandboxEngine(loaders=[], libraries={}, autoescape=False)


@functools.lru_cache(maxsize=1024)
def _compile(source: str, html_mode: bool):
    return (HTML_ENGINE if html_mode else TEXT_ENGINE).from_string(source)


def render_source(source: str, context: Mapping, *, html_mode: bool) -> str:
    if not source:
        return ""
    return render_within_limits(_compile(source, html_mode), Context(context, autoescape=html_mode))


# --- Validation ------------------------------------------------------------------------------
class _RecordingMapping(Mapping):
    """A read-only mapping that notes every key a template asked for and did not find."""

    def __init__(self, data: dict, path: str, misses: list):
        self._data, self._path, self._misses = data, path, misses

    def __getitem__(self, key):
        try:
            return self._data[key]
        except KeyError:
            self._misses.append(f"{self._path}.{key}" if self._path else key)
            raise

    def __contains__(self, key):  # a probe (the Context searching its layers) is not a miss
        return key in self._data

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


def _recording(value, path: str, misses: list):
    if isinstance(value, Mapping):
        return _RecordingMapping(
            {k: _recording(v, f"{path}.{k}" if path else k, misses) for k, v in value.items()}, path, misses
        )
    if isinstance(value, list | tuple):
        return tuple(_recording(v, path, misses) for v in value)
    return value


class _RecordingContext(Context):
    def __init__(self, *args, misses: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.misses = misses

    def __getitem__(self, key):
        try:
            return super().__getitem__(key)
        except KeyError:
            self.misses.append(key)
            raise


def _bound_names(template) -> set[str]:
    """Names a template defines itself ({% for x in ... %}, {% with x=... %})."""
    names = {"forloop", "True", "False", "None"}
    for node in template.nodelist.get_nodes_by_type(ForNode):
        names.update(node.loopvars)
    for node in template.nodelist.get_nodes_by_type(WithNode):
        names.update(node.extra_context)
    for node in template.nodelist:
        for attr in ("var_name", "asvar", "variable_name"):  # regroup / now / cycle ... as x
            if isinstance(getattr(node, attr, None), str):
                names.add(getattr(node, attr))
    return names


def _static_unknowns(template, sample: Mapping) -> list[str]:
    """Printed variables whose path does not exist in the sample data, even in unused branches."""
    bound = _bound_names(template)
    unknown = []
    for node in template.nodelist.get_nodes_by_type(VariableNode):
        var = node.filter_expression.var
        if not isinstance(var, Variable) or var.lookups is None:
            continue
        root = var.lookups[0]
        if root in bound:
            continue
        current = sample
        for bit in var.lookups:
            if isinstance(current, Mapping) and bit in current:
                current = current[bit]
            elif isinstance(current, list | tuple) and bit.isdigit():
                current = current[int(bit)] if int(bit) < len(current) else None
            else:
                unknown.append(".".join(var.lookups))
                break
    return unknown


def available_variables(sample: Mapping, prefix: str = "") -> list[str]:
    names = []
    for key, value in sample.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            names.extend(available_variables(value, path))
        elif isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
            names.append(f"{path} (" + ", ".join(value[0].keys()) + ")")
        else:
            names.append(path)
    return names


def template_problems(
    source: str, *, sample: Mapping, html_mode: bool, order_only: frozenset[str] = frozenset()
) -> list[str]:
    """What is wrong with a template, in words a merchant can act on (empty: it is fine).

    `order_only`: the variables an order email has and this one, about a customer, has not
    (`order`, `shipment`…): named apart, since "unknown" would puzzle whoever used them elsewhere.
    """
    if not source:
        return []
    try:
        template = (HTML_ENGINE if html_mode else TEXT_ENGINE).from_string(source)
    except TemplateLimitError as exc:
        return [str(exc)]
    except TemplateSyntaxError as exc:
        return [_("Template syntax error: %(error)s") % {"error": exc}]
    misses: list[str] = []
    context = _RecordingContext(_recording(sample, "", misses), misses=misses, autoescape=html_mode)
    try:
        render_within_limits(template, context)
    except TemplateLimitError as exc:
        return [str(exc)]
    except Exception as exc:  # any error a merchant's template can raise while rendering
        return [_("This template fails to render: %(error)s") % {"error": exc}]
    found = list(dict.fromkeys(misses + _static_unknowns(template, sample)))
    # "coupon" and "coupon.code" are one mistake: keep the longest path.
    unknown = [name for name in found if not any(other.startswith(name + ".") for other in found)]
    about_orders = [name for name in unknown if name.split(".", 1)[0] in order_only]
    if about_orders:
        return [
            _("This email is about a customer, not an order: %(names)s cannot be used here. Available: %(available)s.")
            % {"names": ", ".join(about_orders), "available": ", ".join(available_variables(sample))}
        ]
    if unknown:
        return [
            _("Unknown variable: %(names)s. Available: %(available)s.")
            % {"names": ", ".join(unknown), "available": ", ".join(available_variables(sample))}
        ]
    return []


# --- Composing an email ---------------------------------------------------------------------
@dataclass
class RenderedEmail:
    subject: str
    text: str
    html: str | None  # None: a plain-text-only email


# Well-formed tags and comments, which Django's strip_tags removes whole, and the markup its
# parser reads differently: a "&" that does not start a complete character reference.
_PLAIN_TAG_RE = re.compile(
    r"""<!--[^<>]*?-->|</?[a-zA-Z][a-zA-Z0-9-]*(?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*"""
    r"""(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'=<>`]+))?)*\s*/?>"""
)
_ODD_AMPERSAND_RE = re.compile(r"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[a-zA-Z][a-zA-Z0-9]*;|\s|$)")


def _strip_tags(markup: str) -> str:
    """strip_tags without its pure-Python HTML parser (the most costly step of an email's text part).

    The expression only takes well-formed tags; markup left with a "<" (text such as "a < b",
    broken tags) or with an odd "&" goes through strip_tags itself, so unusual input is treated
    exactly as before.
    """
    text = _PLAIN_TAG_RE.sub("", markup)
    if "<" in text or _ODD_AMPERSAND_RE.search(markup):
        return strip_tags(markup)
    return text


def html_to_text(markup: str) -> str:
    """A readable text alternative of an HTML body: links kept as "text (url)", paragraphs as blank lines."""
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", "", markup)
    markup = re.sub(
        r'(?is)<a\b[^>]*href="([^"]+)"[^>]*>(.*?)</a>',
        lambda m: (
            f"{m.group(2)} ({m.group(1)})"
            if _strip_tags(m.group(2)).strip() != html.unescape(m.group(1))
            else m.group(2)
        ),
        markup,
    )
    markup = re.sub(r"(?i)<br\s*/?>", "\n", markup)
    markup = re.sub(r"(?i)</(p|div|h[1-6]|tr|table|ul|ol)>", "\n\n", markup)
    markup = re.sub(r"(?i)<li\b[^>]*>", "\n- ", markup)
    text = html.unescape(_strip_tags(markup))
    lines = [_squeeze(line) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_SPACE_RUN_RE = re.compile(r"[ \t\r\n\f\v]+")


def _squeeze(text: str) -> str:
    """Runs of spaces and line breaks as one space. Not str.split(): it would also turn the non-breaking
    spaces of French typography ("Total\u00a0:") into breakable ones."""
    # Most lines have nothing to squeeze: looking for it first is cheaper than the substitution.
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        text = _SPACE_RUN_RE.sub(" ", text)
    return text.strip()


def allowed_link(url: str, domains: list[str]) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    return any(host == d or host.endswith("." + d) for d in domains)


def link_domains(merchant, flow_settings) -> list[str]:
    domains = [d.strip().lower().lstrip(".") for d in (flow_settings.allowed_link_domains or []) if d.strip()]
    site = urlsplit(merchant.website_url).hostname if merchant.website_url else None
    if site:
        domains.append(site.lower().removeprefix("www."))
    return domains


# `="http…"` preceded by `href` in any case. Starting with the fixed `="` (the lookbehind is only
# tried where it matches) makes the search an order of magnitude faster over a whole page than
# an IGNORECASE search for `href=`.
_HREF = re.compile(r'="(?<=[hH][rR][eE][fF]=")([hH][tT][tT][pP][sS]?://[^"]+)"')


def track_links(markup: str, *, wrap, domains: list[str]) -> str:
    """Route links to the merchant's own domains through `wrap(url)`; leave every other link alone."""
    domains = tuple(domains)

    def replace(match):
        url = html.unescape(match.group(1))
        if not _allowed_link_cached(_origin(url), domains):
            return match.group(0)
        return f'="{html.escape(wrap(url))}"'

    return _HREF.sub(replace, markup)


def _origin(url: str) -> str:
    """`scheme://host[:port]` of an absolute URL: what allowed_link reads of it. The host ends at the
    first "/", "?" or "#", as urlsplit reads it."""
    start = url.find("://") + 3
    end = len(url)
    for mark in "/?#":
        found = url.find(mark, start)
        if found != -1 and found < end:
            end = found
    return url[:end]


# Links are checked by origin: the shop's links are the same few in every email of a shop, and the
# preference and unsubscribe links (one token each per email) share ours: each is parsed once.
@functools.lru_cache(maxsize=1024)
def _allowed_link_cached(origin: str, domains: tuple[str, ...]) -> bool:
    return allowed_link(origin, list(domains))


def compose(
    *,
    template,
    context: dict,
    merchant,
    plain_text_only: bool,
    marketing: bool,
    language: str,
    wrap_link=None,
    domains=(),
) -> RenderedEmail:
    """Render a step template with `context` into the subject, text and HTML of an email.

    Raises TemplateLimitError, its `field` naming the part that passed the limit.
    """
    data = freeze(context)
    subject = render_subject(template, data)
    links = context["links"]
    values = {"preferences": links["preferences"], "unsubscribe": links["unsubscribe"]}
    footer = _skeleton("flows/email/footer.txt", _shop_key(context["shop"]), marketing, language).fill(values)
    if plain_text_only or not template.html_body.strip():
        text = _render_part(template, "text_body", data).strip()
        return RenderedEmail(subject=subject, text=f"{text}\n\n{footer}".strip(), html=None)
    body = _render_part(template, "html_body", data, html_mode=True)
    preheader = _squeeze(_render_part(template, "preheader", data))
    layout = _skeleton("flows/email/layout.html", _shop_key(context["shop"]), marketing, language)
    page = layout.fill(
        {
            # Autoescaped like the layout would; the body was rendered by the sandbox with autoescape on.
            "body": layout.inline_body(body),
            "preheader": escape(preheader),
            "subject": escape(subject),
            "preferences": escape(values["preferences"]),
            "unsubscribe": escape(values["unsubscribe"]),
        }
    )
    if wrap_link is not None:
        page = track_links(page, wrap=wrap_link, domains=list(domains))
    text = _render_part(template, "text_body", data).strip() or html_to_text(body)
    return RenderedEmail(subject=subject, text=f"{text}\n\n{footer}".strip(), html=page)


def render_subject(template, context) -> str:
    """The subject line alone, on one line (the record of a sent email keeps only its subject)."""
    return _squeeze(_render_part(template, "subject", freeze(context)))


def _render_part(template, field: str, data, *, html_mode: bool = False) -> str:
    try:
        return render_source(getattr(template, field), data, html_mode=html_mode)
    except TemplateLimitError as exc:
        exc.field = field
        raise


# A per-process marker no template output can contain by chance.
_SLOT = f"flowsslot{uuid.uuid4().hex}"
_SLOT_RE = re.compile(rf"{_SLOT}_(\w+?)_")


class _Skeleton:
    """A layout rendered once per shop, language and kind, with marked slots for per-email values.

    An HTML layout is CSS-inlined once, markers included; each email then inlines only its body,
    as a fragment inside a copy of the element that holds it (so `.content p` rules still apply).
    """

    def __init__(self, rendered: str, *, html: bool = False):
        self.css, self.body_parent = "", None
        if html:
            self.css = "\n".join(_STYLE_RE.findall(rendered))
            before_body = rendered.split(f"{_SLOT}_body_")[0]
            self.body_parent = _TAG_RE.findall(before_body)[-1]  # e.g. ('<div class="content">', 'div')
            rendered = _inliner.inline(rendered)
        parts = _SLOT_RE.split(rendered)  # literal, slot name, literal, slot name, ...
        self.literals, self.slots = parts[0::2], parts[1::2]

    def inline_body(self, body: str) -> str:
        opening, tag = self.body_parent
        inlined = _inliner.inline_fragment(f"{opening}{body}</{tag}>", self.css)
        start, end = inlined.index(">") + 1, inlined.rindex(f"</{tag}>")
        inlined = inlined[start:end]
        if "<pre" in inlined.lower():  # a line break there would show
            return inlined
        # Lines of at most 998 characters (RFC 5322) let the HTML part go out as 8bit instead of
        # quoted-printable: a break between blocks changes nothing on screen and saves encoding it.
        return _BLOCK_END_RE.sub("\\g<0>\n", inlined)

    def fill(self, values: Mapping) -> str:
        out = [self.literals[0]]
        for name, literal in zip(self.slots, self.literals[1:], strict=True):
            out.append(values[name])
            out.append(literal)
        return "".join(out)


_STYLE_RE = re.compile(r"(?is)<style\b[^>]*>(.*?)</style>")
_BLOCK_END_RE = re.compile(r"(?i)</(?:p|div|h[1-6]|ul|ol|li|table|tr)>(?!\n)")
_TAG_RE = re.compile(r"(<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>)")


def _shop_key(shop: Mapping) -> tuple:
    return tuple(sorted(shop.items()))


@functools.lru_cache(maxsize=256)
def _skeleton(name: str, shop_key: tuple, marketing: bool, language: str) -> _Skeleton:
    slot = {key: mark_safe(f"{_SLOT}_{key}_") for key in ("body", "preheader", "subject")}  # noqa: S308 - markers
    links = {key: mark_safe(f"{_SLOT}_{key}_") for key in ("preferences", "unsubscribe")}  # noqa: S308
    shop = dict(shop_key)
    palette = brand_palette(shop.get("primary_color", ""))
    with translation.override(language):
        rendered = _layout(name).render(
            {**slot, "shop": shop, "palette": palette, "links": links, "marketing": marketing, "language": language}
        )
    return _Skeleton(rendered, html=name.endswith(".html"))


@functools.lru_cache(maxsize=4)
def _layout(name: str):
    """Our own (trusted) email layout files, loaded once per process."""
    return get_template(name)


_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"
