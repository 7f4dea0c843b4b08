"""Serializer helpers shared by the apps' APIs."""

import copy


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
