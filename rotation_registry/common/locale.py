"""Vietnamese first: the board works in Vietnamese whatever the language of the browser."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


class VietnameseFirstLocaleMiddleware:
    """Vietnamese unless the user chose another language (the cookie set by /i18n/setlang/).

    Django's LocaleMiddleware would follow the browser's Accept-Language, which on most office
    machines is English; the product's language is Vietnamese, with English on request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # For this request only: the thread goes back to its language afterwards, so a request in English
        # leaves no English behind for whatever the thread does next (a job, a test, the next request).
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
