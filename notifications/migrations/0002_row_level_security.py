from django.db import migrations

from tenancy.rls import EnableRLS


def default_rules(apps, schema_editor):
    """Organizations created before this app get the invitation rule too
    (migrations run as the owner role, which row-level security lets through)."""
    Organization = apps.get_model("tenancy", "Organization")
    Rule = apps.get_model("notifications", "NotificationRule")
    db = schema_editor.connection.alias
    for org in Organization.objects.using(db).all():
        if not Rule.objects.using(db).filter(organization=org, is_default=True).exists():
            Rule.objects.using(db).create(
                organization=org,
                name="Visitor invitation" if org.default_language == "en" else "Invitation du visiteur",
                event="visit.pre_registered",
                to_visitor=True,
                by_email=True,
                is_default=True,
            )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [
        EnableRLS("recipientlist"),
        EnableRLS("notificationrule"),
        EnableRLS("messagetemplate"),
        EnableRLS("message"),
        migrations.RunPython(default_rules, migrations.RunPython.noop),
    ]
