"""Dashboard: flows, their steps (editor, preview, test send, statistics) and email settings."""

from email.header import decode_header, make_header

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.scoping import get_for_merchant
from merchants.access import staff_view
from merchants.models import LANGUAGE_CHOICES, Role

from . import dispatcher, selectors, services
from .content import sample_context
from .dispatcher import _links, build_email
from .forms import FlowForm, FlowSettingsForm, GuideFormSet, SendTestForm, StepForm, TemplateForm
from .holdout_words import holdout_sentences
from .holdouts import holdout_results
from .models import Flow, FlowStep, StepTemplate
from .rendering import link_domains
from .template_limits import TemplateLimitError

LANGUAGES = [code for code, _name in LANGUAGE_CHOICES]
TEMPLATE_FIELDS = ("subject", "preheader", "html_body", "text_body")


@staff_view(Role.VIEWER)
def flow_list(request):
    services.default_flows_ensure(merchant=request.merchant)
    return render(request, "flows/flow_list.html", {"flows": selectors.flows_list(merchant=request.merchant)})


def _flow(request, pk) -> Flow:
    return get_for_merchant(Flow, merchant=request.merchant, pk=pk)


def _step(request, flow, step_pk) -> FlowStep:
    return get_for_merchant(FlowStep, merchant=request.merchant, pk=step_pk, flow=flow)


@staff_view(Role.VIEWER)
def flow_detail(request, pk):
    flow = _flow(request, pk)
    form = FlowForm(
        initial={
            "name": flow.shown_name,  # a default name in the reader's language, as the page heads it
            "active": flow.active,
            "anchor": flow.anchor,
            "holdout_percent": flow.holdout_percent,
        }
    )
    if request.method == "POST":
        if not request.membership.has_role(Role.ADMIN):
            return render(request, "flows/forbidden.html", status=403)
        form = FlowForm(request.POST)
        if form.is_valid():
            try:
                services.flow_update(flow=flow, **form.cleaned_data)
            except services.FlowValidationError as exc:
                for field, error in exc.errors.items():
                    form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Flow saved."))
                return redirect("flows:detail", pk=flow.pk)
    steps = list(flow.steps.all())
    now = timezone.now()
    stats = selectors.steps_stats(flow=flow, steps=steps, now=now)
    status = 400 if form.errors else 200
    context = {
        "flow": flow,
        "form": form,
        "steps": [(step, stats[step.pk]) for step in steps],
        "days": selectors.stats_period(request.merchant, now),
        "holdout": _holdout_summary(request.merchant, flow),
    }
    return render(request, "flows/flow_detail.html", context, status=status)


def _holdout_summary(merchant, flow: Flow) -> dict | None:
    """The flow's holdout results in sentences, once it holds anyone out or did."""
    results = holdout_results(merchant, flow, timezone.now())
    if not flow.holdout_percent and not results["held_out_customers"]:
        return None
    return {"results": results, "sentences": holdout_sentences(results, flow=flow)}


def _template_forms(step=None, data=None):
    existing = {t.language: t for t in step.templates.all()} if step else {}
    forms_by_language = {}
    for language in LANGUAGES:
        template = existing.get(language)
        initial = (
            {
                "subject": template.subject,
                "preheader": template.preheader,
                "html_body": template.html_body,
                "text_body": template.text_body,
            }
            if template
            else {}
        )
        forms_by_language[language] = TemplateForm(data, prefix=language, initial=initial)
    return forms_by_language


def _step_input(form: StepForm, template_forms) -> services.StepInput:
    data = form.cleaned_data
    templates = {
        language: tf.cleaned_data
        for language, tf in template_forms.items()
        if tf.cleaned_data.get("subject", "").strip()
    }
    return services.StepInput(
        name=data["name"],
        active=data["active"],
        delay_days=data["delay_days"],
        delay_hours=data["delay_hours"],
        window_start=data["window_start"],
        window_end=data["window_end"],
        window_time_zone=data["window_time_zone"],
        conditions=form.conditions(),
        stop_rules=data["stop_rules"],
        plain_text_only=data["plain_text_only"],
        from_name=data["from_name"],
        reply_to=data["reply_to"],
        templates=templates,
    )


def _attach_errors(errors, form, template_forms):
    for key, message in errors.items():
        language, _dot, field = key.partition(".")
        if field and language in template_forms:
            template_forms[language].add_error(field if field in template_forms[language].fields else None, message)
        else:
            form.add_error(key if key in form.fields else None, message)


def _error_lines(form, template_forms: dict) -> list[str]:
    """Every error of the step form and its templates, each naming its field (and language)."""
    lines = []
    for prefix, bound in [("", form), *((f"{language.upper()} · ", tf) for language, tf in template_forms.items())]:
        for name, errors in bound.errors.items():
            label = bound.fields[name].label if name in bound.fields else ""
            lines += [f"{prefix}{label}: {error}" if label else f"{prefix}{error}" for error in errors]
    return lines


def _preview(request, step: FlowStep, data: services.StepInput, language: str) -> dict | None:
    """The submitted (unsaved) content rendered with the sample order, for the preview pane."""
    template_data = (data.templates or {}).get(language)
    if not template_data:
        return None
    flow_settings = services.flow_settings_get(merchant=request.merchant)
    preview_step = FlowStep(
        merchant=request.merchant,
        flow=step.flow,
        plain_text_only=data.plain_text_only,
        from_name=data.from_name,
        reply_to=data.reply_to,
    )
    template = StepTemplate(language=language, **{k: template_data.get(k, "") for k in TEMPLATE_FIELDS})
    context = sample_context(
        merchant=request.merchant,
        language=language,
        flow_settings=flow_settings,
        customer_anchored=step.flow.is_customer_anchored,
    )
    context["links"] = _links(request.merchant.pk, request.user.email, None)
    email, _message_id = build_email(
        step=preview_step,
        template=template,
        context=context,
        merchant=request.merchant,
        policy_domains=link_domains(request.merchant, flow_settings),
        address=request.user.email,
        language=language,
    )
    html = email.alternatives[0][0] if email.alternatives else None
    sender = str(make_header(decode_header(email.from_email)))  # as a mail app shows it, not RFC 2047-encoded
    return {"language": language, "subject": email.subject, "from": sender, "text": email.body, "html": html}


def _saved_input(step: FlowStep) -> services.StepInput:
    """What _preview reads of the step as saved: the preview shown when the editor opens."""
    return services.StepInput(
        name=step.name,
        delay_days=step.delay_days,
        plain_text_only=step.plain_text_only,
        from_name=step.from_name,
        reply_to=step.reply_to,
        templates={t.language: {f: getattr(t, f) for f in TEMPLATE_FIELDS} for t in step.templates.all()},
    )


def _preview_language(request, step: FlowStep | None) -> str:
    """The language asked for, else the shop's default when the step has it, else the step's first."""
    asked = request.POST.get("preview_language")
    if asked in LANGUAGES:
        return asked
    saved = [t.language for t in step.templates.all()] if step else []
    default = request.merchant.default_language
    return default if default in saved or not saved else saved[0]


def _step_editor(request, flow: Flow, step: FlowStep | None):
    can_edit = request.membership.has_role(Role.ADMIN)
    if request.method == "POST":
        if not can_edit:
            return render(request, "flows/forbidden.html", status=403)
        form = StepForm(request.POST)
        template_forms = _template_forms(step, request.POST)
        preview = None
        if form.is_valid() and all(tf.is_valid() for tf in template_forms.values()):
            data = _step_input(form, template_forms)
            errors = {}
            language = request.POST.get("preview_language", LANGUAGES[0])
            try:
                if request.POST.get("action") == "preview":
                    errors = services.step_input_errors(
                        request.merchant, data, customer_anchored=flow.is_customer_anchored
                    )
                    if not errors:
                        preview = _preview(
                            request,
                            step or FlowStep(merchant=request.merchant, flow=flow),
                            data,
                            _preview_language(request, step),
                        )
                elif step is None:
                    step = services.step_create(flow=flow, data=data)
                    messages.success(request, _("Step created."))
                    return redirect("flows:step", pk=flow.pk, step_pk=step.pk)
                else:
                    services.step_update(step=step, data=data)
                    messages.success(request, _("Step saved."))
                    return redirect("flows:step", pk=flow.pk, step_pk=step.pk)
            except services.FlowValidationError as exc:
                errors = exc.errors
            except TemplateLimitError as exc:  # the preview shows the limit instead of the email
                errors = {f"{language}.{exc.field}": str(exc)}
            _attach_errors(errors, form, template_forms)
        has_errors = form.errors or any(tf.errors for tf in template_forms.values())
        status = 400 if has_errors else 200
        if request.headers.get("X-Preview-Fragment") == "1":  # the live preview (static/js/step_preview.js)
            context = {"preview": preview, "preview_errors": _error_lines(form, template_forms)}
            return render(request, "flows/_preview.html", context, status=status)
        context = {
            "flow": flow,
            "step": step,
            "form": form,
            "template_forms": template_forms,
            "preview": preview,
            "preview_language": _preview_language(request, step),
            "can_edit": can_edit,
        }
        return render(request, "flows/step_edit.html", context, status=status)
    form = StepForm(initial=StepForm.initial_for(step) if step else {"window_time_zone": "customer"})
    language = _preview_language(request, step)
    context = {
        "flow": flow,
        "step": step,
        "form": form,
        "template_forms": _template_forms(step),
        "preview": _preview(request, step, _saved_input(step), language) if step else None,
        "preview_language": language,
        "stats": selectors.step_stats(step=step) if step else None,
        "can_edit": can_edit,
        "test_form": SendTestForm(initial={"language": request.merchant.default_language}),
    }
    return render(request, "flows/step_edit.html", context)


@staff_view(Role.VIEWER)
def step_edit(request, pk, step_pk):
    flow = _flow(request, pk)
    return _step_editor(request, flow, _step(request, flow, step_pk))


@staff_view(Role.ADMIN)
def step_new(request, pk):
    return _step_editor(request, _flow(request, pk), None)


@require_POST
@staff_view(Role.ADMIN)
def step_delete(request, pk, step_pk):
    flow = _flow(request, pk)
    deleted = services.step_delete(step=_step(request, flow, step_pk))
    messages.success(
        request,
        _("Step deleted.") if deleted else _("The step has already sent emails: it was disabled to keep its history."),
    )
    return redirect("flows:detail", pk=flow.pk)


@require_POST
@staff_view(Role.ADMIN)
def step_test(request, pk, step_pk):
    flow = _flow(request, pk)
    step = _step(request, flow, step_pk)
    form = SendTestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a language for the test."))
        return redirect("flows:step", pk=flow.pk, step_pk=step.pk)
    try:
        dispatcher.step_test_send(step=step, language=form.cleaned_data["language"], to=request.user.email)
    except (ValueError, TemplateLimitError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Test sent to %(email)s.") % {"email": request.user.email})
    return redirect("flows:step", pk=flow.pk, step_pk=step.pk)


@staff_view(Role.VIEWER)
def flow_settings(request):
    current = services.flow_settings_get(merchant=request.merchant)
    initial = {
        "require_marketing_consent": current.require_marketing_consent,
        "marketing_daily_cap": current.marketing_daily_cap,
        "late_tolerance_hours": current.late_tolerance_hours,
        "signature_name": current.signature_name,
        "allowed_link_domains": ", ".join(current.allowed_link_domains or []),
    }
    form = FlowSettingsForm(initial=initial)
    guides = GuideFormSet(initial=GuideFormSet.initial_for(current.product_guides), prefix="guides")
    if request.method == "POST":
        if not request.membership.has_role(Role.ADMIN):
            return render(request, "flows/forbidden.html", status=403)
        form = FlowSettingsForm(request.POST)
        guides = GuideFormSet(request.POST, prefix="guides")
        if form.is_valid() and guides.is_valid():
            try:
                services.flow_settings_update(
                    merchant=request.merchant, product_guides=guides.guides(), **form.cleaned_data
                )
            except services.FlowValidationError as exc:
                _attach_errors(exc.errors, form, {})
            else:
                messages.success(request, _("Email settings saved."))
                return redirect("flows:settings")
    status = 400 if form.errors or (guides.is_bound and not guides.is_valid()) else 200
    context = {"form": form, "guides": guides, "product_types": selectors.product_types(merchant=request.merchant)}
    return render(request, "flows/settings.html", context, status=status)
