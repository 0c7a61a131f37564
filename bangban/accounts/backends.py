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
        reads it (the scope, the top bar), which cost each request a second query. get(), not
        first(): first() orders by the model's ordering, and compiling that ORDER BY cost every
        request a third of the statement's compile time for a row the primary key already names."""
        from django.contrib.auth import get_user_model

        model = get_user_model()
        try:
            user = model._default_manager.select_related("institution").get(pk=user_id)
        except (model.DoesNotExist, ValueError, TypeError):
            return None
        return user if self.user_can_authenticate(user) else None
