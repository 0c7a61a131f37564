"""Input limits shared by the API and the pages.

Every text a user or client writes has a documented maximum length, enforced where it enters
(serializer or form) so that nothing longer reaches a column: a CharField's own max_length, and
TEXT_MAX_LENGTH for free text stored in TextFields (notes, reasons, results, descriptions).
The API schema states each as maxLength (checked by core/tests/test_schema.py).
"""

TEXT_MAX_LENGTH = 2000


def install_default_max_length() -> None:
    """Every DRF and Django form CharField that declares no max_length gets TEXT_MAX_LENGTH (called in
    CoreConfig.ready); a page's field then also carries maxlength for the browser.

    A field that maps to a shorter column still declares that column's width (ModelSerializer does
    it from the model; plain serializers say it); this default covers free text, so no write field is
    unbounded and each one's limit shows in the schema. Applies to every instance: DRF re-runs
    __init__ when it copies declared fields for a serializer instance.
    """
    from rest_framework import serializers

    original = serializers.CharField.__init__
    if getattr(original, "bangban_default_max_length", False):
        return

    def __init__(self, **kwargs):
        if kwargs.get("max_length") is None and not kwargs.get("read_only"):
            kwargs["max_length"] = TEXT_MAX_LENGTH
        original(self, **kwargs)

    __init__.bangban_default_max_length = True
    serializers.CharField.__init__ = __init__

    from django import forms

    original_form = forms.CharField.__init__

    def form_init(self, *, max_length=None, **kwargs):
        original_form(self, max_length=TEXT_MAX_LENGTH if max_length is None else max_length, **kwargs)

    forms.CharField.__init__ = form_init
