"""Serializer helpers shared by the apps' APIs."""

import copy
import datetime

from django.db import models
from django.utils import timezone
from rest_framework import serializers

from config.dates import DateInputError, check_range


class PrebuiltFields:
    """A ModelSerializer rebuilds its fields from the model for every instance
    (about 1 ms for a visit); this builds them once per class and gives each
    instance deep copies, as DRF does for declared fields. Only for serializers
    whose fields do not depend on the instance or the context."""

    def get_fields(self):
        cls = type(self)
        prototypes = cls.__dict__.get("_prototype_fields")
        if prototypes is None:
            prototypes = super().get_fields()
            cls._prototype_fields = prototypes
        return copy.deepcopy(prototypes)

    @classmethod
    def represent(cls, instance) -> dict:
        """What `cls(instance).data` gives, from one instance per class whose
        fields are built and bound once: for the responses of the busiest
        actions. Safe because representing keeps no state on the serializer or
        its fields; only for serializers that need no context to represent."""
        shared = cls.__dict__.get("_shared")
        if shared is None:
            shared = cls()
            shared.fields  # noqa: B018 - binds the fields once
            cls._shared = shared
        return shared.to_representation(instance)


class BoundedDateTimeField(serializers.DateTimeField):
    """A date and time between config.dates.EARLIEST and LATEST: a visit in year 1
    or 9999 is a typing error, and such years overflow time-zone arithmetic."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        try:
            check_range(moment)
            if timezone.is_aware(moment):
                check_range(moment.astimezone(datetime.UTC))
        except DateInputError as error:
            raise serializers.ValidationError(str(error)) from error
        return moment


class BoundedDateField(serializers.DateField):
    """A date between config.dates.EARLIEST and LATEST."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        try:
            return check_range(day)
        except DateInputError as error:
            raise serializers.ValidationError(str(error)) from error


def bound_model_dates():
    """Every ModelSerializer reads model dates through the bounded fields
    (called once, from tenancy's AppConfig.ready)."""
    mapping = serializers.ModelSerializer.serializer_field_mapping
    mapping[models.DateTimeField] = BoundedDateTimeField
    mapping[models.DateField] = BoundedDateField
