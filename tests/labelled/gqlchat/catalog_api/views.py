from django.contrib.auth.mixins import LoginRequiredMixin
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView


class PartnerGraphQLView(LoginRequiredMixin, GraphQLView):
    validation_rules = (depth_limit_validator(5),)
