from .models import Role
from .services import memberships_of


def tenancy(request):
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    others = []
    if membership is not None and user is not None and user.is_authenticated:
        others = memberships_of(user) if request.method == "GET" else []
    return {
        "membership": membership,
        "organization": getattr(request, "organization", None),
        "role": membership.role if membership else None,
        "my_memberships": others,
        "Role": Role,
    }
