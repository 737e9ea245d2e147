import pytest

from ranking.services import pro_stats_rollup

pytestmark = pytest.mark.django_db


def test_rollup_demotes_a_pro_below_the_threshold(pro_with_history, demotion_on):
    low = pro_with_history(answered=2, missed=2)
    fine = pro_with_history(answered=3, missed=1)
    result = pro_stats_rollup(marketplace=demotion_on)
    low.refresh_from_db()
    fine.refresh_from_db()
    assert (low.demoted, str(low.response_rate)) == (True, "0.500")
    assert (fine.demoted, str(fine.response_rate)) == (False, "0.750")
    assert result.newly_demoted == [low.pk]
