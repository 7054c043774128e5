"""The project's URLs plus the benchmark's floor for pages: the cheapest page Django can serve here.

`bench/floor/` goes through the same middleware as every page (session, authentication, CSP, locale,
audit context…), reads the signed-in user like every page does, and renders a tiny template: what
remains of a page's time once its own work (queries, forms, a real template) is taken away.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from rotation_registry.urls import urlpatterns as project_urlpatterns

FLOOR_TEMPLATE = engines["django"].from_string(
    '<!doctype html><html lang="vi"><title>Sàn</title><p>{{ request.user.get_username }}</p></html>'
)


def floor_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(FLOOR_TEMPLATE.render({}, request))


urlpatterns = [*project_urlpatterns, path("bench/floor/", floor_view, name="bench_floor")]
