"""PARAMETERS for `make dev` and `make invoke` (local/parameters.py): sam's
--parameter-overrides format, checked against template.yaml's parameters."""

from __future__ import annotations

import pytest

from local.parameters import ParameterError, check, from_environment, parse
from local.template import load


def test_name_value_pairs_are_read_as_sam_reads_them():
    text = "IntakeRateLimitPerHour=1000 SenderEmail='me@example.org' \"FormOrigin=http://a b\" GateOverrides={}"
    assert parse(text) == {
        "IntakeRateLimitPerHour": "1000",
        "SenderEmail": "me@example.org",
        "FormOrigin": "http://a b",
        "GateOverrides": "{}",
    }


def test_sams_long_form_and_an_empty_value_are_read_too():
    assert parse("ParameterKey=AlarmEmail,ParameterValue=ops@example.org LogRetentionDays=") == {
        "AlarmEmail": "ops@example.org",
        "LogRetentionDays": "",
    }


@pytest.mark.parametrize("text", ["IntakeRateLimitPerHour", "=5", "'unclosed"])
def test_an_entry_that_is_not_name_value_is_refused_saying_which(text):
    with pytest.raises(ParameterError, match="PARAMETERS"):
        parse(text)


def test_unknown_names_are_refused_all_named_at_once():
    with pytest.raises(ParameterError) as refused:
        check({"IntakeRateLimitPerHour": "5", "RateLimit": "5", "Colour": "red"}, load())

    assert "Colour, RateLimit" in str(refused.value)
    assert "not a parameter of template.yaml" in str(refused.value)
    assert "IntakeRateLimitPerHour" in str(refused.value)  # the names it does have


def test_the_endpoints_the_stack_sets_cannot_be_overridden():
    with pytest.raises(ParameterError, match="AwsEndpointUrl"):
        check({"AwsEndpointUrl": "http://elsewhere"}, load())


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("IntakeRateLimitPerHour", "0", "at least 1"),
        ("IntakeRateLimitPerHour", "many", "a number"),
        ("LogRetentionDays", "8", "one of"),
        ("SenderEmail", "not-an-address", "must match"),
    ],
)
def test_a_value_the_template_would_refuse_is_refused_with_its_rule(name, value, reason):
    with pytest.raises(ParameterError, match=reason):
        check({name: value}, load())


def test_no_parameters_is_no_override():
    assert from_environment({}, load()) == {}
    assert from_environment({"PARAMETERS": "  "}, load()) == {}
