from django import forms

from bangban.divisions.models import Division
from bangban.org.models import Institution


class InstitutionForm(forms.Form):
    name = forms.CharField(label="机构名称", max_length=100)
    tier = forms.TypedChoiceField(label="层级", choices=Institution.Tier.choices, coerce=int)
    division = forms.CharField(
        label="行政区划代码", max_length=12, help_text="如 320505101（通安镇）；村、社区为 12 位代码"
    )
    address = forms.CharField(label="地址", max_length=200, required=False)
    opening_hours = forms.CharField(
        label="办公时间", max_length=200, required=False, help_text="如：工作日 9:00–12:00，13:30–17:00"
    )
    phone = forms.CharField(label="联系电话", max_length=40, required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["tier"]
            del self.fields["division"]
        else:
            del self.fields["is_active"]

    def clean_division(self):
        code = self.cleaned_data["division"].strip()
        division = Division.objects.filter(code=code).first()
        if division is None:
            raise forms.ValidationError(f"行政区划代码 {code} 不存在，请先导入该区划")
        return division


class DepartmentForm(forms.Form):
    name = forms.CharField(label="部门名称", max_length=100)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    windows = forms.CharField(label="窗口号", max_length=100, required=False)
    phone = forms.CharField(label="联系电话", max_length=40, required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
