"""Mutation base classes of the catalogue: every staff mutation checks the
caller's permission before its resolver runs."""

import graphene
from graphql import GraphQLError


class StaffMutation(graphene.Mutation):
    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, permission=None, **options):
        cls.permission = permission
        super().__init_subclass_with_meta__(**options)

    @classmethod
    def Field(cls, *args, **kwargs):
        field = super().Field(*args, **kwargs)
        resolve = field.resolver

        def guarded(root, info, **data):
            if not info.context.user.has_perm(cls.permission):
                raise GraphQLError("Not allowed")
            return resolve(root, info, **data)

        field.resolver = guarded
        return field
