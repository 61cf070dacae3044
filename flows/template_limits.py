"""Limits on what a merchant's template may cost to render.

A one-kilobyte template can ask for gigabytes: nested {% with %} doubling a string with `add`,
nested loops multiplying their turns, `stringformat:"0999999999d"`. Every sandbox template is
therefore parsed by `SandboxParser` and rendered by `render_within_limits`, which count the work
as it happens and stop it at the first limit passed, before the memory or the time is spent:

- nesting of block tags, counted while parsing;
- characters of text, counted as each piece of output is produced and on every filter result
  (a string can grow in a {% with %} without ever being printed);
- items of a list built by a filter (`add` concatenates lists too);
- turns of all loops together;
- wall-clock time, checked at each of those steps.

The same renderer serves the validator on save, the editor's preview and the dispatcher, so a
template refused in one is refused in all, with a message naming the limit.
"""

import functools
import re
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from types import MappingProxyType

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Template, VariableDoesNotExist
from django.template.base import BaseContext, Lexer, Parser, TextNode, Variable
from django.template.defaulttags import ForNode
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_TEMPLATE_LENGTH = 50_000  # characters of source
MAX_NESTING = 10  # block tags inside one another
MAX_TEXT = 200_000  # characters of output per part, and of any value a filter makes
MAX_LIST_ITEMS = 10_000  # items of a list a filter makes
MAX_LOOP_TURNS = 10_000  # turns of all loops of one render together


# Read once, not per render: an unset setting costs Django an exception each time it is asked.
@functools.cache
def max_render_seconds() -> int:
    """Wall-clock time per part. Ordinary templates take milliseconds; the other limits stop bombs
    long before this one, which catches what stays small but slow. Wall-clock time also counts the
    waits of a busy worker: under a load of 20 on 2 cores a default template passed 1 s, so the
    default leaves room for that."""
    return getattr(settings, "FLOWS_TEMPLATE_RENDER_SECONDS", 5)


@receiver(setting_changed)
def _forget_render_seconds(*, setting, **kwargs):
    if setting == "FLOWS_TEMPLATE_RENDER_SECONDS":
        max_render_seconds.cache_clear()


class TemplateLimitError(Exception):
    """A template went past a limit. Its text names the limit in words a merchant can act on,
    in the language active when it is read (the editor's, or the shop's for a failed message).

    `field` ("subject", "html_body"...) is set by whoever renders several parts of an email.
    """

    def __init__(self, describe: Callable[[], str], field: str = ""):
        super().__init__()
        self.describe, self.field = describe, field

    def __str__(self):
        return self.describe()


def _count(n: int) -> str:
    return number_format(n, force_grouping=True)


def _too_long_template() -> str:
    return _("The template is too long (at most %(n)s characters).") % {"n": _count(MAX_TEMPLATE_LENGTH)}


def _too_deep() -> str:
    return _("Tags are nested more than %(limit)s deep; simplify the template.") % {"limit": MAX_NESTING}


def _too_much_text() -> str:
    return _("This template produces more than %(limit)s characters of text; shorten it.") % {"limit": _count(MAX_TEXT)}


def _too_many_items() -> str:
    return _("This template builds a list of more than %(limit)s items; shorten it.") % {
        "limit": _count(MAX_LIST_ITEMS)
    }


def _too_many_turns() -> str:
    return _("The loops of this template run more than %(limit)s times in all; loop over fewer items.") % {
        "limit": _count(MAX_LOOP_TURNS)
    }


def _too_slow() -> str:
    seconds = max_render_seconds()
    return ngettext(
        "This template takes more than %(limit)s second to render; simplify it.",
        "This template takes more than %(limit)s seconds to render; simplify it.",
        seconds,
    ) % {"limit": seconds}


# --- The budget of one render ------------------------------------------------------------------
class _Budget:
    """What one render has spent. Every step of a render goes through `spend`."""

    __slots__ = ("deadline", "text", "turns", "failure")

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds
        self.text = self.turns = 0
        self.failure: Callable[[], str] | None = None  # the first limit passed

    def spend(self, text: int = 0, turns: int = 0) -> None:
        self.text += text
        self.turns += turns
        # One test on the way of every node: this runs tens of times per email.
        if self.text > MAX_TEXT or self.turns > MAX_LOOP_TURNS or self.failure or time.monotonic() > self.deadline:
            self.fail(self._limit_passed())

    def _limit_passed(self) -> Callable[[], str]:
        if self.text > MAX_TEXT:
            return _too_much_text
        if self.turns > MAX_LOOP_TURNS:
            return _too_many_turns
        return _too_slow

    def fail(self, describe: Callable[[], str]) -> None:
        # Django turns any error inside an {% if %} condition into False and carries on: a limit
        # once passed stays passed, so the rest of the render stops at its next step.
        self.failure = self.failure or describe
        raise TemplateLimitError(self.failure)

    def value(self, value) -> None:
        if isinstance(value, str) and len(value) > MAX_TEXT:
            self.fail(_too_much_text)
        if isinstance(value, (list, tuple)) and len(value) > MAX_LIST_ITEMS:
            self.fail(_too_many_items)


# No default: a sandbox template rendered other than by render_within_limits fails (LookupError)
# at its first step instead of running without limits.
_current: ContextVar[_Budget] = ContextVar("template_budget")


def render_within_limits(template, context) -> str:
    """Render a sandbox template; raise TemplateLimitError at the first limit it passes."""
    budget = _Budget(max_render_seconds())
    token = _current.set(budget)
    try:
        output = template.render(context)
    finally:
        _current.reset(token)
    if budget.failure:  # passed inside an {% if %} condition, where Django swallowed the error
        raise TemplateLimitError(budget.failure)
    if len(output) > MAX_TEXT:  # {% filter %} can lengthen what was counted
        raise TemplateLimitError(_too_much_text)
    return output


# --- Filters ------------------------------------------------------------------------------------
_NUMBER_RE = re.compile(r"\d+")


def _join_fits(value, arg) -> bool:
    """The separator is repeated between every two items: a 1,000-character string joined with
    itself is a million characters, made before its length could be checked."""
    return not hasattr(value, "__len__") or len(str(arg)) * max(len(value) - 1, 0) <= MAX_TEXT


def _format_fits(value, arg) -> bool:
    """Widths and precisions: `stringformat:"0999999999d"` alone is a gigabyte of zeros."""
    for digits in _NUMBER_RE.findall(str(arg)):
        digits = digits.lstrip("0")
        if len(digits) > len(str(MAX_TEXT)) or int(digits or 0) > MAX_TEXT:
            return False
    return True


# Filters whose result can be far larger than their input and argument together. Every other
# allowed filter grows its input by a small factor at most, checked once it has returned.
_ARGUMENT_CHECKS = {"join": _join_fits, "stringformat": _format_fits, "floatformat": _format_fits}


def bounded_filter(name: str, func):
    """`func` checked against the budget: its argument before the call, its result after."""
    fits = _ARGUMENT_CHECKS.get(name)

    @functools.wraps(func)  # keeps is_safe, needs_autoescape... and the signature Django checks
    def bounded(value, *args, **kwargs):
        budget = _current.get()
        budget.spend()
        if fits is not None and args and not fits(value, args[0]):
            budget.fail(_too_much_text)
        result = func(value, *args, **kwargs)
        budget.value(result)
        return result

    return bounded


# --- Parsing ------------------------------------------------------------------------------------
class DataVariable(Variable):
    """A variable that only reads plain data: keys of mappings, items of lists, fields of
    {% regroup %}'s groups. Django's own lookup also calls methods, and `tabs.expandtabs` makes a
    string of tabs eight times longer without any filter; templates only get plain data anyway.
    """

    def _resolve_lookup(self, context):
        current = context
        for bit in self.lookups:
            current = _lookup(current, bit)
        return current


_PLAIN_MAPPINGS = (BaseContext, dict, MappingProxyType)  # the common cases, checked before the slower ABC
_PLAIN_SEQUENCES = frozenset((tuple, list, str))  # exactly these types (a namedtuple is a subclass): by index


def _lookup(current, bit: str):
    try:
        if type(current) in _PLAIN_SEQUENCES:  # the common case, before the slower checks below
            return current[int(bit)]
        if isinstance(current, _PLAIN_MAPPINGS) or isinstance(current, Mapping):
            return current[bit]
        if isinstance(current, tuple) and bit in getattr(type(current), "_fields", ()):
            return getattr(current, bit)
        if isinstance(current, (list, tuple, str)):
            return current[int(bit)]
    except (KeyError, IndexError, ValueError, TypeError):
        pass
    raise VariableDoesNotExist("Failed lookup for key [%s] in %r", (bit, current))


def _data_only(value):
    return DataVariable(value.var) if isinstance(value, Variable) else value


class _CountedTurns:
    """A loop's sequence whose every turn is counted against the render's budget."""

    def __init__(self, values):
        self.values = values

    def __len__(self):
        return len(self.values)

    def __iter__(self):
        return self._counted(iter(self.values))

    def __reversed__(self):
        return self._counted(reversed(self.values))

    @staticmethod
    def _counted(items):
        budget = _current.get()
        for item in items:
            budget.spend(0, 1)
            yield item


class _LoopSequence:
    """Stands for a {% for %} tag's sequence expression, resolving to counted turns."""

    def __init__(self, expression):
        self.expression = expression

    def resolve(self, context, ignore_failures=False):
        values = self.expression.resolve(context, ignore_failures=ignore_failures)
        return _CountedTurns(values) if hasattr(values, "__len__") else values

    def __str__(self):
        return str(self.expression)


class _MeteredOutput:
    """Mixed into nodes that produce output themselves (text, {{ variables }}, {% cycle %}...):
    their output is counted as it is made, so a loop repeating it stops at the limit."""

    def render_annotated(self, context):
        output = super().render_annotated(context)
        _current.get().spend(len(output))
        return output


@functools.cache
def _metered(node_class):
    return type(f"Metered{node_class.__name__}", (_MeteredOutput, node_class), {})


def _produces_output_itself(node) -> bool:
    """A node without child nodes: its output is its own, not the sum of its children's."""
    return not any(getattr(node, name, None) is not None for name in node.child_nodelists)


class SandboxParser(Parser):
    depth = 0

    def parse(self, parse_until=None):
        # A block tag parses its body with a nested call: the depth of the calls is the nesting.
        if self.depth > MAX_NESTING:
            raise TemplateLimitError(_too_deep)
        self.depth += 1
        try:
            return super().parse(parse_until)
        finally:
            self.depth -= 1

    def _in_loop(self) -> bool:
        return any(command == "for" for command, _token in self.command_stack)

    def compile_filter(self, token):
        expression = super().compile_filter(token)
        expression.var = _data_only(expression.var)
        expression.filters = [
            (func, [(lookup, _data_only(arg)) for lookup, arg in args]) for func, args in expression.filters
        ]
        return expression

    def extend_nodelist(self, nodelist, node, token):
        if isinstance(node, ForNode):
            node.sequence = _LoopSequence(node.sequence)
        elif _produces_output_itself(node) and (self._in_loop() or not isinstance(node, TextNode)):
            # Text outside loops is printed once, all of it shorter than the template: only the
            # text a loop repeats needs counting (and skipping the rest keeps ordinary emails fast).
            # The class is swapped rather than the node wrapped: checks such as
            # get_nodes_by_type(VariableNode) and the node's attributes stay as they were.
            node.__class__ = _metered(type(node))
        super().extend_nodelist(nodelist, node, token)


class SandboxTemplate(Template):
    def compile_nodelist(self):
        if len(self.source) > MAX_TEMPLATE_LENGTH:
            raise TemplateLimitError(_too_long_template)
        parser = SandboxParser(
            Lexer(self.source).tokenize(), self.engine.template_libraries, self.engine.template_builtins, self.origin
        )
        try:
            nodelist = parser.parse()
        except RecursionError:  # `{% if not not not … %}` recurses in Django's own parser
            raise TemplateLimitError(_too_deep) from None
        self.extra_data = parser.extra_data
        return nodelist
