from bangban.core.navigation import nav_html


def navigation(request):
    """The staff side navigation (core.navigation.nav_html: "" without entries), for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_html": nav_html(user, request.path)}
