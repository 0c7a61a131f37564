from django import forms
from django.conf import settings

from bangban.accounts.roles import Role
from bangban.org.models import Department, Institution


class LoginForm(forms.Form):
    username = forms.CharField(
        label="登录名",
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="原密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 10 位，包含大写字母、小写字母、数字、符号中的至少 3 类",
    )
    new_password2 = forms.CharField(
        label="确认新密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data


class StaffForm(forms.Form):
    username = forms.CharField(label="登录名", max_length=64, help_text="字母、数字和 . _ -")
    full_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    institution = forms.ModelChoiceField(label="所属机构", queryset=Institution.objects.none())
    department = forms.ModelChoiceField(
        label="所属进驻部门",
        queryset=Department.objects.none(),
        required=False,
        help_text="首席协办员、专职协办员必填",
    )
    roles = forms.MultipleChoiceField(label="角色", choices=Role.choices, widget=forms.CheckboxSelectMultiple)
    password = forms.CharField(
        label="初始密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 10 位，含 3 类字符；本人首次登录时必须修改",
    )

    def __init__(self, *args, institutions, departments, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["department"].queryset = departments
        self.fields["department"].label_from_instance = lambda d: f"{d.institution.name} · {d.name}"
        if editing:
            del self.fields["password"]
            self.fields["username"].disabled = True


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="本人下次登录时必须修改",
    )


class TokenForm(forms.Form):
    name = forms.CharField(label="名称", max_length=50, help_text="写明使用它的系统或用途，如“窗口叫号屏”")
    days = forms.IntegerField(
        label="有效期（天）",
        min_value=1,
        max_value=settings.BANGBAN_TOKEN_MAX_DAYS,
        initial=settings.BANGBAN_TOKEN_DAYS,
        help_text=f"1–{settings.BANGBAN_TOKEN_MAX_DAYS} 天，到期后须重新签发",
    )
