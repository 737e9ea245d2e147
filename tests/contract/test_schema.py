"""The committed OpenAPI schema is the served one, and it is valid, linted and exact."""

import subprocess

import pytest
import yaml
from openapi_spec_validator import validate

from marketplace.api.contract import OPERATIONS, TAGS
from tests.contract.tools import ROOT, SCHEMA_FILE, npm_tool

METHODS = ("get", "post", "put", "patch", "delete")
# Fields named like a status or kind that are free text on purpose (their description says so).
FREE_TEXT = {"SourceBreakdown.source"}  # the visitor's utm_source


@pytest.fixture(scope="module")
def committed() -> dict:
    return yaml.safe_load(SCHEMA_FILE.read_text())


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


@pytest.mark.django_db
def test_the_committed_schema_is_the_served_one(client, committed):
    served = yaml.safe_load(client.get("/api/schema/").content)
    if served != committed:
        changed = sorted(
            f"{method.upper()} {path}"
            for path in set(served["paths"]) | set(committed["paths"])
            for method in METHODS
            if served["paths"].get(path, {}).get(method) != committed["paths"].get(path, {}).get(method)
        )
        components = sorted(
            name
            for name in set(served["components"]["schemas"]) | set(committed["components"]["schemas"])
            if served["components"]["schemas"].get(name) != committed["components"]["schemas"].get(name)
        )
        pytest.fail(
            "openapi.yaml is out of date: run `make schema` and review the diff.\n"
            f"operations that differ: {changed}\ncomponents that differ: {components}"
        )


def test_the_schema_passes_openapi_spec_validator(committed):
    validate(committed)


def test_the_schema_passes_redocly_recommended_rules_with_our_config():
    redocly = npm_tool("redocly")
    result = subprocess.run(  # noqa: S603 - our pinned binary
        [redocly, "lint", "--config", str(ROOT / "redocly.yaml"), "--format", "summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_every_rule_redocly_config_turns_off_says_why():
    lines = (ROOT / "redocly.yaml").read_text().splitlines()
    for number, line in enumerate(lines):
        if line.strip().endswith(": off") or line.strip().endswith(": warn"):
            assert lines[number - 1].strip().startswith("#"), f"no reason given above: {line.strip()}"


def test_every_operation_is_in_the_contract_table_with_docs_and_a_tag(committed):
    served = {f"{method.upper()} {path}": operation for path, method, operation in operations(committed)}
    assert set(served) == set(OPERATIONS), "marketplace/api/contract.py and the routes disagree"
    for key, operation in served.items():
        assert operation["operationId"] == OPERATIONS[key].id
        assert operation["summary"] and len(operation["description"]) > 40, key
        assert operation["tags"] == [OPERATIONS[key].tag] and OPERATIONS[key].tag in TAGS, key
    ids = [operation["operationId"] for operation in served.values()]
    assert len(ids) == len(set(ids))


def test_every_operation_declares_its_errors_in_the_one_shape_with_their_codes(committed):
    codes = set(committed["components"]["schemas"]["ErrorCode"]["enum"])
    for path, method, operation in operations(committed):
        errors = {int(s): r for s, r in operation["responses"].items() if int(s) >= 400}
        assert 503 in errors, f"{method} {path}"
        assert 404 in errors or not operation["security"], f"{method} {path}"
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, f"{method} {path} {status}"
            assert response["x-error-codes"] and set(response["x-error-codes"]) <= codes
            for code in response["x-error-codes"]:
                assert f"`{code}`" in response["description"]
            if status in (429, 503):
                assert "Retry-After" in response["headers"]


def test_the_marketplace_is_set_once_per_client_not_per_call(committed):
    scheme = committed["components"]["securitySchemes"]["marketplace"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-Marketplace")
    for path, method, operation in operations(committed):
        assert all(p["name"] != "X-Marketplace" for p in operation.get("parameters", []))
        requirements = operation["security"]
        if path.startswith(("/api/v1/links/", "/api/v1/billing/test-mode/")) or path.endswith(
            ("/stripe/webhook/", "/email/bounce/")
        ):
            # the link signs its marketplace; the providers sign their events; a client secret names its intent
            assert requirements == [], path
        else:
            assert requirements and all("marketplace" in r for r in requirements), f"{method} {path}"


def test_idempotency_key_is_advertised_exactly_on_signed_in_posts(committed):
    for path, method, operation in operations(committed):
        advertised = any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
        signed_in = (
            any("jwtAuth" in r for r in operation["security"]) and {"marketplace": []} not in operation["security"]
        )
        assert advertised == (method == "post" and signed_in), f"{method} {path}"


def _walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def test_no_field_is_untyped_and_no_object_is_free_form_without_saying_so(committed):
    for name, component in committed["components"]["schemas"].items():
        for path, schema in _walk(component):
            assert {} not in schema.get("oneOf", []), f"{name}{path}: an untyped branch accepts anything"
            if path.split("/")[-2:-1] == ["properties"]:
                assert {"type", "$ref", "oneOf", "allOf", "enum"} & set(schema), f"{name}{path} is untyped"
            free_form = schema.get("type") == "object" and not schema.get("properties")
            if free_form and schema.get("additionalProperties") in (None, True, {}):
                assert schema.get("description"), f"{name}{path} is a free-form object without a description"


def test_nullable_fields_are_typed_and_output_fields_are_required(committed):
    schemas = committed["components"]["schemas"]
    assert "nullable" not in SCHEMA_FILE.read_text().replace("nullable fields", "")
    # fields the server always sends: a strict client may rely on them
    for name in ("LeadOutput", "ProProfileOutput", "QuoteRequestOutput", "ChargeOutput", "DisputeOutput"):
        component = schemas[name]
        assert set(component["required"]) == set(component["properties"]), name
    assert schemas["LeadOutput"]["properties"]["contact"]["oneOf"][1] == {"type": "null"}
    assert schemas["ProProfileOutput"]["properties"]["weekly_spend_cap"]["oneOf"][0] == {
        "$ref": "#/components/schemas/Money"
    }


def test_one_money_schema_and_enums_for_statuses_and_kinds(committed):
    schemas = committed["components"]["schemas"]
    money_like = [
        name
        for name, component in schemas.items()
        if set(component.get("properties", {})) == {"amount", "currency"} and name != "Money"
    ]
    assert money_like == []
    money = {"$ref": "#/components/schemas/Money"}
    for name, field in (("RefundOutput", "amount"), ("ChargeOutput", "amount"), ("DisputeOutput", "fee")):
        prop = schemas[name]["properties"][field]
        assert prop == money or prop.get("allOf") == [money], f"{name}.{field}"
    for name, component in schemas.items():
        for field in ("status", "kind", "tier", "role", "source", "gateway"):
            prop = component.get("properties", {}).get(field)
            if prop and "Request" not in name and f"{name}.{field}" not in FREE_TEXT:
                assert {"$ref", "enum", "oneOf", "allOf"} & set(prop), f"{name}.{field} is not an enum"


def test_answers_and_questions_are_typed(committed):
    schemas = committed["components"]["schemas"]
    assert schemas["QuoteRequestOutput"]["properties"]["answers"]["additionalProperties"] == {"type": "string"}
    assert schemas["QuoteRequestInputRequest"]["properties"]["answers"]["additionalProperties"]["type"] == "string"
    questions = schemas["CategoryOutput"]["properties"]["questions"]
    assert questions["items"] == {"$ref": "#/components/schemas/CategoryQuestion"}


def test_docs_have_servers_tags_and_examples(committed):
    assert committed["servers"] and committed["servers"][0]["url"].startswith("http")
    assert [tag["name"] for tag in committed["tags"]] == list(TAGS)
    assert committed["components"]["schemas"]["Error"]["example"]["error"]["code"]


def test_every_component_example_matches_its_schema(committed):
    from jsonschema.validators import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    document = Resource.from_contents(committed, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:schema", document)
    examples = {name: c["example"] for name, c in committed["components"]["schemas"].items() if "example" in c}
    assert {"Money", "LeadOutput", "QuoteRequestInputRequest", "Error"} <= set(examples)
    for name, example in examples.items():
        validator = Draft202012Validator({"$ref": f"urn:schema#/components/schemas/{name}"}, registry=registry)
        errors = [e.message for e in validator.iter_errors(example)]
        assert not errors, f"{name}: {errors}"
