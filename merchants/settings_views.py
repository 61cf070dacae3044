"""Settings pages: branding, integrations and API keys (admins), the team (owners)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.rate_limits import RateLimit, too_many_requests, wait_minutes
from core.scoping import get_for_merchant

from . import selectors, services
from .access import staff_view
from .forms import ApiKeyForm, BrandingForm, IntegrationSecretForm, InviteForm, RoleForm
from .models import ApiKey, IntegrationSecret, Invitation, Membership, Merchant, Role
from .shop_access import PLATFORM_NAMES, ShopAccessForm, shop_access_sections

NEW_API_KEY_SESSION_KEY = "merchants.new_api_key"
# Each invitation is an email to an address the shop typed: enough for a team, too few to spam with.
INVITATIONS_PER_SHOP = RateLimit("team:invitations", limit=20, window=3600)


def _render(request, template, context, form_errors=False):
    return render(request, template, context, status=400 if form_errors else 200)


@staff_view()
def index(request):
    return render(request, "merchants/settings/index.html")


@staff_view(Role.ADMIN)
def branding(request):
    # A fresh copy: an invalid form must not alter the merchant the page header shows.
    editable = Merchant.objects.get(pk=request.merchant.pk)
    form = BrandingForm(request.POST or None, request.FILES or None, instance=editable)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if changes:
            services.merchant_branding_update(merchant=editable, changes=changes)
            messages.success(request, _("Branding saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("settings:branding")
    return _render(request, "merchants/settings/branding.html", {"form": form}, form.errors)


# --- Team --------------------------------------------------------------------------------


def _team_page(request, invite_form=None, status=200):
    context = {
        "members": selectors.team_members(merchant=request.merchant),
        "invitations": selectors.pending_invitations(merchant=request.merchant),
        "invite_form": invite_form or InviteForm(),
        "roles": Role.choices,
    }
    return render(request, "merchants/settings/team.html", context, status=status)


@staff_view(Role.OWNER)
def team(request):
    return _team_page(request)


@require_POST
@staff_view(Role.OWNER)
def team_invite(request):
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, invite_form=form, status=400)
    wait = INVITATIONS_PER_SHOP.take(str(request.merchant.pk))
    if wait:
        minutes = wait_minutes(wait)
        message = ngettext(
            "This shop has sent many invitations in the last hour. Try again in %(minutes)s minute.",
            "This shop has sent many invitations in the last hour. Try again in %(minutes)s minutes.",
            minutes,
        )
        form.add_error(None, message % {"minutes": minutes})
        return too_many_requests(_team_page(request, invite_form=form, status=429), wait)
    try:
        services.invitation_create(
            merchant=request.merchant,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            invited_by=request.user,
        )
    except ValidationError as error:
        form.add_error("email", error)
        return _team_page(request, invite_form=form, status=400)
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
    return redirect("settings:team")


@require_POST
@staff_view(Role.OWNER)
def member_role(request, pk):
    membership = get_for_merchant(Membership, merchant=request.merchant, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed roles."))
        return _team_page(request, status=400)
    try:
        services.membership_role_change(merchant=request.merchant, membership_id=membership.pk, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _team_page(request, status=400)
    messages.success(
        request,
        _("%(email)s is now %(role)s.")
        % {"email": membership.user.email, "role": Role(form.cleaned_data["role"]).label},
    )
    return redirect("settings:team")


@require_POST
@staff_view(Role.OWNER)
def member_remove(request, pk):
    membership = get_for_merchant(Membership, merchant=request.merchant, pk=pk)
    try:
        services.membership_remove(merchant=request.merchant, membership_id=membership.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _team_page(request, status=400)
    messages.success(request, _("%(email)s no longer has access.") % {"email": membership.user.email})
    if membership.user_id == request.user.pk:
        return redirect("home")
    return redirect("settings:team")


@require_POST
@staff_view(Role.OWNER)
def invitation_revoke(request, pk):
    invitation = get_for_merchant(Invitation, merchant=request.merchant, pk=pk, accepted_at__isnull=True)
    services.invitation_revoke(merchant=request.merchant, invitation_id=invitation.pk)
    messages.success(request, _("The invitation for %(email)s is cancelled.") % {"email": invitation.email})
    return redirect("settings:team")


# --- API keys ------------------------------------------------------------------------------


@staff_view(Role.ADMIN)
def api_keys(request):
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = services.api_key_issue(merchant=request.merchant, created_by=request.user, **form.cleaned_data)
        # Kept in the session for exactly one page view, then forgotten.
        request.session[NEW_API_KEY_SESSION_KEY] = {"id": issued.api_key.pk, "plaintext": issued.plaintext}
        return redirect("settings:api-key-created")
    context = {"form": form, "keys": selectors.api_keys_of(merchant=request.merchant)}
    return _render(request, "merchants/settings/api_keys.html", context, form.errors)


@staff_view(Role.ADMIN)
def api_key_created(request):
    new_key = request.session.pop(NEW_API_KEY_SESSION_KEY, None)
    if new_key is None:
        return redirect("settings:api-keys")
    api_key = get_for_merchant(ApiKey, merchant=request.merchant, pk=new_key["id"])
    response = render(
        request, "merchants/settings/api_key_created.html", {"api_key": api_key, "plaintext": new_key["plaintext"]}
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_view(Role.ADMIN)
def api_key_revoke(request, pk):
    api_key = get_for_merchant(ApiKey, merchant=request.merchant, pk=pk)
    services.api_key_revoke(merchant=request.merchant, api_key_id=api_key.pk)
    messages.success(request, _("The key “%(name)s” is revoked: it no longer works.") % {"name": api_key.name})
    return redirect("settings:api-keys")


# --- Integrations ---------------------------------------------------------------------------


def _integrations_page(request, failed_form=None, failed_access=None):
    statuses = selectors.integration_statuses(merchant=request.merchant)
    rows = []
    for status in statuses:
        form = failed_form if failed_form is not None and failed_form.data.get("provider") == status.provider else None
        form = form or IntegrationSecretForm(initial={"provider": status.provider})
        form.auto_id = f"{status.provider}_%s"  # four forms on one page: keep element ids unique
        rows.append({"status": status, "form": form})
    context = {"rows": rows, "access_sections": shop_access_sections(request.merchant, failed_access)}
    failed = failed_form is not None or failed_access is not None
    return render(request, "merchants/settings/integrations.html", context, status=400 if failed else 200)


@staff_view(Role.ADMIN)
def integrations(request):
    if request.method != "POST":
        return _integrations_page(request)
    form = IntegrationSecretForm(request.POST)
    if not form.is_valid():
        if "provider" in form.errors:
            messages.error(request, _("Unknown integration."))
        return _integrations_page(request, failed_form=form)
    services.integration_secret_rotate(merchant=request.merchant, **form.cleaned_data)
    label = IntegrationSecret.Provider(form.cleaned_data["provider"]).label
    messages.success(
        request,
        _("New %(provider)s secret saved. The previous one, if any, keeps working until you retire it.")
        % {"provider": label},
    )
    return redirect("settings:integrations")


@require_POST
@staff_view(Role.ADMIN)
def integration_retire_previous(request):
    provider = request.POST.get("provider", "")
    if provider not in IntegrationSecret.Provider.values:
        messages.error(request, _("Unknown integration."))
        return _integrations_page(request, failed_form=IntegrationSecretForm(request.POST))
    retired = services.integration_secret_retire_previous(merchant=request.merchant, provider=provider)
    if retired:
        messages.success(request, _("Only the newest secret is accepted now."))
    return redirect("settings:integrations")


@require_POST
@staff_view(Role.ADMIN)
def shop_access(request):
    """Save one platform's API access (address and write-only credentials) from the integrations page."""
    platform = request.POST.get("platform", "")
    if platform not in PLATFORM_NAMES:
        messages.error(request, _("Unknown integration."))
        return _integrations_page(request, failed_access=ShopAccessForm(platform="easypost", merchant=request.merchant))
    form = ShopAccessForm(request.POST, platform=platform, merchant=request.merchant)
    if not form.is_valid():
        return _integrations_page(request, failed_access=form)
    form.save(request.merchant)
    messages.success(request, _("%(platform)s access saved.") % {"platform": PLATFORM_NAMES[platform]})
    return redirect(f"{reverse('settings:integrations')}#access-{platform}")
