from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from unfold.admin import ModelAdmin, StackedInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from lq_crm.access.models import CityScope, Role
from lq_crm.core.admin import ReadOnlyAdminMixin

admin.site.unregister(User)
admin.site.unregister(Group)


class CityScopeInline(StackedInline):
    """The cities a regional user may work on; no row means every city."""

    model = CityScope
    fields = ["cities"]
    filter_horizontal = ["cities"]
    can_delete = True
    extra = 0
    max_num = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    inlines = [CityScopeInline]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "is_staff",
        "is_superuser",
        "is_active",
    ]


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(Role)
class RoleAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Role codes are fixed by the code that uses them; groups carry the rights."""

    list_display = ["code", "group"]
    search_fields = ["code", "group__name"]
    list_select_related = ["group"]
