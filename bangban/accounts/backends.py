"""Django's authenticate() through the login gate, so no way in skips the throttle, lockout and audit."""

import threading

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models.query import get_related_populators

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
        user = session_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


# --- the one hand-written fast path of authentication ----------------------------------------------
# Every signed-in request reads its user. Compiling that statement (User with select_related
# institution) cost more CPU than everything else a bare page does; the statement never changes. So
# each thread compiles it once, through the ORM, and then only executes it and builds the objects with
# the ORM's own converters and related-object populators. Reference: session_user_reference (tests
# compare the two on every field).

_prepared = threading.local()


def session_user_reference(user_id):
    model = get_user_model()
    return model._default_manager.select_related("institution").filter(pk=user_id).first()


def _prepare(alias: str):
    model = get_user_model()
    query = model._default_manager.select_related("institution").filter(pk=0).query
    query.clear_ordering(force=True)
    compiler = query.get_compiler(alias)
    sql, params = compiler.as_sql()
    if list(params) != [0]:  # the primary key must be the statement's only parameter
        raise ImproperlyConfigured(f"unexpected parameters in the session user statement: {params!r}")
    select, klass_info = compiler.select, compiler.klass_info
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, alias)
    converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
    return sql, compiler, converters, init_list, start, end, populators


def session_user(user_id):
    """The user (with their institution) whose primary key is user_id, or None."""
    model = get_user_model()
    try:
        user_id = model._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    alias = router.db_for_read(model) or DEFAULT_DB_ALIAS
    prepared = getattr(_prepared, alias, None)
    if prepared is None:
        prepared = _prepare(alias)
        setattr(_prepared, alias, prepared)
    sql, compiler, converters, init_list, start, end, populators = prepared
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [user_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    row = next(iter(compiler.apply_converters(rows, converters))) if converters else rows[0]
    user = model.from_db(alias, init_list, row[start:end])
    for populator in populators:
        populator.populate(row, user)
    return user
