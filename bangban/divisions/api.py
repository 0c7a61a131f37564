from rest_framework import serializers, viewsets

from bangban.divisions.models import Division


class DivisionSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Division
        fields = ["code", "name", "level", "level_display", "parent", "full_code"]


class DivisionViewSet(viewsets.ReadOnlyModelViewSet):
    """Administrative divisions (public reference data, readable by every staff account)."""

    serializer_class = DivisionSerializer
    filterset_fields = ["level", "parent"]

    def get_queryset(self):
        qs = Division.objects.all()
        q = self.request.query_params.get("q", "").strip()
        if q:
            qs = qs.filter(name__contains=q) if not q.isdigit() else qs.filter(code__startswith=q)
        return qs.order_by("code")
