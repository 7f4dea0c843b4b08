"""Organizations (the tenants), their members and the API tokens of members."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


def language_choices() -> list[tuple[str, str]]:
    """settings.LANGUAGES, read when asked: model fields take this callable, so a new
    language needs no migration."""
    return list(settings.LANGUAGES)


# For serializer fields, which want a list (read when the module loads).
LANGUAGE_CHOICES = language_choices()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. What they may see comes from their memberships, never
    from the user row: `is_platform_support` grants no tenant data by itself."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=language_choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    is_platform_support = models.BooleanField(_("platform support"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Organization(models.Model):
    """The tenant. Not itself row-level secured: its name and slug are what a user
    picks at sign-in, and they carry no personal data."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    default_language = models.CharField(
        _("default language"), max_length=5, choices=language_choices, default=settings.LANGUAGE_CODE
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    RECEPTION = "reception", _("Reception")
    HOST = "host", _("Host")
    COMPLIANCE = "compliance", _("Compliance / DPO")


# Roles that see every site when their perimeter is empty.
WIDE_ROLES = (Role.ADMIN, Role.COMPLIANCE)


class Membership(models.Model):
    """A user's place in one organization: a role and a perimeter of sites."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    sites = models.ManyToManyField("sites.Site", blank=True, verbose_name=_("sites"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")
        ]
        verbose_name = _("membership")

    def __str__(self):
        return f"{self.user} @ {self.organization_id} ({self.role})"

    @property
    def sees_all_sites(self) -> bool:
        """Admins and compliance with an empty perimeter see every site."""
        return self.role in WIDE_ROLES and not self.site_ids

    @property
    def site_ids(self) -> frozenset[int]:
        if not hasattr(self, "_site_ids"):
            # Read once per membership object (a request's); no ORDER BY for a set.
            self._site_ids = frozenset(self.sites.order_by().values_list("pk", flat=True))
        return self._site_ids

    @property
    def site_ids_inline(self):
        """`site_ids` if already read, else a subquery for them, for a filter
        (`site_id__in=`) that then needs no read of its own: a reception's
        arrival reads its visit, in perimeter, in one statement."""
        if hasattr(self, "_site_ids"):
            return self._site_ids
        return Membership.sites.through.objects.filter(membership_id=self.pk).values("site_id")


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """An API key bound to one membership. Only its SHA-256 is stored; the key is
    shown once, when created."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.name or self.membership_id})"

    @staticmethod
    def generate_key() -> str:
        return "vst_" + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
