"""The `replyscreen` command, run as a user runs it (a real subprocess)."""
import json
import os
import subprocess
import sys

import pytest

from tests.support.engine import REPO_ROOT, SAMPLES


def cli(*args, env=None, check=True):
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run([sys.executable, "-m", "replyscreen.cli", *args], cwd=REPO_ROOT, env=full_env,
                            capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def model_env(default_model_dir):
    return {"REPLYSCREEN_MODELS_DIR": str(default_model_dir.parent)}


def test_help_lists_the_subcommands():
    out = cli("--help").stdout
    for command in ("screen", "check", "train", "eval", "serve", "ui", "run", "keys"):
        assert command in out


def test_screen_a_thread_from_jsonl_and_json(model_env, tmp_path):
    result = cli("screen", str(SAMPLES / "en.jsonl"), "--thread", "en01", "--json", env=model_env)
    results = json.loads(result.stdout)["results"]
    assert [r["rank"] for r in results] == list(range(1, len(results) + 1))
    body = {"request": {"text": "Need a case: WhatsApp ordering bot for a grocery chain"},
            "replies": [{"text": "send us the lead"},
                        {"text": "Hi! We built a WhatsApp ordering bot for a 40-store grocery chain, 18% of orders "
                                 "moved to WhatsApp.", "id": "good"}]}
    path = tmp_path / "screen.json"
    path.write_text(json.dumps(body))
    table = cli("screen", str(path), env=model_env).stdout
    assert "good" in table


def test_check_prints_suggestions(model_env, tmp_path):
    path = tmp_path / "check.json"
    path.write_text(json.dumps({"request": {"text": "Нужен кейс: бот записи для клиник"},
                                "draft": {"text": "дайте лид"}}, ensure_ascii=False))
    body = json.loads(cli("check", str(path), "--json", env=model_env).stdout)
    assert {"no_greeting", "lead_begging"} <= {s["code"] for s in body["suggestions"]}


def test_bad_input_is_a_clear_error_without_traceback(model_env, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = cli("screen", str(broken), env=model_env, check=False)
    assert result.returncode == 2 and "not valid UTF-8 JSON" in result.stderr
    assert "Traceback" not in result.stderr
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"request": {"text": ""}, "replies": [{"text": "x"}]}))
    result = cli("screen", str(empty), env=model_env, check=False)
    assert result.returncode == 2 and "request.text" in result.stderr
    result = cli("screen", str(tmp_path / "missing.json"), env=model_env, check=False)
    assert result.returncode == 2 and "no such file" in result.stderr


@pytest.mark.slow
def test_train_and_eval_on_a_small_file(tmp_path):
    from training.dataset import load_threads, write_threads

    threads = [t for t in load_threads(SAMPLES) if t.id.endswith(("02", "06", "10"))]
    data = tmp_path / "small.jsonl"
    write_threads(threads, data)
    models = tmp_path / "models"
    out = cli("train", "--data", str(data), "--models-dir", str(models), "--no-evaluate").stdout
    assert "written to" in out and len(list(models.iterdir())) == 1
    env = {"REPLYSCREEN_MODELS_DIR": str(models)}
    report, chart = tmp_path / "eval.json", tmp_path / "eval.png"
    result = cli("eval", str(data), "--mode", "cv", "--folds", "3", "--out", str(report), "--chart", str(chart), env=env)
    assert "NDCG@3" in result.stdout
    data_report = json.loads(report.read_text())
    assert {"model", "tfidf", "e5_cosine"} <= set(data_report) and chart.stat().st_size > 1000
    holdout = cli("eval", str(SAMPLES / "ar.jsonl"), "--out", str(report), "--chart", str(chart), env=env)
    assert json.loads(report.read_text())["mode"] == "holdout", holdout.stdout


def test_eval_refuses_an_unknown_mode_and_a_bad_patterns_file(tmp_path):
    bad_mode = cli("eval", str(SAMPLES / "en.jsonl"), "--mode", "foo", check=False)
    assert bad_mode.returncode == 2 and "--mode must be cv, holdout or auto" in bad_mode.stdout + bad_mode.stderr
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    (patterns / "mine.jsonl").write_text('{"label": "greetings", "pattern": 1}\n', "utf-8")
    bad_patterns = cli("eval", str(SAMPLES / "en.jsonl"), "--mode", "cv", check=False,
                       env={"REPLYSCREEN_PATTERNS_DIR": str(patterns)})
    output = bad_patterns.stdout + bad_patterns.stderr
    assert bad_patterns.returncode == 2 and "mine.jsonl, line 1" in output and "Traceback" not in output
