from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStaffOrReadOnly(BasePermission):
    """Anyone may read; only staff may create, change or delete."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_staff)


class IsOrderOwnerOrStaff(BasePermission):
    message = "You can only access your own orders."

    def has_object_permission(self, request, view, obj):
        if request.user.is_staff:
            return True
        return obj.customer.user_id == request.user.id
