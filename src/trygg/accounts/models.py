from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import TWO_FACTOR_ROLES, Role, role_has


class OrganisationKind(models.TextChoices):
    POLICE = "police", _("Police")
    SOCIAL_SERVICES = "social_services", _("Social services")
    SCHOOL = "school", _("School")
    LEISURE = "leisure", _("Leisure")
    FIELD_WORK = "field_work", _("Field work")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    HOUSING = "housing", _("Housing company")
    MUNICIPAL_ADMIN = "municipal_admin", _("Municipal administration")


class Organisation(models.Model):
    """An authority, department or association whose staff use Trygg.

    An organisation works in one or more municipalities (a local police area spans several);
    its users see the data of exactly those municipalities.
    """

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    municipalities = models.ManyToManyField(
        "areas.Municipality", related_name="organisations", verbose_name=_("municipalities")
    )
    # Off when the organisation signs in through its identity provider only (single sign-on):
    # then a password typed on Trygg's own form is refused for its staff.
    local_passwords_enabled = models.BooleanField(
        _("local passwords allowed"),
        default=True,
        help_text=_(
            "Switch off when the organisation's staff sign in through single sign-on only."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class TryggUserManager(UserManager):
    def get_by_natural_key(self, username: str):
        # Log-in names are case-insensitive, as users type them on phones.
        return self.get(username__iexact=username)


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    # The identity provider's employee number, for matching single sign-on by that claim.
    employee_id = models.CharField(_("employee id"), max_length=64, blank=True, default="")

    objects = TryggUserManager()
    REQUIRED_FIELDS = ["organisation", "role"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("username"), name="accounts_user_username_ci_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_user_role_valid"
            ),
            models.UniqueConstraint(
                fields=["employee_id"],
                condition=~models.Q(employee_id=""),
                name="accounts_user_employee_id_unique",
            ),
        ]

    def can(self, capability: str) -> bool:
        return self.is_active and role_has(self.role, capability)

    @property
    def needs_two_factor(self) -> bool:
        # The operator (superuser) can do anything in the admin: the strictest rule of all.
        return self.is_superuser or self.role in TWO_FACTOR_ROLES

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class SafetyGroup(models.Model):
    """A local safety group (trygghetsgrupp): people from several organisations for some areas."""

    municipality = models.ForeignKey(
        "areas.Municipality",
        on_delete=models.CASCADE,
        related_name="safety_groups",
        verbose_name=_("municipality"),
    )
    key = models.SlugField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    areas = models.ManyToManyField(
        "areas.Area", related_name="safety_groups", blank=True, verbose_name=_("areas")
    )
    lead_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="led_groups",
        verbose_name=_("lead organisation"),
    )
    members = models.ManyToManyField(
        User, through="SafetyGroupMembership", related_name="safety_groups", blank=True
    )

    class Meta:
        ordering = ["municipality__code", "name"]
        verbose_name = _("safety group")
        verbose_name_plural = _("safety groups")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "key"], name="accounts_safetygroup_key_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SafetyGroupMembership(models.Model):
    group = models.ForeignKey(SafetyGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="group_memberships")
    is_convener = models.BooleanField(_("convener"), default=False)
    joined_on = models.DateField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="accounts_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.group}"


class OidcClaimMapping(models.Model):
    """One row of the single sign-on mapping table: a claim value from an identity provider
    gives a new account its organisation and role.

    Kept by the municipal administrator. A row naming a role that sees individual data is
    accepted but never applied from the claim alone: the account gets no such role until an
    administrator assigns it (trygg.accounts.oidc).
    """

    provider = models.CharField(
        _("identity provider"),
        max_length=200,
        help_text=_("The provider id of the social application (e.g. kommun-ad)."),
    )
    claim = models.CharField(_("claim"), max_length=100, help_text=_("e.g. groups"))
    value = models.CharField(_("claim value"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="oidc_mappings",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        ordering = ["provider", "claim", "value"]
        verbose_name = _("single sign-on mapping")
        verbose_name_plural = _("single sign-on mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "claim", "value"], name="accounts_oidcmapping_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_oidcmapping_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.claim}={self.value} → {self.organisation} / {self.role}"
