from django.db import migrations

from tenancy.rls import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("badges", "0001_initial")]

    operations = [
        EnableRLS("badgeimage"),
        EnableRLS("badgetemplate"),
        EnableRLS("badgetemplateversion"),
        EnableRLS("badgeassignment"),
        EnableRLS("badgeprint"),
    ]
