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

    def get_user(self, user_id):
        """ModelBackend.get_user with the user's institution in the same statement: nearly every page
        reads it (the scope, the top bar), which cost each request a second query."""
        from django.contrib.auth import get_user_model

        model = get_user_model()
        user = model._default_manager.select_related("institution").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
