"""cairn.access: the reference tables (cloudillo.md 3.4) and policies, from Python."""

import pytest

import cairn
from conftest import at
from cairn import access


def test_can_access_and_visible_levels():
    assert access.can_access("follower", "2")
    assert not access.can_access("follower", "C")
    assert access.can_access("owner", None)  # Direct
    assert not access.can_access("connected", None)
    assert access.visible_levels("none") == ["P"]
    assert access.visible_levels("connected") == ["P", "V", "2", "F", "C"]
    assert access.visible_levels("owner") == ["P", "V", "2", "F", "C", "S", "D"]
    with pytest.raises(cairn.InvalidArgumentError) as info:
        access.can_access("admin", "P")
    assert info.value.reason == "ACCESS_LEVEL_UNKNOWN"
    with pytest.raises(cairn.InvalidArgumentError) as info:
        access.can_access("owner", "X")
    assert info.value.reason == "ACCESS_VISIBILITY_UNKNOWN"


def test_policies_explain_their_decisions():
    policy = access.Policy.from_json("""{
      "top": [{"effect": "deny", "actions": ["file:read"],
               "when": [{"attr": "resource.attrs.label", "op": "eq", "value": "secret"}]}],
      "bottom": [{"effect": "allow", "actions": ["file:read"],
                  "when": [{"attr": "subject.team", "op": "in", "value": ["audit"]},
                           {"attr": "env.time", "op": "weekly",
                            "value": {"days": ["mon"], "from": "09:00", "to": "17:00", "utc_offset": "+00:00"}}]}]}""")
    secret = access.Resource("bob", visibility="P", attrs={"label": "secret"})
    d = access.check(access.Subject("alice", roles=["leader"]), "file:read", secret,
                     policy=policy, explain=True)
    assert not d.allowed and d.step == "top_policy" and d.rule == "top[0]"
    hidden = access.Resource("bob", visibility=None)
    auditor = access.Subject("ann", attrs={"team": "audit"})
    monday_ten = 1767571200 + 10 * 3600
    d = access.check(auditor, "file:read", hidden, env={"time": at(monday_ten)}, policy=policy,
                     explain=True)
    assert d.allowed and d.step == "bottom_policy" and d.rule == "bottom[0]"
    assert not access.check(auditor, "file:read", hidden, env={"time": at(monday_ten + 8 * 3600)},
                            policy=policy)
    d = access.check(access.Subject("x"), "file:read", hidden, explain=True)
    assert d.rule is None and d.step == "default_deny"


def test_invalid_policy_names_the_path():
    with pytest.raises(cairn.InvalidArgumentError) as info:
        access.Policy.from_json('{"bottom": [{"effect": "allow", "when": [{"attr": "env.x", "op": "between", "value": 1}]}]}')
    assert info.value.reason == "ACCESS_POLICY_INVALID"
    assert info.value.message.startswith("bottom[0].when[0].op:")


def test_engine_access_service(tmp_path):
    uri = f"sqlite:{tmp_path / 'a.db'}"
    with cairn.open(uri) as engine:
        svc = engine.access
        with pytest.raises(cairn.InvalidArgumentError):
            svc.set_policy("home", '{"top": 5}', actor="admin")
        assert svc.policy("home") is None
        svc.set_policy("home", '{"top": [{"effect": "deny", "actions": ["file:write"]}]}',
                       actor="admin")
        assert engine.audit.entry(0)["action"] == "access.policy.set"
        file = access.Resource("alice", visibility="F")
        d = svc.check("home", access.Subject("alice"), "file:write", file, explain=True)
        assert not d.allowed and d.rule == "top[0]"
        reader = access.Subject("ric")
        assert not svc.check("home", reader, "action:read", file)
        svc.follow("ric", "alice")
        assert svc.check("home", reader, "action:read", file)
    with cairn.open(uri) as engine:
        assert engine.access.policy("home").top_rules == 1
        engine.access.remove_policy("home", actor="admin")
        with pytest.raises(cairn.NotFoundError) as info:
            engine.access.remove_policy("home")
        assert info.value.reason == "ACCESS_POLICY_NOT_FOUND"
        assert engine.audit.verify() == 2


def test_roles_management_and_file_access():
    assert access.can_manage_member(["moderator"], ["contributor"])
    assert not access.can_manage_member(["moderator"], ["moderator"])
    assert access.can_manage_member(["leader"], ["leader"])
    assert access.can_assign_role(["leader"], "leader")
    assert not access.can_assign_role(["moderator"], "moderator")
    assert not access.can_assign_role(["leader"], "SADM")
    assert access.resolve_file_access("bob", "bob", "home") == "admin"
    assert access.resolve_file_access("al", "bob", "home", direct_share="C",
                                      folder_shares=["W"]) == "comment"
    assert access.resolve_file_access("al", "bob", "home", folder_shares=[None, "W", "R"]) == "write"
    assert access.resolve_file_access("al", "", "home", roles=["contributor"]) == "write"
    assert access.resolve_file_access("al", "bob", "home", share_action="ADMIN") == "admin"
    assert access.resolve_file_access("al", "bob", "home", share_action="DEL") == "none"
    assert access.resolve_file_access("al", "bob", "home") == "none"


def test_the_remaining_calls_cross_the_edge(engine):
    # The rules behind them: tests/access/*.cpp. Here: reachable, arguments and results converted.
    assert access.expand_roles(["contributor"])[-1] == "contributor"
    assert access.relationship_level(access.Subject("bob"),
                                     access.Resource("bob", visibility="P")) == "owner"
    svc = engine.access
    svc.follow("ric", "alice")
    svc.unfollow("ric", "alice")
    file = access.Resource("alice", visibility="F")
    assert not svc.check("home", access.Subject("ric"), "action:read", file)
