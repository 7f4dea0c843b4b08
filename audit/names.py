"""People and objects named as they are now: `Names(entries)` resolves every
id a batch of journal entries mentions, in one query per kind; a person gone
or erased reads "personne effacée", a thing deleted "(supprimé)".

    from audit.names import Names, name_of
    names = Names(page_of_entries)
    names.actor(entry), names.target(entry), names.details(entry)
    name_of(rule)  # "Règle de notification « Arrivée → hôte »"
"""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django_scopes import scopes_disabled

from tenancy.models import Role

from .labels import (
    DATA_LABELS,
    HIDDEN_DATA,
    _humanise,
    action_label,
    data_type_label,
    dataset_label,
    quoted,
    verb_label,
)

ERASED = pgettext_lazy("journal", "erased person")
SYSTEM = pgettext_lazy("journal", "Vestibule (automatic)")
API_PROGRAM = pgettext_lazy("journal", "an API program")


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _visitor_name(visitor) -> str:
    if visitor is None or getattr(visitor, "anonymized_at", None) or not str(visitor).strip():
        return str(ERASED)
    return str(visitor)


def _name(label: str, obj) -> str:
    """How one object is called on a screen."""
    if label == "visitors.visitor":
        return _visitor_name(obj)
    if label == "visitors.visit":
        return _("Visit of %(name)s") % {"name": _visitor_name(obj.visitor)}
    if label == "tenancy.user":
        return obj.get_full_name() or obj.email
    if label == "tenancy.membership":
        return obj.user.get_full_name()
    if label == "visitors.visittype":
        return obj.name
    if label in ("sites.site", "sites.desk"):
        return obj.name
    if label == "documents.consenttext" and obj.current_version_id:
        title = capfirst(str(type(obj)._meta.verbose_name))
        return f"{title} {quoted(str(obj))}"
    model = type(obj)
    title = capfirst(str(model._meta.verbose_name))
    name = getattr(obj, "name", "") or getattr(obj, "reason", "")
    if isinstance(name, str) and name.strip():
        return f"{title} {quoted(name.strip())}"
    return title


def name_of(obj) -> str:
    """How one object is called on a screen ("Visite de Jean Martin",
    "personne effacée", "Règle de notification « Arrivée → hôte »")."""
    return _name(obj._meta.label_lower, obj)


_RELATED = {
    "visitors.visit": ("visitor",),
    "tenancy.membership": ("user",),
}


class Names:
    """Every id a batch of entries mentions, resolved in one query per kind.
    Runs inside the tenant scope of the entries."""

    # data key -> model label of the id it holds
    DATA_IDS = {
        "visitor_id": "visitors.visitor",
        "host_id": "tenancy.membership",
        "membership_id": "tenancy.membership",
        "visit_type_id": "visitors.visittype",
        "desk_id": "sites.desk",
        "site_id": "sites.site",
        "rule": "notifications.notificationrule",
        "rule_id": "notifications.notificationrule",
        "user_id": "tenancy.user",
        "list": "notifications.recipientlist",
        "list_id": "notifications.recipientlist",
        "desk": "sites.desk",
    }
    # data key -> model label of the ids listed under it
    LIST_IDS = {
        "member_ids": "tenancy.membership",
        "site_ids": "sites.site",
        "sites": "sites.site",
        "lists": "notifications.recipientlist",
        "rules": "notifications.notificationrule",
    }

    def __init__(self, entries=()):
        self._wanted: dict[str, set] = defaultdict(set)
        self._found: dict[str, dict] = {}
        self._tz: dict[int, str] = {}
        for entry in entries:
            self.want(entry)

    def want(self, entry) -> None:
        if entry.actor_id:
            self._wanted["tenancy.user"].add(entry.actor_id)
        if entry.target_type and entry.target_id:
            self._wanted[entry.target_type].add(entry.target_id)
        if entry.site_id:
            self._wanted["sites.site"].add(entry.site_id)
        for key, label in self.DATA_IDS.items():
            value = (entry.data or {}).get(key)
            if isinstance(value, int | str) and str(value).isdigit():
                self._wanted[label].add(value)

    def _load(self, label: str) -> dict:
        if label in self._found:
            return self._found[label]
        found: dict = {}
        model = _model(label)
        ids = [i for i in self._wanted.get(label, ()) if str(i).isdigit()]
        if model is not None and ids:
            manager = model.objects
            if label == "tenancy.user":
                with scopes_disabled():
                    found = {str(o.pk): o for o in model._default_manager.filter(pk__in=ids)}
            else:
                rows = manager.filter(pk__in=ids)
                related = _RELATED.get(label)
                if related:
                    rows = rows.select_related(*related)
                found = {str(o.pk): o for o in rows}
        self._found[label] = found
        return found

    def get(self, label: str, pk) -> str:
        """The object's name; a missing person is erased, a missing thing deleted."""
        if pk in (None, ""):
            return ""
        self._wanted[label].add(pk)
        if label in self._found and str(pk) not in self._found[label]:
            self._found.pop(label)  # asked for later than the batch: load again
        obj = self._load(label).get(str(pk))
        if obj is None:
            if label in ("visitors.visitor", "tenancy.user", "tenancy.membership", "visitors.visit"):
                return str(ERASED) if label != "visitors.visit" else _("Deleted visit")
            model = _model(label)
            title = capfirst(str(model._meta.verbose_name)) if model else _humanise(label)
            return _("%(what)s (deleted)") % {"what": title}
        return _name(label, obj)

    def actor(self, entry) -> str:
        if entry.actor_kind == "system" or not entry.actor_id:
            return str(SYSTEM) if not entry.token_id and entry.actor_kind != "token" else str(API_PROGRAM)
        name = self.get("tenancy.user", entry.actor_id)
        if entry.actor_kind == "token":
            return _("%(name)s (API token)") % {"name": name}
        return name

    def target(self, entry) -> str:
        if not entry.target_type:
            return ""
        return self.get(entry.target_type, entry.target_id)

    def site(self, entry) -> str:
        return self.get("sites.site", entry.site_id) if entry.site_id else ""

    def site_timezone(self, entry) -> str | None:
        if not entry.site_id:
            return None
        self.get("sites.site", entry.site_id)
        site = self._found.get("sites.site", {}).get(str(entry.site_id))
        return getattr(site, "timezone", None)

    def details(self, entry) -> list[tuple[str, str]]:
        """The entry's data as (label, words) pairs, ids named, codes translated."""
        out = []
        model = _model(entry.target_type) if entry.target_type else None
        for key, value in (entry.data or {}).items():
            if key in HIDDEN_DATA or value in (None, "", [], {}):
                continue
            label = str(DATA_LABELS.get(key) or _humanise(key.removesuffix("_id")))
            out.append((label, self._value(key, value, model)))
        return out

    def _value(self, key, value, model) -> str:
        if key in self.DATA_IDS and str(value).isdigit():
            return self.get(self.DATA_IDS[key], value)
        if key in self.LIST_IDS and isinstance(value, list) and all(str(v).isdigit() for v in value):
            return ", ".join(self.get(self.LIST_IDS[key], v) for v in value)
        if key == "role" and isinstance(value, str):
            return str(dict(Role.choices).get(value, value))
        if key == "data_types" and isinstance(value, list):
            return ", ".join(data_type_label(v) for v in value)
        if key == "data_type":
            return data_type_label(value)
        if key == "event" and isinstance(value, str):
            return verb_label(value)
        if key == "dataset":
            return dataset_label(value)
        if key == "fields" and isinstance(value, list):
            return ", ".join(_field_label(model, name) for name in value)
        if key in ("before", "after") and isinstance(value, dict):
            return ", ".join(
                f"{DATA_LABELS.get(k) or _humanise(k)} {self._value(k, v, model)}"
                for k, v in value.items()
                if v not in (None, "", [])
            )
        if key in ("counts", "types") and isinstance(value, dict):
            return ", ".join(f"{data_type_label(k)} {self._plain(v)}" for k, v in value.items())
        return self._plain(value)

    def _plain(self, value) -> str:
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, list):
            return ", ".join(self._plain(v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{_humanise(str(k))} {self._plain(v)}" for k, v in value.items())
        if isinstance(value, str) and value in ("anonymise", "delete"):
            return action_label(value)
        return str(value)


def _field_label(model, name: str) -> str:
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # a field removed since: its name in words
            pass
    return _humanise(name).lower()
