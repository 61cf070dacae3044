"""Dashboard → Feedback: the period's NPS, CSAT and response rates, the answers, the needs-attention
queue, the CSV export and the survey settings. Viewers read; agents act; admins change settings."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from flows.models import FlowStep
from merchants.access import staff_view
from merchants.models import Role

from . import selectors
from .exports import csv_lines
from .forms import AnswerFilterForm, PeriodForm, SurveySettingsForm
from .models import FollowUp, FollowUpState
from .services import FollowUpMoveError, follow_up_move, survey_settings_get, survey_settings_save

PAGE_SIZE = 25


def _problems(form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


@staff_view()
def overview(request):
    form = PeriodForm(request.GET)
    status = 200
    if not form.is_valid():
        status, form = 400, PeriodForm({})
        form.is_valid()
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    nps, csat = selectors.scores_of_period(merchant=request.merchant, start=start, end=end)
    context = {
        "form": form,
        "error": _problems(PeriodForm(request.GET)) if status == 400 else "",
        "start": start,
        "end": end,
        "nps": nps,
        "csat": csat,
        "rates": selectors.response_rates(merchant=request.merchant, start=start, end=end),
        "attention": selectors.attention_counts(merchant=request.merchant),
    }
    return render(request, "feedback/staff/overview.html", context, status=status)


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
