from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from trygg.core.http import allow

from .roles import Capability
from .selectors import safety_group_get_for_user, safety_group_members, safety_groups_for_user


@allow("GET")
@login_required
def group_list(request):
    groups = safety_groups_for_user(request.user)
    mine = set(groups.filter(memberships__user=request.user).values_list("id", flat=True))
    return render(
        request,
        "accounts/group_list.html",
        {
            "groups": groups,
            "mine": mine,
            "can_manage": request.user.can(Capability.MANAGE_GROUPS),
        },
    )


@allow("GET")
@login_required
def group_detail(request, group_id: int):
    group = safety_group_get_for_user(request.user, group_id=group_id)
    return render(
        request,
        "accounts/group_detail.html",
        {
            "group": group,
            "memberships": safety_group_members(group=group),
            "can_manage": request.user.can(Capability.MANAGE_GROUPS),
            # The same rule as the group's picture (situation.selectors.picture_scope_for_user).
            "sees_pictures": request.user.can(Capability.VIEW_MUNICIPAL_PICTURE)
            or (
                request.user.can(Capability.VIEW_SITUATION)
                and group.memberships.filter(user=request.user).exists()
            ),
        },
    )
