"""The AWS helpers the compute, timeout and retry rules share (linter/rules/_aws.py)."""

from __future__ import annotations

from linter.model import Unknown
from linter.rules._aws import (
    function_arn_from_invoke_uri, is_local_zone, lambda_name_from, parse_arn, parse_json, sqs_name_from,
)
from linter.rules._refs import reference_targets


def test_parse_arn_keeps_colons_in_the_resource_part():
    arn = parse_arn("arn:aws:lambda:eu-west-1:123456789012:function:worker:live")
    assert (arn.service, arn.region, arn.account, arn.resource) == ("lambda", "eu-west-1", "123456789012", "function:worker:live")
    assert parse_arn("worker") is None
    assert parse_arn(Unknown("aws_lambda_function.worker.arn")) is None


def test_lambda_function_names_from_every_accepted_form():
    assert lambda_name_from("worker") == "worker"
    assert lambda_name_from("worker:live") == "worker"
    assert lambda_name_from("arn:aws:lambda:us-east-1:123456789012:function:worker") == "worker"
    assert lambda_name_from("arn:aws:lambda:us-east-1:123456789012:function:worker:7") == "worker"
    assert lambda_name_from("123456789012:function:worker") == "worker"
    assert lambda_name_from("arn:aws:sqs:us-east-1:123456789012:jobs") is None


def test_invoke_uri_gives_the_function_arn():
    fn = "arn:aws:lambda:us-east-1:123456789012:function:api"
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations"
    assert function_arn_from_invoke_uri(uri) == fn
    assert function_arn_from_invoke_uri("https://backend.example.com/{proxy}") is None


def test_queue_names_from_arns_and_urls():
    assert sqs_name_from("arn:aws:sqs:us-east-1:123456789012:jobs-dlq") == "jobs-dlq"
    assert sqs_name_from("https://sqs.us-east-1.amazonaws.com/123456789012/jobs") == "jobs"
    assert sqs_name_from("arn:aws:sns:us-east-1:123456789012:orders") is None


def test_json_attributes():
    assert parse_json('{"maxReceiveCount": 3}') == {"maxReceiveCount": 3}
    assert parse_json("") is None
    assert parse_json("{not json") is None
    unknown = Unknown("jsonencode(var.policy)")
    assert parse_json(unknown) is unknown


def test_only_pure_references_are_followed():
    # the loader says whether a value is exactly a reference (no text is parsed here)
    assert reference_targets([Unknown("aws_subnet.a.id", ("aws_subnet.a",), reference=True),
                              Unknown("aws_subnet.b.id", ("aws_subnet.b",), reference=True)]) == [
        "aws_subnet.a", "aws_subnet.b"]
    assert reference_targets([Unknown("aws_subnet.a.id", ("aws_subnet.a",), reference=True), "subnet-0abc"]) == [
        "aws_subnet.a", "subnet-0abc"]
    assert reference_targets(Unknown(None, ("aws_subnet.a", "aws_subnet.b"))) == ["aws_subnet.a", "aws_subnet.b"]
    # anything else may hold more than it references
    assert reference_targets(Unknown('"${aws_subnet.a.id}-x"', ("aws_subnet.a",))) is None
    assert reference_targets(Unknown("concat(var.extra, [aws_subnet.a.id])", ("var.extra", "aws_subnet.a"))) is None
    assert reference_targets(Unknown("var.subnets", ("var.subnets",))) is None


def test_references_through_the_evaluator(tmp_path):
    """What used to be read from expression text is the evaluator's fact; a long
    `for` over subnets (a regex hang before) is a list of references."""
    from linter.terraform import load_module_directory

    name = "private_zone_" + "x" * 40
    (tmp_path / "main.tf").write_text(f"""
resource "aws_subnet" "{name}" {{
  count             = 2
  availability_zone = ["eu-west-1a", "eu-west-1b"][count.index]
}}
resource "aws_lb" "web" {{
  subnets = [for s in aws_subnet.{name} : s.id]
  other   = concat(var.extra, [aws_subnet.{name}[0].id])
  picked  = local.ready ? aws_subnet.{name}[0].id : aws_subnet.{name}[1].id
}}
""")
    resources, errors, _ = load_module_directory(tmp_path)
    assert errors == []
    lb = next(r for r in resources if r.type == "aws_lb")
    assert reference_targets(lb.get("subnets")) == [f"aws_subnet.{name}[0]", f"aws_subnet.{name}[1]"]
    assert reference_targets(lb.get("other")) is None
    assert reference_targets(lb.get("picked")) is None


def test_local_zones_are_told_apart():
    assert not is_local_zone("us-east-1a", "availability_zone")
    assert not is_local_zone("us-gov-west-1b", "availability_zone")
    assert is_local_zone("us-west-2-lax-1a", "availability_zone")
    assert not is_local_zone("use1-az4", "availability_zone_id")
    assert is_local_zone("usw2-lax1-az1", "availability_zone_id")
