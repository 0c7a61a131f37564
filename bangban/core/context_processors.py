from django.urls import reverse

from bangban.core.navigation import entries_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [{"label": e.label, "url": reverse(e.url_name), "icon": e.icon} for e in entries_for(user)]
    # The entry whose URL is the longest prefix of the path is the one the user is in.
    matches = [
        i
        for i in items
        if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
    ]
    current = max(matches, key=lambda i: len(i["url"]), default=None)
    for item in items:
        item["active"] = item is current
    return {"nav_items": items}
