"""``main.py aws ...`` against the loopback server: configure, test-connection, baseline,
monitor (no data: exit 1 with SageMaker's reason), open-execution errors as sentences."""

from __future__ import annotations

import json

from cli import run_cli


def test_configure_then_test_connection(settings, tmp_path, capsys):
    path = tmp_path / "aws.json"
    assert run_cli(["aws", "--settings", str(path), "--region", "us-east-1", "configure",
                    "--bucket", settings.bucket, "--role-arn", settings.role_arn,
                    "--endpoint-url", settings.endpoint_url]) == 0
    assert json.loads(path.read_text())["bucket"] == settings.bucket
    assert run_cli(["aws", "--settings", str(path), "test-connection"]) == 0
    out = capsys.readouterr().out
    assert "OK Identity: signed in as arn:aws:sts::123456789012" in out


def test_baseline_monitor_and_open_from_the_command_line(settings, tmp_path, capsys):
    path = tmp_path / "aws.json"
    path.write_text(json.dumps({"region": "us-east-1", "bucket": settings.bucket,
                                "endpoint_url": settings.endpoint_url}))
    dataset = tmp_path / "d.csv"
    dataset.write_text("a,b\n1,x\n2,y\n")
    out_uri = settings.s3_uri("cli-baseline")
    assert run_cli(["aws", "--settings", str(path), "baseline", str(dataset),
                    "--output", out_uri]) == 0
    assert f"{out_uri}/statistics.json" in capsys.readouterr().out
    code = run_cli(["aws", "--settings", str(path), "monitor", "--endpoint", "ep",
                    "--schedule", "s", "--statistics", f"{out_uri}/statistics.json",
                    "--constraints", f"{out_uri}/constraints.json", "--capture",
                    settings.s3_uri("capture"), "--output", settings.s3_uri("reports"),
                    "--scheduled-time", "2026-01-01T10:00:00Z"])
    assert code == 1 and "Job inputs had no data" in capsys.readouterr().out
    assert run_cli(["aws", "--settings", str(path), "open-execution",
                    settings.s3_uri("reports", "ep", "s")]) == 2
    assert "error: There is no monitoring report at" in capsys.readouterr().err
