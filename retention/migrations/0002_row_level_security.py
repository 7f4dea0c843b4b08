from django.db import migrations

from tenancy.rls import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [
        EnableRLS("retentionpolicy"),
        EnableRLS("legalhold"),
        EnableRLS("purgerun"),
        EnableRLS("purgeprogress"),
        EnableRLS("purgebatch"),
        EnableRLS("erasurerecord"),
        EnableRLS("subjectrequest"),
        EnableRLS("archiveaccess"),
    ]
