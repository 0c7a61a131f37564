"""Django's authenticate() through the login gate, so no way in skips the throttle, lockout and audit."""

from django.contrib.auth.backends import ModelBackend

from bangban.accounts import services
from bangban.core.context import client_ip


class LoginGateBackend(ModelBackend):
    """ModelBackend (sessions, get_user) whose password check is accounts.services.login_attempt."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        try:
            return services.login_attempt(
                username=username, password=password, client=client_ip(request) if request else ""
            )
        except services.ServiceError:
            return None
