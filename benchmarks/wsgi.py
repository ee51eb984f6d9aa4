import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

application = get_wsgi_application()

# Import every view module now (the URLconf is otherwise loaded by the first request), so
# with --preload the forked workers start warm and the first requests measure the app.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
