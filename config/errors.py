"""Error pages (400, 403, 404, 500 and a refused CSRF check) in the site's look
and the reader's language, each with a way back; JSON under /api/.

The 500 page is rendered without the request's context processors: the error
may have come from the database (an aborted transaction), and the page must not
query it again."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import requires_csrf_token


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _way_back(request) -> tuple[str, str]:
    """Where to go from here: reception to its desk, everyone else home (the sign-in
    page for someone not signed in). Reads only what the request already holds."""
    membership = getattr(request, "membership", None)
    if membership is not None and membership.role == "reception":
        try:
            return reverse("desk_screen"), _("Back to the reception desk")
        except NoReverseMatch:
            pass
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return reverse("home"), _("Back to the home page")
    return reverse("home"), _("Go to the sign-in page")


def _language(request) -> str:
    """The request's language; the reader's cookie, or French, when the error came
    before the language middleware chose (a refused Host header)."""
    chosen = getattr(request, "LANGUAGE_CODE", None)
    if chosen:
        return chosen
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return cookie if cookie in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def page(request, status: int, title, message) -> HttpResponse:
    """An error page of another status (429 from tenancy.throttle), light:
    rendered without the context processors, so it queries nothing."""
    return _page(request, status, title, message, with_context=False)


def _page(request, status: int, title, message, *, with_context: bool = True):
    with translation.override(_language(request)):
        return _render(request, status, str(title), str(message), with_context=with_context)


def _render(request, status: int, title: str, message: str, *, with_context: bool):
    if _is_api(request):
        return JsonResponse({"detail": message}, status=status)
    back_url, back_label = _way_back(request)
    context = {
        "status": status,
        "title": title,
        "message": message,
        "back_url": back_url,
        "back_label": back_label,
    }
    if with_context:
        body = loader.render_to_string("errors/page.html", context, request)
    else:
        context["LANGUAGE_CODE"] = translation.get_language()
        body = loader.render_to_string("errors/minimal.html", context)
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _page(
        request,
        400,
        gettext_lazy("Bad request"),
        gettext_lazy("The request could not be understood. Go back and try again."),
        with_context=False,
    )


@requires_csrf_token
def permission_denied(request, exception=None):
    return _page(
        request,
        403,
        gettext_lazy("Access refused"),
        gettext_lazy("Your role does not give access to this page. Ask an administrator if you need it."),
    )


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(
        request,
        404,
        gettext_lazy("Page not found"),
        gettext_lazy("This page does not exist, or is not within what you may see."),
    )


def server_error(request):
    return _page(
        request,
        500,
        gettext_lazy("Server error"),
        gettext_lazy(
            "Something went wrong on our side. Please try again in a moment; "
            "if it happens again, tell your administrator."
        ),
        with_context=False,
    )


def csrf_failure(request, reason=""):
    return _page(
        request,
        403,
        gettext_lazy("Form expired"),
        gettext_lazy(
            "This form was open for too long or was sent from another site. "
            "Go back, reload the page and send it again."
        ),
        with_context=False,
    )
