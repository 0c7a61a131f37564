"""API routes of this app: (prefix, viewset, basename) for the router, and extra url patterns."""

routes: list = []
urls: list = []
