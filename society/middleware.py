from django.conf import settings
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin


def chosen_language(request) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(MiddlewareMixin):
    """Simplified Chinese for everyone unless they picked English with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a visitor
    with an English browser would land on an English login page. The society works in
    Chinese; only the language cookie set by django.views.i18n.set_language counts.
    """

    def process_request(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
