"""Configuration capture: an organization's settings as one JSON document
whose rows refer to each other by natural keys (a site's name, a desk's site
and name), never by database ids, so that it imports into another organization
or back after a restore.

One registry drives both directions: adding a settings model is adding a line
to its app's `restore.py` (config.registries.captured_settings).
"""

import base64
import datetime
import json

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from audit import services as audit
from config.registries import ORDINAL, captured_settings, ordered
from tenancy.models import Organization
from tenancy.scope import tenant_scope

FORMAT = "vestibule.configuration"
FORMAT_VERSION = 1
# The settings models are registered by the apps that own them
# (`APP/restore.py`, config.registries.CapturedSettings), in capture order.
# Referred to, never created: a list's members are people already invited.
REFERENCES = {"tenancy.Membership": ("user__email",)}


class CaptureError(ValueError):
    pass


def _specs():
    for spec in ordered(captured_settings):
        try:
            yield apps.get_model(spec.model), spec.model, spec.natural_key, spec.deferred
        except LookupError:
            continue  # an app not installed yet


def _captured_labels() -> set[str]:
    return {label for _m, label, _k, _d in _specs()} | set(REFERENCES)


def _fields(model):
    """Fields that carry settings: not ids, not the organization, not automatic
    timestamps, not links to people's accounts."""
    labels = _captured_labels()
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name == "organization":
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.is_relation and field.related_model._meta.label not in labels:
            continue
        yield field


def _m2m(model):
    labels = _captured_labels()
    return [f for f in model._meta.many_to_many if f.related_model._meta.label in labels]


class _Keys:
    """Natural keys of the rows of one organization, both ways."""

    def __init__(self):
        self.by_pk: dict[str, dict] = {}
        self.by_key: dict[str, dict] = {}

    def load(self, model, label, key_fields):
        rows = list(model.objects.order_by("pk"))
        self.by_pk[label], self.by_key[label] = {}, {}
        for n, row in enumerate(rows, 1):
            self.add(label, row.pk, self.key_of(row, key_fields, n))

    def add(self, label, pk, key):
        self.by_pk[label][pk] = key
        self.by_key[label][json.dumps(key)] = pk

    def key_of(self, row, key_fields, ordinal=None):
        key = []
        for name in key_fields:
            if name == ORDINAL:
                key.append(f"{ORDINAL}{ordinal}")
                continue
            field = row._meta.get_field(name)
            if field.is_relation:
                key.append(self.ref(field.related_model._meta.label, getattr(row, field.attname)))
            else:
                key.append(getattr(row, name))
        return key

    def ref(self, label, pk):
        return None if pk is None else self.by_pk.get(label, {}).get(pk)

    def pk(self, label, key):
        if key is None:
            return None
        found = self.by_key.get(label, {}).get(json.dumps(key))
        if found is None:
            raise CaptureError(_("Unknown %(what)s: %(key)s") % {"what": label, "key": key})
        return found


def _encode(field, value, keys):
    if field.is_relation:
        return keys.ref(field.related_model._meta.label, value)
    if value is None:
        return None
    if isinstance(field, models.BinaryField):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime.date | datetime.time | datetime.datetime):
        return value.isoformat()
    return value


def _decode(field, value, keys):
    if field.is_relation:
        return keys.pk(field.related_model._meta.label, value)
    if value is None:
        return None
    if isinstance(field, models.BinaryField):
        return base64.b64decode(value)
    if isinstance(field, models.DateTimeField):
        return datetime.datetime.fromisoformat(value)
    if isinstance(field, models.DateField):
        return datetime.date.fromisoformat(value)
    if isinstance(field, models.TimeField):
        return datetime.time.fromisoformat(value)
    return value


def _load_keys() -> _Keys:
    keys = _Keys()
    for label in REFERENCES:
        model = apps.get_model(label)
        keys.by_pk[label] = {m.pk: [m.user.email] for m in model.objects.select_related("user")}
        keys.by_key[label] = {json.dumps(k): pk for pk, k in keys.by_pk[label].items()}
    for model, label, key_fields, _deferred in _specs():
        keys.load(model, label, key_fields)
    return keys


def export_config() -> dict:
    """The current organization's settings (call inside its tenant scope)."""
    keys = _load_keys()
    out = {}
    for model, label, key_fields, _deferred in _specs():
        rows = []
        m2m = _m2m(model)
        for row in model.objects.order_by("pk").prefetch_related(*[f.name for f in m2m]):
            item = {
                "key": keys.by_pk[label][row.pk],
                "fields": {f.name: _encode(f, getattr(row, f.attname), keys) for f in _fields(model)},
            }
            for field in m2m:
                target = field.related_model._meta.label
                item.setdefault("many", {})[field.name] = sorted(
                    (keys.ref(target, o.pk) for o in getattr(row, field.name).all()), key=json.dumps
                )
            rows.append(item)
        if ORDINAL not in key_fields:
            rows.sort(key=lambda r: json.dumps(r["key"]))
        out[label] = rows
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "models": out}


def export_all() -> dict:
    """Every organization's capture, by slug (the backup's config part)."""
    out = {}
    for org in Organization.objects.order_by("slug"):
        with tenant_scope(org):
            out[org.slug] = export_config()
    return out


# Documents written before translated content moved to django-modeltrans kept
# each translated attribute in one field per language (`name_fr`, `name_en`).
_PER_LANGUAGE_FIELDS = {"visitors.VisitType": ("name",), "documents.ConsentVersion": ("title", "body")}


def _per_language_to_i18n(document: dict) -> dict:
    """An older document in today's fields: `name_fr` (settings.LANGUAGE_CODE then)
    becomes `name`, `name_en` goes into `i18n`. Natural keys keep their values;
    a document of today is returned unchanged."""
    models_ = document.get("models")
    if not isinstance(models_, dict):
        return document
    for label, attributes in _PER_LANGUAGE_FIELDS.items():
        for item in models_.get(label) or []:
            fields = item.get("fields") if isinstance(item, dict) else None
            if not isinstance(fields, dict):
                continue
            if not any(f"{attribute}_fr" in fields for attribute in attributes):
                continue
            i18n = {}
            for attribute in attributes:
                if f"{attribute}_fr" in fields:
                    fields[attribute] = fields.pop(f"{attribute}_fr")
                english = fields.pop(f"{attribute}_en", None)
                if english:
                    i18n[f"{attribute}_en"] = english
            fields["i18n"] = i18n
    return document


def _check(document) -> dict:
    """The document's models, or CaptureError naming what is wrong with it
    before anything is touched."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CaptureError(_("This is not a Vestibule configuration document."))
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version != FORMAT_VERSION:
        if isinstance(version, int) and version > FORMAT_VERSION:
            raise CaptureError(
                _("This document has format version %(theirs)s; this Vestibule reads up to %(ours)s.")
                % {"theirs": version, "ours": FORMAT_VERSION}
            )
        raise CaptureError(
            _(
                "This document comes from another version of Vestibule (format %(theirs)s); "
                "this one reads format %(ours)s. Export the configuration again from this version."
            )
            % {"theirs": str(version)[:20], "ours": FORMAT_VERSION}
        )
    wanted = document.get("models")
    damaged = CaptureError(
        _("This configuration document is damaged: its structure is not the expected one.")
    )
    if not isinstance(wanted, dict):
        raise damaged
    for rows in wanted.values():
        if not isinstance(rows, list):
            raise damaged
        for item in rows:
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("key"), list)
                or not isinstance(item.get("fields", {}), dict)
                or not isinstance(item.get("many", {}), dict)
            ):
                raise damaged
    _per_language_to_i18n(document)
    return wanted


def _comparable(field, value):
    """A field's value as Python compares it (the database gives memoryviews
    for bytes, the document strings for dates and decimals)."""
    if value is None or field.is_relation:
        return value
    if isinstance(value, memoryview):
        return bytes(value)
    try:
        return field.to_python(value)
    except ValidationError as exc:
        raise CaptureError(
            _("The value of “%(field)s” in %(what)s cannot be read.")
            % {"field": field.name, "what": field.model._meta.verbose_name}
        ) from exc


def _changed(obj, values: dict, fields_by_attname: dict) -> dict:
    return {
        attname: value
        for attname, value in values.items()
        if _comparable(fields_by_attname[attname], getattr(obj, attname))
        != _comparable(fields_by_attname[attname], value)
    }


def _update(model, obj, changes: dict, key) -> None:
    """Write `changes`; a row the database keeps frozen (a signed consent
    version) refuses the whole import with its name, instead of an error page."""
    try:
        with transaction.atomic():
            model.objects.filter(pk=obj.pk).update(**changes)
    except DatabaseError as exc:
        raise CaptureError(
            _("%(what)s %(key)s cannot change (it is in use, e.g. signed); the document changes it.")
            % {"what": model._meta.verbose_name, "key": key}
        ) from exc


EMPTY_SUMMARY = {"created": 0, "updated": 0, "removed": 0}


def import_config(*, organization, document: dict, replace: bool = True) -> dict:
    """Make the current organization's settings those of `document`, all or
    nothing. Returns what changed: {"created", "updated", "removed"} (rows; a
    row whose links changed counts as updated); all zero when the document is
    the organization's own configuration.

    1. Rows are matched by natural key: existing ones are updated where they
       differ (a row equal to the document is not written, so signed consent
       versions are matched, not rewritten), missing ones created, in the
       capture order (a desk after its site).
    2. Forward references (a template's current version) and many-to-many
       links are set in a second pass, once every row exists.
    3. With `replace`, settings rows absent from the document are deleted
       (newest models first); one that other data still needs refuses the
       whole import.
    A document that cannot be applied raises CaptureError and changes nothing.
    """
    wanted = _check(document)
    try:
        with transaction.atomic():
            summary = _apply(organization, wanted, replace)
            audit.record(
                "config.imported",
                data={**summary, "changed": any(summary.values())},
            )
    except (KeyError, TypeError, AttributeError, ValueError, ValidationError, DatabaseError) as exc:
        if isinstance(exc, CaptureError):
            raise
        raise CaptureError(
            _("This configuration document cannot be applied: a value does not fit. Nothing was changed.")
        ) from exc
    return summary


def _apply(organization, wanted: dict, replace: bool) -> dict:
    org_id = organization if isinstance(organization, int) else organization.pk
    keys = _load_keys()
    summary = dict(EMPTY_SUMMARY)
    touched = set()
    later = []
    for model, label, key_fields, deferred in _specs():
        rows = wanted.get(label, [])
        fields = {f.name: f for f in _fields(model)}
        by_attname = {f.attname: f for f in fields.values()}
        for n, item in enumerate(rows, 1):
            key = item["key"]
            if ORDINAL in key_fields:
                key = [f"{ORDINAL}{n}"]
            values = {
                fields[name].attname: _decode(fields[name], value, keys)
                for name, value in item.get("fields", {}).items()
                if name in fields and name not in deferred
            }
            pk = keys.by_key[label].get(json.dumps(key))
            if pk is None:
                obj = model(organization_id=org_id, **values)
                obj.full_clean(
                    exclude=[f.name for f in model._meta.fields if f.is_relation] + ["organization"]
                )
                obj.save(force_insert=True)
                keys.add(label, obj.pk, key)
                summary["created"] += 1
                touched.add((label, obj.pk))
            else:
                obj = model.objects.get(pk=pk)
                changes = _changed(obj, values, by_attname)
                if changes:
                    _update(model, obj, changes, key)
                    summary["updated"] += 1
                    touched.add((label, obj.pk))
            later.append((model, label, obj.pk, item, deferred, fields))
    for model, label, pk, item, deferred, fields in later:
        obj = model.objects.get(pk=pk)
        changed = False
        if deferred:
            by_attname = {fields[name].attname: fields[name] for name in deferred}
            values = {
                fields[name].attname: _decode(fields[name], item["fields"].get(name), keys)
                for name in deferred
            }
            changes = _changed(obj, values, by_attname)
            if changes:
                _update(model, obj, changes, item["key"])
                changed = True
        for field in _m2m(model):
            target = field.related_model._meta.label
            new = {keys.pk(target, k) for k in item.get("many", {}).get(field.name, [])}
            manager = getattr(obj, field.name)
            if set(manager.values_list("pk", flat=True)) != new:
                manager.set(new)
                changed = True
        if changed and (label, pk) not in touched:
            summary["updated"] += 1
            touched.add((label, pk))
    if replace:
        summary["removed"] = _remove_absent(wanted, keys)
    return summary


def _remove_absent(wanted, keys) -> int:
    removed = 0
    for model, label, key_fields, _deferred in reversed(list(_specs())):
        if ORDINAL in key_fields:
            keep = {json.dumps([f"{ORDINAL}{n}"]) for n in range(1, len(wanted.get(label, [])) + 1)}
        else:
            keep = {json.dumps(item["key"]) for item in wanted.get(label, [])}
        extra = [pk for k, pk in keys.by_key[label].items() if k not in keep]
        if not extra:
            continue
        removed += len(extra)
        try:
            with transaction.atomic():
                model.objects.filter(pk__in=extra).delete()
        except ProtectedError as exc:
            raise CaptureError(
                _("%(what)s not in the document cannot be removed: other data still uses them.")
                % {"what": model._meta.verbose_name_plural}
            ) from exc
    return removed
