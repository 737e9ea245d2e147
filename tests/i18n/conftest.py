from tests.leads.conftest import category, make_pro, request_body  # noqa: F401 - the leads fixtures
