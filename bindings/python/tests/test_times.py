"""The one time convention of the Python edge: times are aware datetimes (UTC out, any zone in,
naive refused with TypeError); durations are float seconds out, and seconds or a timedelta in."""

import datetime as dt

import pytest

import cairn
from cairn import jobs
from conftest import at

UTC = dt.timezone.utc
PLUS2 = dt.timezone(dt.timedelta(hours=2))
START = dt.datetime(2026, 3, 1, 12, 0, 0, 250_000, tzinfo=UTC)


@pytest.fixture
def fake():
    return cairn.FakeEnv(start=START, seed=3)


@pytest.fixture
def engine(fake):
    with cairn.open("memory:", env=fake, master_key=bytes(32)) as e:
        yield e


def is_utc(t):
    return isinstance(t, dt.datetime) and t.utcoffset() == dt.timedelta(0)


def test_fake_env_takes_and_gives_aware_datetimes(fake):
    assert fake.now() == START and is_utc(fake.now())
    fake.advance(1.5)
    fake.advance(dt.timedelta(microseconds=1))
    assert fake.now() == START + dt.timedelta(seconds=1.5, microseconds=1)
    fake.set_now(dt.datetime(2026, 3, 1, 14, 0, tzinfo=PLUS2))  # 12:00 UTC
    assert fake.now() == dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert cairn.FakeEnv().now() == dt.datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(TypeError):
        cairn.FakeEnv(start=dt.datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        fake.set_now(1767225600)


def test_microseconds_cross_exactly_both_ways(fake):
    for t in (dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
              dt.datetime(1, 1, 1, tzinfo=UTC), dt.datetime(9999, 12, 31, 23, 59, 59, 999_999,
                                                            tzinfo=UTC),
              dt.datetime(2026, 7, 4, 1, 2, 3, 456_789, tzinfo=dt.timezone(-dt.timedelta(
                  hours=9, minutes=30)))):
        fake.set_now(t)
        assert fake.now() == t and is_utc(fake.now())


def test_every_record_time_is_an_aware_utc_datetime(engine, tmp_path):
    assert engine.created_at == START and is_utc(engine.created_at)
    s = engine.secrets
    org = s.create_org("acme", "ada@acme.io")
    s.create_project("acme", "api", "ada@acme.io")
    s.create_environment("acme", "api", "prod", "ada@acme.io")
    s.set("acme", "api", "prod", "K", "v", "ada@acme.io")
    account, _ = s.create_service_account("acme", "ci", "ada@acme.io")
    rule = s.grant("acme", account.subject, "api", "*", "read", "ada@acme.io")
    del rule
    user = engine.auth.create_user("bob@example.com")
    session, _ = engine.auth.create_session(user.id)
    key, _ = engine.auth.create_api_key(user.id, expires_at=START + dt.timedelta(days=1))
    engine.board.create_project("app", "App", "")
    post = engine.board.create_post("app", "ada", "Dark mode", "please")
    task = engine.jobs.get(engine.jobs.enqueue("k", run_at=START + dt.timedelta(hours=1)))
    times = [org.created_at, s.versions("acme", "api", "prod", "K", "ada@acme.io")[0].created_at,
             s.rules("acme", "ada@acme.io")[0].created_at, account.created_at, user.created_at,
             session.created_at, session.last_seen, key.created_at, post.created_at,
             post.updated_at, task.created_at, task.updated_at,
             engine.audit.tree_head().time, engine.audit.entry(1)["time"]]
    assert all(t == START and is_utc(t) for t in times), times
    assert session.expires_at > START and is_utc(session.expires_at)
    assert key.expires_at == START + dt.timedelta(days=1) and key.last_used_at is None
    assert task.next_run == START + dt.timedelta(hours=1) and is_utc(task.next_run)


def test_times_go_in_as_aware_datetimes_in_any_zone(engine, fake):
    s = engine.secrets
    s.create_org("acme", "ada@acme.io")
    s.create_project("acme", "api", "ada@acme.io")
    s.create_environment("acme", "api", "prod", "ada@acme.io")
    s.set("acme", "api", "prod", "K", "one", "ada@acme.io")
    fake.advance(60)
    s.set("acme", "api", "prod", "K", "two", "ada@acme.io")
    local = START.astimezone(PLUS2) + dt.timedelta(seconds=30)
    assert s.get("acme", "api", "prod", "K", "ada@acme.io", as_of=local) == "one"
    entries, _ = engine.audit.query(since=START.astimezone(PLUS2) + dt.timedelta(seconds=60))
    assert entries and all(e["time"] >= START + dt.timedelta(seconds=60) for e in entries)
    for call in (lambda: s.get("acme", "api", "prod", "K", "ada@acme.io",
                               as_of=dt.datetime(2026, 3, 1)),
                 lambda: engine.audit.query(since=dt.datetime(2026, 3, 1)),
                 lambda: engine.jobs.enqueue("k", run_at=dt.datetime(2026, 3, 1)),
                 lambda: jobs.cron_next("* * * * *", dt.datetime(2026, 3, 1)),
                 lambda: cairn.content.action_key_id(now=dt.datetime(2026, 3, 1))):
        with pytest.raises(TypeError, match="aware"):
            call()
    with pytest.raises(TypeError):
        s.get("acme", "api", "prod", "K", "ada@acme.io", as_of=1767225600.0)


def test_durations_are_float_seconds_out_and_seconds_or_timedelta_in(engine, fake):
    policy = jobs.RetryPolicy(min_delay=0.5, max_delay=dt.timedelta(minutes=1).total_seconds(),
                              attempts=3)
    assert (policy.min_delay, policy.max_delay) == (0.5, 60.0)
    assert isinstance(jobs.backoff(policy, 1), float) and jobs.backoff(policy, 1) == 1.0
    a = engine.jobs.enqueue("k", delay=dt.timedelta(seconds=90), timeout=2.5, retry=policy)
    b = engine.jobs.enqueue("k", delay=90, timeout=dt.timedelta(milliseconds=2500))
    for task in (engine.jobs.get(a), engine.jobs.get(b)):
        assert task.next_run == START + dt.timedelta(seconds=90)
        assert task.timeout == 2.5 and isinstance(task.timeout, float)
    assert engine.jobs.get(a).retry == policy and engine.jobs.get(b).retry is None
    with pytest.raises(TypeError):
        engine.jobs.enqueue("k", delay="soon")
    limiter = cairn.auth.RateLimiter(1, 1, clock=fake.now)
    assert limiter.hit("x") == (True, 0.0)
    allowed, retry_after = limiter.hit("x")
    assert not allowed and retry_after == 1.0


def test_a_python_clock_returns_aware_datetimes(tmp_path):
    now = [at(1_800_000_000.123456)]
    with cairn.open("memory:", clock=lambda: now[0]) as e:
        assert e.created_at == now[0]
        now[0] = dt.datetime(2027, 1, 1, 2, 0, tzinfo=PLUS2)
        assert e.auth.create_user("ada@example.com").created_at == \
            dt.datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(TypeError):
        cairn.open("memory:", clock=lambda: 1_800_000_000)
    with pytest.raises(TypeError):
        cairn.open("memory:", clock=lambda: dt.datetime(2026, 1, 1))


def test_cron_next_answers_in_the_zone_it_was_asked_in():
    after = dt.datetime(2026, 1, 5, 9, 7, tzinfo=PLUS2)
    got = jobs.cron_next("0 10 * * *", after)
    assert got == dt.datetime(2026, 1, 5, 10, 0, tzinfo=PLUS2) and got.utcoffset() == \
        dt.timedelta(hours=2)
