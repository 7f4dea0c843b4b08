from django.db import migrations

from tenancy.rls import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("visitors", "0001_initial")]

    operations = [
        EnableRLS("visitor"),
        EnableRLS("visittype"),
        EnableRLS("visit"),
        EnableRLS("watchlistentry"),
        EnableRLS("kiosktoken"),
    ]
