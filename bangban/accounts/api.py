from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.response import Response

from bangban.accounts import selectors, services
from bangban.accounts.models import ApiToken, User
from bangban.accounts.roles import Role
from bangban.org.selectors import department_get, institution_get


class StaffSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    institution_name = serializers.CharField(source="institution.name", read_only=True, default=None)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    is_locked = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "phone",
            "email",
            "institution",
            "institution_name",
            "department",
            "department_name",
            "roles",
            "is_active",
            "is_locked",
            "must_change_password",
            "last_login",
        ]
        read_only_fields = fields

    def get_roles(self, obj) -> list[str]:
        return sorted(a.role for a in obj.role_assignments.all())


class StaffWriteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=64, required=False, help_text="新建时必填，之后不可修改")
    full_name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    email = serializers.EmailField(required=False, default="", allow_blank=True)
    institution = serializers.IntegerField()
    department = serializers.IntegerField(required=False, allow_null=True, default=None)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), allow_empty=False)
    password = serializers.CharField(
        required=False, write_only=True, help_text="新建时必填：初始密码，本人首次登录须修改"
    )

    class Meta:
        model = User  # the fields' Chinese names (errors, schema titles)


class PasswordSerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True)


@extend_schema_view(
    create=extend_schema(request=StaffWriteSerializer, responses=StaffSerializer, summary="新建工作人员"),
    update=extend_schema(request=StaffWriteSerializer, responses=StaffSerializer, summary="修改工作人员"),
)
class StaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = StaffSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: the model, no user
            return User.objects.none()
        p = self.request.query_params
        return selectors.staff_list(
            user=self.request.user,
            search=p.get("q", ""),
            institution_id=p.get("institution") or None,
            role=p.get("role", ""),
        )

    def get_object(self):
        return selectors.staff_get(user=self.request.user, pk=self.kwargs["pk"])

    def _resolve(self, d):
        d["institution"] = institution_get(user=self.request.user, pk=d["institution"])
        if d.get("department"):
            d["department"] = department_get(user=self.request.user, pk=d["department"])
        return d

    def create(self, request):
        s = StaffWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = self._resolve(dict(s.validated_data))
        missing = {f: ["新建工作人员时必填"] for f in ("username", "password") if not d.get(f)}
        if missing:
            raise serializers.ValidationError(missing)
        user = services.staff_create(by=request.user, **d)
        return Response(StaffSerializer(user).data, status=201)

    def update(self, request, pk=None):
        staff = self.get_object()
        s = StaffWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = self._resolve(dict(s.validated_data))
        d.pop("username", None)
        d.pop("password", None)
        user = services.staff_update(by=request.user, user=staff, **d)
        return Response(StaffSerializer(user).data)

    @extend_schema(request=PasswordSerializer, responses={204: None}, summary="管理员重置密码")
    @action(detail=True, methods=["post"], url_path="set-password")
    def set_password(self, request, pk=None):
        s = PasswordSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.staff_set_password(
            by=request.user, user=self.get_object(), password=s.validated_data["password"]
        )
        return Response(status=204)

    @extend_schema(request=None, responses=StaffSerializer, summary="启用账号")
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        return Response(
            StaffSerializer(
                services.staff_set_active(by=request.user, user=self.get_object(), active=True)
            ).data
        )

    @extend_schema(request=None, responses=StaffSerializer, summary="停用账号")
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        return Response(
            StaffSerializer(
                services.staff_set_active(by=request.user, user=self.get_object(), active=False)
            ).data
        )

    @extend_schema(request=None, responses=StaffSerializer, summary="解除登录锁定")
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk=None):
        return Response(StaffSerializer(services.staff_unlock(by=request.user, user=self.get_object())).data)


class MeSerializer(StaffSerializer):
    capabilities = serializers.SerializerMethodField()

    class Meta(StaffSerializer.Meta):
        fields = [*StaffSerializer.Meta.fields, "capabilities"]
        read_only_fields = fields

    def get_capabilities(self, obj) -> list[str]:
        return sorted(obj.capabilities)


@extend_schema(responses=MeSerializer, summary="当前登录的工作人员")
@api_view(["GET"])
def me(request):
    return Response(MeSerializer(request.user).data)


class TokenSerializer(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="owner_id", read_only=True)
    prefix = serializers.CharField(read_only=True, help_text="令牌的公开前缀（不含密钥）")
    status = serializers.SerializerMethodField(help_text="有效、已过期或已撤销")
    issued_by = serializers.IntegerField(source="issued_by_id", read_only=True, allow_null=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "owner",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "issued_by",
            "status",
        ]
        read_only_fields = fields

    def get_status(self, obj) -> str:
        return obj.status()


class TokenIssuedSerializer(TokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="令牌明文：只在签发时返回这一次，平台只保存其摘要"
    )

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class TokenIssueSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, label="令牌名称", help_text="使用它的系统或用途")
    days = serializers.IntegerField(
        required=False,
        label="有效期天数",
        min_value=1,
        max_value=settings.BANGBAN_TOKEN_MAX_DAYS,
        help_text=f"有效期天数，默认 {settings.BANGBAN_TOKEN_DAYS}，最长 {settings.BANGBAN_TOKEN_MAX_DAYS}",
    )
    user = serializers.IntegerField(
        required=False,
        label="工作人员",
        min_value=1,
        max_value=2**63 - 1,
        help_text="为其签发的工作人员 id；省略为本人",
    )


@extend_schema_view(
    list=extend_schema(
        summary="API 令牌列表",
        parameters=[OpenApiParameter("user", int, description="工作人员 id；省略为本人")],
    ),
    retrieve=extend_schema(summary="API 令牌"),
)
class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """API tokens of oneself, or of an account one may manage (accounts.services.account_manage_check)."""

    serializer_class = TokenSerializer
    lookup_value_regex = r"\d+"

    def _owner(self, pk):
        if pk in (None, ""):
            return self.request.user
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            pk = 0
        if not 1 <= pk <= selectors.BIGINT_MAX:
            raise serializers.ValidationError({"user": ["应为工作人员 id（正整数）"]})
        return (
            self.request.user
            if pk == self.request.user.pk
            else selectors.staff_get(user=self.request.user, pk=pk)
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return selectors.token_list(
            by=self.request.user, owner=self._owner(self.request.query_params.get("user"))
        )

    def get_object(self):
        return selectors.token_get(by=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        request=TokenIssueSerializer, responses={201: TokenIssuedSerializer}, summary="签发 API 令牌"
    )
    def create(self, request):
        s = TokenIssueSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        token, key = services.token_issue(
            by=request.user, user=self._owner(d.get("user")), name=d["name"], days=d.get("days")
        )
        token.token = key
        return Response(TokenIssuedSerializer(token).data, status=201)

    @extend_schema(request=None, responses=TokenSerializer, summary="撤销 API 令牌")
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return Response(TokenSerializer(services.token_revoke(by=request.user, token=self.get_object())).data)
