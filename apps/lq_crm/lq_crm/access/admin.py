from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from unfold.admin import ModelAdmin, StackedInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.views import UnfoldModelAdminViewMixin

from lq_crm.access.matrix import build_matrix, save_matrix
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

    def get_urls(self) -> list[URLPattern]:
        matrix = self.admin_site.admin_view(
            PermissionMatrixView.as_view(model_admin=self)
        )
        return [path("matrix/", matrix, name="access_role_matrix"), *super().get_urls()]


class PermissionMatrixView(UnfoldModelAdminViewMixin, TemplateView):
    """Roles × document types × actions as checkboxes, saved to the role groups.

    Django reads a user's group permissions on each request, so a saved
    change applies to the role's users at once.
    """

    title = gettext_lazy("Permission matrix")
    permission_required = ("auth.change_group",)
    template_name = "access/permission_matrix.html"

    def roles(self) -> list[Role]:
        return list(Role.objects.select_related("group").order_by("pk"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        roles = self.roles()
        return super().get_context_data(
            roles=roles, sections=build_matrix(roles), **kwargs
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        roles = self.roles()
        changed = save_matrix(
            roles, build_matrix(roles), set(request.POST), request.user.pk
        )
        messages.success(
            request,
            _("Permissions saved: %(count)s roles changed.") % {"count": changed},
        )
        return HttpResponseRedirect(reverse("admin:access_role_matrix"))
