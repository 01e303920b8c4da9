"""The review queue: which utterances are collected, how they are grouped, and
decisions, on call records written by real text-channel conversations."""

from __future__ import annotations

from hotline.review import ReviewQueue, TurnView, Utterance, collect, group_utterances


def T(index, text, decision, **kw) -> TurnView:
    return TurnView(index=index, heard_text=text, decision=decision, **kw)


def test_collect_picks_no_match_rejected_confirmation_reprompts_and_operator():
    turns = [
        T(0, "", "greeting"),
        T(1, "làm pát pọt", "no_match"),
        T(2, "làm pát pọt", "no_match", reprompt_count=2),  # same text in one call: counted once
        T(3, "giấy tờ cho con", "confirm", top_code="1.001193"),
        T(4, "không phải", "no"),
        T(5, "cái giấy đỏ đỏ", "disambiguate"),
        T(6, "cho gặp nhân viên", "operator", action="transfer"),
    ]
    got = {u.norm: u.reason for u in collect("c1", turns)}
    assert got == {"làm pát pọt": "no_match", "giấy tờ cho con": "rejected_confirm", "cái giấy đỏ đỏ": "operator"}
    top = next(u for u in collect("c1", turns) if u.reason == "rejected_confirm")
    assert top.top_code == "1.001193"


def test_collect_ignores_understood_calls_and_repeated_reprompts_count():
    assert collect("c", [T(0, "làm giấy khai sinh", "answer"), T(1, "cảm ơn", "goodbye")]) == []
    got = collect("c", [T(0, "ừm à", "no_match", reprompt_count=3)])
    assert [(u.norm, u.reason) for u in got] == [("ừm à", "reprompt")]


def test_grouping_joins_similar_phrasings_and_counts():
    def u(text, call):
        return Utterance(text, text, call, "no_match")

    items = [u("làm pát pọt", "a"), u("làm pát pọt", "b"), u("làm pát pọt ạ", "c"), u("pọt pát làm", "d"),
             u("xin giấy phép nuôi chó", "e"), u("làm pát pọt", "b")]
    groups = group_utterances(items)
    assert [g.key for g in groups] == ["làm pát pọt", "xin giấy phép nuôi chó"]
    first = groups[0]
    assert first.count == 5 and first.calls == {"a", "b", "c", "d"}
    assert set(first.members) == {"làm pát pọt", "làm pát pọt ạ", "pọt pát làm"}
    assert groups[1].count == 1


def test_queue_from_recorded_conversations_and_decisions(client, services):
    for text in ("làm pát pọt", "làm pát pọt nha", "kết quả xổ số miền nam hôm nay"):
        sid = client.post("/api/v1/sessions").json()["id"]
        assert client.post(f"/api/v1/sessions/{sid}/turns", json={"text": text}).status_code == 200
    # An understood question never reaches the queue.
    sid = client.post("/api/v1/sessions").json()["id"]
    client.post(f"/api/v1/sessions/{sid}/turns", json={"text": "làm giấy khai sinh cho con"})

    queue = ReviewQueue(services.db.sessions)
    groups = queue.groups()
    keys = [g.key for g in groups]
    assert "làm pát pọt" in keys and "kết quả xổ số miền nam hôm nay" in keys
    assert not any("khai sinh" in k for k in keys)
    passport = queue.find("làm pát pọt")
    assert passport.count == 2 and "làm pát pọt nha" in passport.members
    assert queue.find("Làm pát pọt nha!") is passport or queue.find("Làm pát pọt nha!").key == passport.key

    assert queue.decide(passport.members, status="dismissed", actor="t") == 2
    assert queue.find("làm pát pọt") is None
    assert {d["text"] for d in queue.decisions()} == {"làm pát pọt", "làm pát pọt nha"}
    assert queue.undo("làm pát pọt")
    assert queue.find("làm pát pọt").members == ["làm pát pọt"]
