"""The dashboard's support pages: contacts and the WISMO rate, the WISMO rules, the baseline import.

Every form posts to its own address; a refused one draws its page again with the errors and status
400, nothing of it saved.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from merchants.access import staff_view
from merchants.models import Role

from . import selectors, services
from .baseline_csv import BaselineCsvError, baseline_csv_parse
from .classification import DEFAULT_KEYWORDS, DEFAULT_TAGS
from .forms import BaselineUploadForm, WismoRulesForm
from .models import BaselineWeek, WismoRules

WEEKS_SHOWN = 12


def _admin_only(request) -> None:
    if not request.membership.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only admins change this."))


def _this_monday(merchant):
    today = timezone.localdate(timezone=merchant.tzinfo)
    return today - timedelta(days=today.weekday())


@staff_view(Role.VIEWER)
def index(request):
    merchant = request.merchant
    first_monday = _this_monday(merchant) - timedelta(weeks=WEEKS_SHOWN - 1)
    start = datetime.combine(first_monday, datetime.min.time(), tzinfo=merchant.tzinfo)
    wismo_only = request.GET.get("wismo") == "1"
    contacts = selectors.support_contacts_page_rows(merchant, wismo_only=wismo_only)
    period = selectors.wismo_rate(merchant, start, start + timedelta(weeks=WEEKS_SHOWN))
    context = {
        "weeks": list(reversed(selectors.wismo_weeks(merchant, first_monday, WEEKS_SHOWN))),
        "period": period,
        "reduction_percent": None if period.reduction is None else (period.reduction * 100).quantize(Decimal("0.1")),
        "page": Paginator(contacts, 50).get_page(request.GET.get("page")),
        "wismo_only": wismo_only,
        "weeks_shown": WEEKS_SHOWN,
    }
    return render(request, "support/index.html", context)


def _rules_page(request, form=None, status=200):
    rules = WismoRules.objects.filter(merchant=request.merchant).first()
    if form is None:
        tags, keywords = (rules.tags, rules.keywords) if rules else (DEFAULT_TAGS, DEFAULT_KEYWORDS)
        form = WismoRulesForm(initial={"tags": "\n".join(tags), "keywords": "\n".join(keywords)})
    context = {"form": form, "custom": rules is not None, "can_edit": request.membership.has_role(Role.ADMIN)}
    return render(request, "support/rules.html", context, status=status)


@staff_view(Role.VIEWER)
def rules(request):
    if request.method != "POST":
        return _rules_page(request)
    _admin_only(request)
    form = WismoRulesForm(request.POST)
    if not form.is_valid():
        return _rules_page(request, form, status=400)
    services.wismo_rules_save(merchant=request.merchant, **form.cleaned_data)
    messages.success(request, _("Rules saved. They apply to tickets received from now on."))
    return redirect("support:rules")


@require_POST
@staff_view(Role.ADMIN)
def rules_reset(request):
    services.wismo_rules_reset(merchant=request.merchant)
    messages.success(request, _("The default rules apply again."))
    return redirect("support:rules")


def _baseline_page(request, form=None, errors=(), status=200):
    context = {
        "form": form or BaselineUploadForm(),
        "errors": errors,
        "weeks": BaselineWeek.objects.filter(merchant=request.merchant).order_by("-week"),
        "baseline_rate": selectors.baseline_rate(request.merchant),
        "can_edit": request.membership.has_role(Role.ADMIN),
    }
    return render(request, "support/baseline.html", context, status=status)


@staff_view(Role.VIEWER)
def baseline(request):
    if request.method != "POST":
        return _baseline_page(request)
    _admin_only(request)
    form = BaselineUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _baseline_page(request, form, status=400)
    try:
        weeks = baseline_csv_parse(form.cleaned_data["file"].read())
    except BaselineCsvError as exc:
        return _baseline_page(request, form, errors=exc.errors, status=400)
    count = services.baseline_weeks_import(merchant=request.merchant, weeks=weeks)
    messages.success(request, _("%(count)s weeks imported.") % {"count": count})
    return redirect("support:baseline")


@require_POST
@staff_view(Role.ADMIN)
def baseline_clear(request):
    services.baseline_weeks_clear(merchant=request.merchant)
    messages.success(request, _("The baseline weeks are deleted."))
    return redirect("support:baseline")
