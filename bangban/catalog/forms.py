"""Page forms of the catalog. They only shape input; every rule is checked by the services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.db.models import Q
from django.forms import formset_factory

from bangban.catalog import codes, elements, exchange
from bangban.catalog.attachments import AttachmentValidator
from bangban.catalog.models import Adjustment, Bundle, ItemVersion
from bangban.core.uploads import size_text
from bangban.org.models import Department, Institution
from bangban.org.selectors import institutions_in_scope

TIER_CHOICES = list(codes.TIERS.items())
TAG_CHOICES = [
    (c, f"{'企业' if a == codes.ENTERPRISE else '个人'}·{label}") for c, (label, a) in codes.TAGS.items()
]


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.institution.name}）"


class ItemForm(forms.Form):
    name = forms.CharField(label="事项名称", max_length=200, help_text="同一基本编码在各层级名称须一致")
    item_type = forms.ChoiceField(
        label="事项类型",
        choices=[("", "请选择")] + [(c, f"{c} {label}") for c, label in codes.ITEM_TYPES.items()],
    )
    public_domain = forms.ChoiceField(
        label="公共服务领域",
        required=False,
        choices=[("", "—（非公共服务）")] + list(codes.PUBLIC_DOMAINS.items()),
    )
    basic_code = forms.CharField(label="基本编码", max_length=12, help_text="12 位数字")
    main_basic_code = forms.CharField(
        label="主项基本编码", max_length=12, required=False, help_text="子项填写；主项留空"
    )
    main_item_name = forms.CharField(label="主项名称", max_length=200, required=False)
    competent_department = forms.CharField(label="主管部门", max_length=100, help_text="如：市场监督管理部门")
    department = DepartmentChoiceField(
        label="实施机关（进驻部门）",
        queryset=Department.objects.filter(is_active=True).select_related("institution"),
        help_text="实施编码 = 该部门的统一社会信用代码 + 行使层级 + 基本编码，自动生成",
    )
    level = forms.ChoiceField(label="行使层级", choices=list(codes.LEVELS.items()), initial="4")
    handling_tiers = forms.MultipleChoiceField(
        label="受理层级",
        choices=TIER_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="哪些层级的服务机构可受理（事项下沉）",
    )
    help_tiers = forms.MultipleChoiceField(
        label="可帮办层级", choices=TIER_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    agency_tiers = forms.MultipleChoiceField(
        label="可代办层级", choices=TIER_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    is_immediate = forms.TypedChoiceField(
        label="办件类型",
        choices=[("0", "承诺件"), ("1", "即办件（当场办结）")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="0",
    )
    statutory_days = forms.IntegerField(
        label="法定时限（工作日）", required=False, min_value=0, help_text="法律法规未规定的留空"
    )
    promised_days = forms.IntegerField(
        label="承诺时限（工作日）", required=False, min_value=0, help_text="即办件为 0；不得超过法定时限"
    )
    charges_fee = forms.BooleanField(label="收费", required=False)
    fee_amount = forms.DecimalField(
        label="收费金额（元）", required=False, max_digits=10, decimal_places=2, min_value=0
    )
    fee_basis = forms.CharField(label="收费依据", max_length=300, required=False)
    channels = forms.MultipleChoiceField(
        label="办理渠道", choices=list(codes.CHANNELS.items()), widget=forms.CheckboxSelectMultiple
    )
    tags = forms.MultipleChoiceField(
        label="重点领域标签", choices=TAG_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    conditions = forms.CharField(
        label="申请条件", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    procedure = forms.CharField(
        label="办理流程", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    result_name = forms.CharField(
        label="办理结果", max_length=200, required=False, help_text="如：食品经营许可证"
    )
    location = forms.CharField(
        label="办理地点", max_length=300, required=False, help_text="留空则为实施机关所在中心的地址和窗口"
    )
    consult_phone = forms.CharField(label="咨询电话", max_length=60, required=False)
    # --- 办事指南 (issue 11) ---
    service_objects = forms.MultipleChoiceField(
        label="服务对象",
        choices=list(codes.SERVICE_OBJECTS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    visits = forms.IntegerField(
        label="到现场次数",
        required=False,
        min_value=0,
        max_value=codes.MAX_VISITS,
        help_text="0 为零跑动，1 为最多跑一次",
    )
    online_depth = forms.ChoiceField(
        label="网办深度", required=False, choices=[("", "请选择")] + list(codes.ONLINE_DEPTHS.items())
    )
    intermediary = forms.CharField(
        label="中介服务", max_length=300, required=False, help_text="需要的中介服务；没有的请标为不适用"
    )
    quantity_limit = forms.CharField(
        label="数量限制", max_length=300, required=False, help_text="如：每人限办一次；没有的请标为不适用"
    )
    delivery_methods = forms.MultipleChoiceField(
        label="结果送达方式",
        choices=list(codes.DELIVERY_METHODS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    complaint_phone = forms.CharField(label="监督投诉电话", max_length=60, required=False)
    not_applicable = forms.MultipleChoiceField(
        label="不适用的指南要素",
        choices=[(k, elements.GUIDE_LABELS[k]) for k in elements.NA_ALLOWED],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="办事指南的每个要素须填写或标为不适用；收费项目标为不适用即不收费",
    )

    @staticmethod
    def initial_from(version: ItemVersion) -> dict:
        return {
            **{
                f: getattr(version, f)
                for f in (
                    "name",
                    "item_type",
                    "public_domain",
                    "basic_code",
                    "main_basic_code",
                    "main_item_name",
                    "competent_department",
                    "level",
                    "statutory_days",
                    "promised_days",
                    "charges_fee",
                    "fee_amount",
                    "fee_basis",
                    "conditions",
                    "procedure",
                    "result_name",
                    "location",
                    "consult_phone",
                    "visits",
                    "online_depth",
                    "intermediary",
                    "quantity_limit",
                    "complaint_phone",
                )
            },
            "service_objects": codes.tags_decode(version.service_objects),
            "delivery_methods": codes.tags_decode(version.delivery_methods),
            "not_applicable": version.not_applicable_keys,
            "department": version.department_id,
            "handling_tiers": list(version.handling_tiers),
            "help_tiers": list(version.help_tiers),
            "agency_tiers": list(version.agency_tiers),
            "is_immediate": "1" if version.is_immediate else "0",
            "channels": version.channels,
            "tags": version.tag_codes,
        }


class LegalBasisForm(forms.Form):
    rank = forms.TypedChoiceField(
        label="位阶", choices=list(codes.LEGAL_RANKS.items()), coerce=int, initial=1
    )
    title = forms.CharField(label="依据名称", max_length=200, help_text="如《中华人民共和国行政许可法》")
    article = forms.CharField(label="条款", max_length=100, required=False, help_text="如 第三十五条")
    text = forms.CharField(label="条文内容", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MaterialForm(forms.Form):
    name = forms.CharField(label="材料名称", max_length=200)
    kind = forms.ChoiceField(label="材料形式", choices=list(codes.MATERIAL_KINDS.items()), initial="original")
    copies = forms.IntegerField(label="份数", min_value=1, max_value=99, initial=1)
    required = forms.TypedChoiceField(
        label="是否必要", choices=[("1", "必要"), ("0", "按情形提交")], coerce=lambda v: v == "1", initial="1"
    )
    condition = forms.CharField(
        label="适用情形", max_length=300, required=False, help_text="按情形提交时填写"
    )
    source = forms.ChoiceField(
        label="来源渠道", choices=list(codes.MATERIAL_SOURCES.items()), initial="applicant"
    )
    notes = forms.CharField(label="备注", max_length=300, required=False)
    blank_form = forms.FileField(
        label="空白表格",
        required=False,
        widget=forms.FileInput,
        validators=[AttachmentValidator("空白表格")],
        help_text="PDF、Word、Excel 或图片，按内容识别",
    )
    sample = forms.FileField(
        label="示例样表",
        required=False,
        widget=forms.FileInput,
        validators=[AttachmentValidator("示例样表")],
    )


class FeeItemForm(forms.Form):
    name = forms.CharField(label="收费项目", max_length=100)
    amount = forms.DecimalField(
        label="金额（元）", max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    basis = forms.CharField(label="收费依据", max_length=300)
    reduction = forms.CharField(label="减免政策", max_length=300, required=False)


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PlaceForm(forms.Form):
    institution = InstitutionChoiceField(
        label="服务机构",
        queryset=Institution.objects.order_by("path"),
        required=False,
        empty_label="所有办理机构",
    )
    address = forms.CharField(label="办理地点", max_length=300)
    hours = forms.CharField(label="办理时间", max_length=200, help_text="如：工作日 9:00–12:00，13:30–17:00")
    phone = forms.CharField(label="联系电话", max_length=60, required=False)

    def __init__(self, *args, user=None, keep=(), **kwargs):
        """`user`: the editor, who picks among the institutions of his scope (plus `keep`, those the
        version already names, so a row he did not touch still saves)."""
        super().__init__(*args, **kwargs)
        if user is not None:
            scoped = institutions_in_scope(user).values("pk")
            field = self.fields["institution"]
            field.queryset = Institution.objects.filter(Q(pk__in=scoped) | Q(pk__in=list(keep))).order_by(
                "path"
            )


LegalBasisFormSet = formset_factory(LegalBasisForm, extra=2, can_delete=True)
MaterialFormSet = formset_factory(MaterialForm, extra=2, can_delete=True)
FeeItemFormSet = formset_factory(FeeItemForm, extra=1, can_delete=True, max_num=20, validate_max=True)
PlaceFormSet = formset_factory(PlaceForm, extra=1, can_delete=True, max_num=50, validate_max=True)


def formset_rows(formset) -> list[dict]:
    """The filled-in, not deleted rows of a formset, in order."""
    rows = []
    extra = set(map(id, formset.extra_forms))
    for form in formset.forms:
        if (id(form) in extra and not form.has_changed()) or form.cleaned_data.get("DELETE"):
            continue
        data = {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for key in ("blank_form", "sample"):
            if key in data and data[key] in (None, False):
                data[key] = form.initial.get(key, "")
        rows.append(data)
    return rows


def item_data(form: ItemForm, legal, materials, fees=None, places=None) -> dict:
    data = dict(form.cleaned_data)
    data["legal_bases"] = formset_rows(legal)
    data["materials"] = formset_rows(materials)
    if fees is not None:
        data["fee_items"] = formset_rows(fees)
    if places is not None:
        data["places"] = formset_rows(places)
    return data


class PublicationForm(forms.Form):
    effective_on = forms.DateField(
        label="生效日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="批准后自该日起施行；不能早于今天",
    )
    trigger = forms.ChoiceField(label="调整原因", choices=Adjustment.Trigger.choices)
    justification = forms.CharField(
        label="调整说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="依据的法律法规或文件；可不填",
    )


class AdjustmentForm(forms.Form):
    kind = forms.ChoiceField(label="调整类型", choices=[(k, k.label) for k in Adjustment.RAISABLE_KINDS])
    trigger = forms.ChoiceField(label="调整原因", choices=Adjustment.Trigger.choices)
    justification = forms.CharField(
        label="调整说明", widget=forms.Textarea(attrs={"rows": 3}), help_text="依据的法律法规或文件、调整理由"
    )
    effective_on = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}))
    items = forms.CharField(
        label="涉及事项（实施编码，每行一个）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="合并时填写全部被合并事项",
    )
    new_names = forms.CharField(
        label="调整后的事项（每行：事项名称 基本编码）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="拆分填写两行以上，合并填写一行；其余要素先沿用原事项，提交前可逐项修改",
    )

    def parsed_new(self) -> list[dict]:
        rows = []
        for line in (self.cleaned_data.get("new_names") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            name, _, code = line.rpartition(" ")
            if not name:
                raise forms.ValidationError(f"“{line}”应为“事项名称 基本编码”")
            rows.append({"name": name.strip(), "basic_code": code.strip()})
        return rows


class AdjustmentEditForm(forms.Form):
    trigger = forms.ChoiceField(label="调整原因", choices=Adjustment.Trigger.choices)
    justification = forms.CharField(label="调整说明", widget=forms.Textarea(attrs={"rows": 3}))
    effective_on = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}))


class ReviewForm(forms.Form):
    note = forms.CharField(
        label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="退回时必填"
    )


class BundleForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, help_text="如：我要开餐馆")
    audience = forms.ChoiceField(label="服务对象", choices=Bundle.AUDIENCES)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    items = forms.CharField(
        label="包含的事项（实施编码，每行一个，按办理顺序）", widget=forms.Textarea(attrs={"rows": 5})
    )
    is_published = forms.BooleanField(label="对外公开", required=False, initial=True)


class ImportForm(forms.Form):
    file = forms.FileField(label="事项目录工作簿（.xlsx）", validators=[exchange.IMPORT_FILE])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = size_text(settings.BANGBAN_UPLOAD_MAX_BYTES)
        self.fields["file"].help_text = f"请使用导入模板；文件不超过 {limit}"
