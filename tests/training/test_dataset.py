"""The JSONL thread format: round trip, precise errors, fingerprint stability."""
import json

import pytest

from training.dataset import DatasetError, fingerprint, load_threads, thread_to_dict, write_threads

THREAD = {
    "id": "t1", "lang": "ru",
    "request": {"author": "Елена", "text": "Коллеги, нужен кейс: приложение для курьерской службы",
                "posted_at": "2026-03-02T10:00:00Z", "closed_at": "2026-03-02T18:00:00Z"},
    "replies": [
        {"id": "t1r1", "sent_at": "2026-03-02T10:14:00Z", "text": "Добрый день! Делали приложение курьерам.",
         "attachments": [{"filename": "case.pdf", "pages": ["стр 1", "стр 2"]}], "relevance": 3, "flags": []},
        {"id": "t1r2", "sent_at": "2026-03-02T19:00:00Z", "text": "дайте лид", "relevance": 0,
         "flags": ["no_greeting", "lead_begging", "late_reply"]},
    ],
}


def write(tmp_path, *lines):
    path = tmp_path / "threads.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_round_trip_keeps_labels_attachments_and_times(tmp_path):
    path = write(tmp_path, json.dumps(THREAD, ensure_ascii=False))
    threads = load_threads(path, require_labels=True)
    assert threads[0].relevance == (3, 0)
    assert threads[0].flags[1] == {"no_greeting", "lead_begging", "late_reply"}
    assert threads[0].replies[0].attachments[0].pages == ("стр 1", "стр 2")
    assert threads[0].request.closed_at < threads[0].replies[1].sent_at
    again = tmp_path / "again.jsonl"
    write_threads(threads, again)
    assert thread_to_dict(load_threads(again)[0]) == thread_to_dict(threads[0])
    assert fingerprint(load_threads(again)) == fingerprint(threads)


@pytest.mark.parametrize("mutate, message", [
    (lambda t: t["request"].update(text=""), "request.text"),
    (lambda t: t["replies"][0].update(relevance=5), "relevance"),
    (lambda t: t["replies"][0].update(flags=["rude"]), "unknown flag"),
    (lambda t: t.update(lang="de"), "lang"),
    (lambda t: t["replies"][1].pop("relevance"), "labeled or none"),
    (lambda t: t["replies"][0].update(sent_at="yesterday"), "sent_at"),
])
def test_invalid_threads_name_the_line_and_field(tmp_path, mutate, message):
    broken = json.loads(json.dumps(THREAD))
    mutate(broken)
    path = write(tmp_path, json.dumps(THREAD), json.dumps({**broken, "id": "t2",
                 "replies": [{**r, "id": r["id"] + "x"} for r in broken["replies"]]}))
    with pytest.raises(DatasetError, match=message) as error:
        load_threads(path)
    assert "threads.jsonl:2" in str(error.value)


def test_duplicate_ids_and_bad_json_are_rejected(tmp_path):
    with pytest.raises(DatasetError, match="duplicate thread id"):
        load_threads(write(tmp_path, json.dumps(THREAD), json.dumps(THREAD)))
    with pytest.raises(DatasetError, match="not valid JSON"):
        load_threads(write(tmp_path, "{not json"))
    with pytest.raises(DatasetError, match="no such file"):
        load_threads(tmp_path / "missing.jsonl")


def test_sample_data_meets_the_brief():
    """data/samples: size, language mix and every flag on at least 30 replies."""
    threads = load_threads("data/samples", require_labels=True)
    replies = sum(len(t.replies) for t in threads)
    assert len(threads) >= 80 and replies >= 500
    langs = [t.lang for t in threads]
    assert 0.5 <= langs.count("ru") / len(langs) <= 0.7
    assert 0.2 <= langs.count("en") / len(langs) <= 0.4
    assert 0.05 <= langs.count("ar") / len(langs) <= 0.15
    counts = {}
    for thread in threads:
        for flags in thread.flags:
            for flag in flags:
                counts[flag] = counts.get(flag, 0) + 1
    assert len(counts) == 7 and min(counts.values()) >= 30, counts
