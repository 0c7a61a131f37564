from django.urls import reverse

from bangban.core.navigation import entries_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for entry in entries_for(user):
        url = reverse(entry.url_name)
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": entry.label, "url": url, "active": active, "icon": entry.icon})
    return {"nav_items": items}
