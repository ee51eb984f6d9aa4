import time

from .middleware import LOGIN_AT, SEEN_AT


def remember_login_time(sender, request, user, **kwargs) -> None:
    """Start the 12-hour clock of a staff session at sign-in."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now
