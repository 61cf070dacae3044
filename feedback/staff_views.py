"""Dashboard → Feedback: the period's NPS, CSAT and response rates, the answers, the needs-attention
queue, the CSV export and the survey settings. Viewers read; agents act; admins change settings."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.ranges import PRESETS, PresetError, chosen_range, presets_query
from flows.models import FlowStep
from merchants.access import staff_view
from merchants.models import Role

from . import dashboard, selectors
from . import overview as overview_rows
from .exports import csv_lines
from .forms import AnswerFilterForm, SurveySettingsForm
from .models import FollowUp, FollowUpState
from .services import FollowUpMoveError, follow_up_move, survey_settings_get, survey_settings_save

PAGE_SIZE = 25
BREAKDOWN_TITLES = {
    "product_type": gettext_lazy("CSAT by product type"),
    "carrier": gettext_lazy("CSAT by carrier"),
    "promise": gettext_lazy("CSAT by delivery promise"),
}


def _problems(form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


@staff_view()
def overview(request):
    merchant = request.merchant
    try:
        chosen = chosen_range(presets_query(request.GET), timezone.localdate(timezone=merchant.tzinfo))
    except PresetError as refusal:
        context = {"error": str(refusal), "presets": PRESETS, "query": request.GET}
        return render(request, "feedback/staff/overview.html", context, status=400)
    start, end = chosen.first, chosen.last
    before = dashboard.previous_period(start, end)
    context = {
        "chosen": chosen,
        "presets": PRESETS,
        "previous_first": before[0],
        "previous_last": before[1],
        "attention": selectors.attention_counts(merchant=merchant),
        **_scores_compared(merchant, start, end, before),
        **_trend(merchant, start, end),
        "breakdowns": _breakdowns(merchant, start, end),
    }
    return render(request, "feedback/staff/overview.html", context)


def _scores_compared(merchant, start, end, before) -> dict:
    nps, csat = selectors.scores_of_period(merchant=merchant, start=start, end=end)
    nps_before, csat_before = selectors.scores_of_period(merchant=merchant, start=before[0], end=before[1])
    rates = selectors.response_rates(merchant=merchant, start=start, end=end)
    rates_before = selectors.response_rates(merchant=merchant, start=before[0], end=before[1])
    nps_rows = overview_rows.nps_rows(nps, nps_before)
    csat_rows = overview_rows.csat_rows(csat, csat_before)
    rate_rows = [row for kind in rates for row in overview_rows.rate_rows(kind, rates[kind], rates_before[kind])]
    return {
        "nps": nps,
        "csat": csat,
        "nps_change": nps_rows[0],
        "csat_change": csat_rows[0],
        "compared": [(_("NPS"), nps_rows), (_("CSAT"), csat_rows), (_("Response rate"), rate_rows)],
    }


def _trend(merchant, start, end) -> dict:
    weeks = dashboard.weekly_scores(merchant=merchant, start=start, end=end)
    return {
        "weeks": overview_rows.week_rows(weeks),
        "csat_chart": overview_rows.csat_chart(weeks),
        "nps_chart": overview_rows.nps_chart(weeks),
    }


def _breakdowns(merchant, start, end) -> list[tuple]:
    """(key, title, rows) per breakdown."""
    return [
        (
            by,
            title,
            overview_rows.group_rows(by, dashboard.csat_breakdown(merchant=merchant, start=start, end=end, by=by)),
        )
        for by, title in BREAKDOWN_TITLES.items()
    ]


@staff_view()
def answer_list(request):
    form = AnswerFilterForm(request.GET)
    if not form.is_valid():
        error = _problems(form)
        form = AnswerFilterForm({})
        form.is_valid()
    else:
        error = ""
    answers = selectors.answers_list(merchant=request.merchant, filters=form.filters())
    page = Paginator(answers, PAGE_SIZE).get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    context = {"form": form, "page": page, "answers": page.object_list, "query": kept.urlencode(), "error": error}
    return render(request, "feedback/staff/answers.html", context, status=400 if error else 200)


@staff_view()
def answer_export(request):
    form = AnswerFilterForm(request.GET)
    if not form.is_valid():
        text = _("Give the days to export as from=YYYY-MM-DD and to=YYYY-MM-DD. %(problems)s") % {
            "problems": _problems(form)
        }
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    filters = form.filters()
    answers = selectors.answers_list(merchant=request.merchant, filters=filters)
    response = HttpResponse("".join(csv_lines(answers)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-answers-{filters.start}-{filters.end}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@staff_view()
def attention_queue(request):
    return _attention_page(request)


def _attention_page(request, *, status: int = 200, error: str = ""):
    state = request.GET.get("state", FollowUpState.NEW)
    items = selectors.attention_items(merchant=request.merchant, state=state)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "items": page.object_list,
        "state": state,
        "states": FollowUpState.choices,
        "counts": selectors.attention_counts(merchant=request.merchant),
        "mean_first_contact": selectors.mean_time_to_first_contact(merchant=request.merchant),
        "can_act": request.membership.has_role(Role.AGENT),
        "error": error,
    }
    return render(request, "feedback/staff/attention.html", context, status=status)


@require_POST
@staff_view(Role.AGENT)
def attention_move(request, pk):
    item = get_object_or_404(FollowUp, pk=pk)
    to = request.POST.get("to", "")
    if to not in (FollowUpState.CONTACTED, FollowUpState.RESOLVED):
        return _attention_page(request, status=400, error=_("Mark an item contacted or resolved."))
    try:
        follow_up_move(follow_up=item, to=to)
    except FollowUpMoveError as refusal:
        return _attention_page(request, status=409, error=str(refusal))
    messages.success(request, _("Marked %(state)s.") % {"state": FollowUpState(to).label.lower()})
    back = request.POST.get("back", FollowUpState.NEW)
    return redirect(f"{reverse('feedback:attention')}?state={back if back in FollowUpState.values else ''}")


@require_http_methods(["GET", "POST"])
@staff_view()
def survey_settings_view(request):
    current = survey_settings_get(merchant=request.merchant)
    can_edit = request.membership.has_role(Role.ADMIN)
    form = SurveySettingsForm(instance=current)
    status = 200
    if request.method == "POST":
        if not can_edit:
            return HttpResponse(_("Only admins change survey settings."), status=403)
        form = SurveySettingsForm(request.POST, instance=current)
        if form.is_valid():
            survey_settings_save(settings=form.save(commit=False))
            messages.success(request, _("Survey settings saved."))
            return redirect("feedback:settings")
        status = 400
    steps = FlowStep.objects.filter(key__in=["survey-csat", "survey-nps", "survey-recovery"]).select_related("flow")
    context = {"form": form, "can_edit": can_edit, "steps": list(steps)}
    return render(request, "feedback/staff/settings.html", context, status=status)
