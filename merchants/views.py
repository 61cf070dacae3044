from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .access import staff_view


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


@staff_view()
def home(request):
    return render(request, "dashboard/home.html")


def empty_section(title, description):
    """A dashboard section this version does not offer yet: says so plainly."""

    @staff_view()
    def view(request):
        return render(request, "dashboard/empty_section.html", {"title": title, "description": description})

    return view


def no_merchant(request):
    return render(request, "dashboard/no_merchant.html", status=403)


__all__ = ["home", "page_not_found", "empty_section", "no_merchant", "_"]
