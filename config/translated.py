"""Translated content, in the languages of `settings.LANGUAGES`.

A translated attribute (a visit type's name, a consent version's title and body)
is stored by django-modeltrans: the text in `settings.LANGUAGE_CODE` (the one
required) in the model's own column (`name`), the other languages in the model's
`i18n` JSON (`{"name_en": "...", "name_de": "..."}`). django-modeltrans adds
`name_fr`, `name_en`, `name_de` and `name_i18n` (the active language, falling
back to LANGUAGE_CODE) at start-up.

The helpers here read `settings.LANGUAGES` each time instead of relying on those
start-up fields, so that forms, serializers, exports and the kiosk follow the
setting alone: adding a language is a line in settings and a `.po` file, no code
and no migration (tests/test_languages.py overrides LANGUAGES to prove it).
"""

from collections.abc import Mapping

from django import forms
from django.conf import settings
from django.db.models import F, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers


def languages() -> list[str]:
    """The configured language codes, LANGUAGE_CODE first."""
    codes = [code for code, _name in settings.LANGUAGES]
    default = default_language()
    return [default, *(code for code in codes if code != default)]


def default_language() -> str:
    return settings.LANGUAGE_CODE


def supported(language: str | None) -> str | None:
    """The configured language matching `language` ("de-CH" → "de"), or None."""
    if not language:
        return None
    codes = languages()
    if language in codes:
        return language
    base = language.split("-")[0].lower()
    return base if base in codes else None


def current_language() -> str:
    return supported(translation.get_language()) or default_language()


def language_name(code: str) -> str:
    """The language's name as settings.LANGUAGES gives it, in the active language."""
    return str(dict(settings.LANGUAGES).get(code, code))


def label(field_label, code: str) -> str:
    """ "Name (French)", "Nom (français)": the name of the language as it reads inside
    a label (lower case in French), falling back to Django's English name."""
    try:
        english = translation.get_language_info(code)["name"]
    except KeyError:
        english = code
    return _("%(field)s (%(language)s)") % {
        "field": capfirst(str(field_label)),
        "language": pgettext("language, inside a label", english),
    }


# --- Model instances ---------------------------------------------------------------


def _key(attribute: str, code: str) -> str:
    return f"{attribute}_{code}"


def get(instance, attribute: str, language: str | None = None, *, fallback: bool = True) -> str:
    """The attribute in `language` (the active one by default), else in LANGUAGE_CODE."""
    code = supported(language) if language else current_language()
    default = getattr(instance, attribute) or ""
    if code is None or code == default_language():
        return default
    value = (instance.i18n or {}).get(_key(attribute, code)) or ""
    return value or (default if fallback else "")


def has(instance, attribute: str, language: str) -> bool:
    return bool(get(instance, attribute, language, fallback=False))


def translations(instance, attribute: str) -> dict[str, str]:
    """{"fr": ..., "en": ..., "de": ...}: every configured language, "" when missing."""
    return {code: get(instance, attribute, code, fallback=False) for code in languages()}


def assign(instance, attribute: str, values: Mapping[str, str]) -> bool:
    """Set the languages given in `values` (others untouched); True if anything changed."""
    changed = False
    i18n = dict(instance.i18n or {})
    for code, value in values.items():
        value = value or ""
        if code == default_language():
            if getattr(instance, attribute) != value:
                setattr(instance, attribute, value)
                changed = True
        elif (i18n.get(_key(attribute, code)) or "") != value:
            if value:
                i18n[_key(attribute, code)] = value
            else:
                i18n.pop(_key(attribute, code), None)
            changed = True
    instance.i18n = i18n
    return changed


def collect(values: dict, attributes) -> dict[str, dict[str, str]]:
    """Pop the translated attributes out of a service's keyword arguments: either
    `name={"fr": ..., "en": ...}` (API) or `name_fr=..., name_en=...` (forms)."""
    found = {}
    for attribute in attributes:
        mapping = dict(values.pop(attribute, None) or {})
        for code in languages():
            if _key(attribute, code) in values:
                mapping[code] = values.pop(_key(attribute, code))
        if mapping:
            found[attribute] = mapping
    return found


def as_i18n(values: Mapping[str, Mapping[str, str]]) -> tuple[dict, dict]:
    """({"name": "Réunion"}, {"name_en": "Meeting"}): create() arguments from maps."""
    columns, i18n = {}, {}
    for attribute, mapping in values.items():
        for code, value in mapping.items():
            if code == default_language():
                columns[attribute] = value or ""
            elif value:
                i18n[_key(attribute, code)] = value
    return columns, i18n


# --- Queries (exports) -------------------------------------------------------------


def expression(attribute_path: str, language: str | None = None):
    """The attribute in `language` (the active one), else LANGUAGE_CODE, in SQL.
    `attribute_path` is the ORM path of the column, e.g. "visit_type__name"."""
    code = supported(language) if language else current_language()
    if code is None or code == default_language():
        return F(attribute_path)
    prefix, _sep, attribute = attribute_path.rpartition("__")
    i18n = f"{prefix}__i18n" if prefix else "i18n"
    return Coalesce(
        NullIf(KeyTextTransform(_key(attribute, code), i18n), Value("")),
        F(attribute_path),
        output_field=TextField(),
    )


def localized(attribute_path: str):
    """A callable giving `expression()` when the export runs (config.exports.Column)."""
    return lambda: expression(attribute_path)


# --- Forms -------------------------------------------------------------------------


def add_form_fields(form, specs, *, instance=None, after: str | None = None):
    """One input per configured language and translated attribute,
    `<attribute>_<code>` (LANGUAGE_CODE's required), grouped by language, placed
    after the field `after` (else first). `specs`: (attribute, label, max_length,
    widget or None) tuples; initial values from `instance`."""
    new = {}
    for code in languages():
        for attribute, label_text, max_length, widget in specs:
            new[_key(attribute, code)] = forms.CharField(
                label=label(label_text, code),
                max_length=max_length,
                required=code == default_language(),
                widget=widget() if callable(widget) else widget,
                initial=get(instance, attribute, code, fallback=False) if instance is not None else "",
            )
    fields = list(form.fields.items())
    position = next((i + 1 for i, (name, _f) in enumerate(fields) if name == after), 0)
    form.fields.clear()
    form.fields.update(fields[:position])
    form.fields.update(new)
    form.fields.update(fields[position:])


def form_values(cleaned_data: Mapping, attribute: str) -> dict[str, str]:
    return {code: cleaned_data.get(_key(attribute, code)) or "" for code in languages()}


# --- API ---------------------------------------------------------------------------


class TranslationsField(serializers.Field):
    """A translated attribute as a map {"fr": "...", "en": "...", "de": "..."}, one
    key per configured language. LANGUAGE_CODE is required (except in a PATCH that
    leaves it alone); an unknown key is refused with 400 naming the field. The
    validated value is `{attribute: {code: text}}`, merged into validated_data."""

    default_error_messages = {
        "not_a_map": gettext_lazy("Expected an object with one text per language."),
        "unknown": gettext_lazy("Unknown language: {keys}. Configured: {codes}."),
        "not_text": gettext_lazy("Expected a text for {code}."),
        "default_missing": gettext_lazy("The text in {code} is required."),
        "max_length": gettext_lazy("Ensure the text for {code} has no more than {max_length} characters."),
    }

    def __init__(self, *, attribute: str, max_length: int | None = None, **kwargs):
        kwargs.setdefault("source", "*")
        self.attribute = attribute
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_representation(self, instance):
        return translations(instance, self.attribute)

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            self.fail("not_a_map")
        codes = languages()
        unknown = sorted(str(k) for k in data if k not in codes)
        if unknown:
            self.fail("unknown", keys=", ".join(unknown), codes=", ".join(codes))
        partial = bool(getattr(self.root, "partial", False))
        values = {}
        for code in codes:
            if code not in data:
                if not partial:
                    values[code] = ""
                continue
            value = data[code]
            if value is None:
                value = ""
            if not isinstance(value, str):
                self.fail("not_text", code=code)
            value = value.strip()
            if self.max_length is not None and len(value) > self.max_length:
                self.fail("max_length", code=code, max_length=self.max_length)
            values[code] = value
        default = default_language()
        if (default in values or not partial) and not values.get(default):
            self.fail("default_missing", code=default)
        return {self.attribute: values}


class TranslationsFieldSchema(OpenApiSerializerFieldExtension):
    target_class = TranslationsField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        text = {"type": "string"}
        if field.max_length is not None:
            text["maxLength"] = field.max_length
        schema = {
            "type": "object",
            "description": f"One text per configured language; {default_language()} is required.",
            "properties": {code: dict(text) for code in languages()},
            "additionalProperties": False,
        }
        if direction == "request":
            schema["required"] = [default_language()]
        else:
            schema["required"] = languages()
        return schema
