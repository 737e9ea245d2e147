"""One review per homeowner and pro (DESIGN.md Rule 16, issue #12 item 5).

Earlier, a homeowner could review a pro once per accepted lead. Before the unique constraint,
each (pro, homeowner) keeps only its newest review; the nightly recompute
(``star_scores_recompute_all``) then brings the pros' Star Score and review count in line.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Max


def keep_newest_review_per_homeowner_and_pro(apps, schema_editor):
    Review = apps.get_model("pros", "Review")
    newest = (
        Review.objects.values("pro_id", "homeowner_id")
        .annotate(keep=Max("pk"), n=models.Count("pk"))
        .filter(n__gt=1)
        .values_list("pro_id", "homeowner_id", "keep")
    )
    for pro_id, homeowner_id, keep in list(newest):
        Review.objects.filter(pro_id=pro_id, homeowner_id=homeowner_id).exclude(pk=keep).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0003_lead_contact_revealed_at_lead_rank_position_and_more"),
        ("marketplace", "0004_marketplace_time_zone_validated"),
        ("pros", "0002_review"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="edited_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(keep_newest_review_per_homeowner_and_pro, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="review",
            constraint=models.UniqueConstraint(fields=("pro", "homeowner"), name="review_one_per_homeowner_pro"),
        ),
    ]
