"""The user account that records what households do through the portal.

The registration workflow checks roles, and lets the "member" role cancel.
Households have no Django users, so portal actions run as one account in
that role. It has no usable password and no desk access. Which household
acted is shown by the registration itself, which the portal only changes
for its own household.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from lq_crm.access.models import Role

PORTAL_USERNAME = "member-portal"
MEMBER_ROLE = "member"


class PortalSetupError(Exception):
    """The fixtures the portal relies on are not loaded."""


def portal_actor() -> User:
    """Return the portal's account, created on first use, in the member role."""
    role = Role.objects.select_related("group").filter(code=MEMBER_ROLE).first()
    if role is None:
        raise PortalSetupError(
            _("The role %(role)s is missing: run `manage.py sync_fixtures`.")
            % {"role": MEMBER_ROLE}
        )

    user, created = User.objects.get_or_create(
        username=PORTAL_USERNAME,
        defaults={"first_name": "Member portal", "is_staff": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(role.group)
    return user
