"""The languages letters are written in: supporters choose one, volunteers declare which they
read, prisoners which they read besides Russian. Here, below every app, so that the prisoners'
pages can offer them too; ``letters.models`` names them as before."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Languages a supporter may write in; volunteers declare which of these they read.
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("it", _("Italian")),
    ("nl", _("Dutch")),
    ("pl", _("Polish")),
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
]
# The same names inside a sentence ("Your languages: English, German"), where Russian writes them
# in lower case ("Ваши языки: английский, немецкий"); LANGUAGES' names stand alone (a menu, a
# column) and start with a capital.
LANGUAGES_IN_A_SENTENCE = {
    "en": pgettext_lazy("language named in a sentence", "English"),
    "de": pgettext_lazy("language named in a sentence", "German"),
    "fr": pgettext_lazy("language named in a sentence", "French"),
    "es": pgettext_lazy("language named in a sentence", "Spanish"),
    "it": pgettext_lazy("language named in a sentence", "Italian"),
    "nl": pgettext_lazy("language named in a sentence", "Dutch"),
    "pl": pgettext_lazy("language named in a sentence", "Polish"),
    "uk": pgettext_lazy("language named in a sentence", "Ukrainian"),
    "ru": pgettext_lazy("language named in a sentence", "Russian"),
}
