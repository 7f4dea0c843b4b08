from django.db import migrations

from tenancy.rls import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("sites", "0002_initial")]

    operations = [EnableRLS("site"), EnableRLS("desk")]
