from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from bangban.divisions.models import Division
from bangban.org import selectors, services
from bangban.org.models import Department, Institution


class InstitutionSerializer(serializers.ModelSerializer):
    tier_display = serializers.CharField(source="get_tier_display", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)

    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "tier",
            "tier_display",
            "division",
            "division_name",
            "parent",
            "path",
            "address",
            "opening_hours",
            "phone",
            "is_active",
        ]
        read_only_fields = ["path"]


class InstitutionCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    tier = serializers.ChoiceField(choices=Institution.Tier.choices)
    division = serializers.PrimaryKeyRelatedField(queryset=Division.objects.all())
    parent = serializers.IntegerField(help_text="上级机构编号，须在本人数据范围内")
    address = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    opening_hours = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)

    class Meta:
        model = Institution  # the fields' Chinese names (errors, schema titles)


class InstitutionUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    address = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    opening_hours = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    is_active = serializers.BooleanField(required=False, default=True)

    class Meta:
        model = Institution  # the fields' Chinese names (errors, schema titles)


@extend_schema_view(
    list=extend_schema(summary="本人数据范围内的机构"),
    create=extend_schema(
        request=InstitutionCreateSerializer, responses=InstitutionSerializer, summary="新建下级机构"
    ),
    update=extend_schema(
        request=InstitutionUpdateSerializer, responses=InstitutionSerializer, summary="修改机构信息"
    ),
)
class InstitutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InstitutionSerializer
    filterset_fields = ["tier", "parent", "is_active"]

    def get_queryset(self):
        return selectors.institution_list(
            user=self.request.user, search=self.request.query_params.get("q", "")
        )

    def get_object(self):
        return selectors.institution_get(user=self.request.user, pk=self.kwargs["pk"])

    def create(self, request):
        s = InstitutionCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        parent = selectors.institution_get(user=request.user, pk=d.pop("parent"))
        inst = services.institution_create(by=request.user, parent=parent, **d)
        return Response(InstitutionSerializer(inst).data, status=201)

    def update(self, request, pk=None):
        inst = self.get_object()
        s = InstitutionUpdateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        inst = services.institution_update(by=request.user, institution=inst, **s.validated_data)
        return Response(InstitutionSerializer(inst).data)


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "institution", "name", "credit_code", "windows", "phone", "is_active"]


class DepartmentWriteSerializer(serializers.Serializer):
    institution = serializers.IntegerField(required=False, help_text="新建时必填：进驻的机构编号")
    name = serializers.CharField(max_length=100)
    credit_code = serializers.CharField(max_length=18, required=False, default="", allow_blank=True)
    windows = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    is_active = serializers.BooleanField(required=False, default=True)

    class Meta:
        model = Department  # the fields' Chinese names (errors, schema titles)


@extend_schema_view(
    create=extend_schema(
        request=DepartmentWriteSerializer, responses=DepartmentSerializer, summary="新增进驻部门"
    ),
    update=extend_schema(
        request=DepartmentWriteSerializer, responses=DepartmentSerializer, summary="修改进驻部门"
    ),
)
class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DepartmentSerializer
    filterset_fields = ["institution", "is_active"]

    def get_queryset(self):
        return selectors.department_list(user=self.request.user)

    def get_object(self):
        return selectors.department_get(user=self.request.user, pk=self.kwargs["pk"])

    def create(self, request):
        s = DepartmentWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        if "institution" not in d:
            raise serializers.ValidationError({"institution": ["新增进驻部门须指定机构"]})
        institution = selectors.institution_get(user=request.user, pk=d.pop("institution"))
        d.pop("is_active", None)
        dept = services.department_create(by=request.user, institution=institution, **d)
        return Response(DepartmentSerializer(dept).data, status=201)

    def update(self, request, pk=None):
        dept = self.get_object()
        s = DepartmentWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        d.pop("institution", None)
        dept = services.department_update(by=request.user, department=dept, **d)
        return Response(DepartmentSerializer(dept).data)
