from django.utils.safestring import mark_safe

from bangban.core.navigation import nav_html


def navigation(request):
    """The staff side navigation (core.navigation.nav_html), for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    html = nav_html(user, request.path)
    return {"nav_html": mark_safe(html) if html.strip() else ""}
