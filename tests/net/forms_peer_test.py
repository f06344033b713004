"""cairn::net cookies, forms and percent-encoding against independent peers: Python's
http.cookies (SimpleCookie, Morsel), urllib.parse (quote, quote_plus, unquote_to_bytes,
urlencode, parse_qsl) and email.utils (IMF-fixdate).

The C++ side runs in net_forms_peer_driver (tests/net/forms_peer_driver.cpp), found through
CAIRN_FORMS_DRIVER; each command is one line on its stdin and one JSON line on its stdout.
Random inputs come from fixed seeds and bounded loops, so a failure repeats.

Where the peers differ from the specifications by design, the test says so and checks cairn
against the specification instead:
- SimpleCookie stops reading at the first pair it cannot match, treats attribute names (path,
  expires, ...) as attributes of the previous cookie, skips "$" names and keeps the last of
  duplicated names; RFC 6265 section 5.4 servers skip bad pairs and keep every cookie. It is
  compared on headers it reads sanely, and cairn is checked against an RFC 6265 model otherwise.
- parse_qsl keeps a malformed %-sequence verbatim and decodes invalid UTF-8 with U+FFFD; cairn
  refuses both (HTTP_FORM_INVALID), as it refuses %00.
"""

import email.utils
import http.cookies
import json
import os
import random
import re
import subprocess
import urllib.parse
from datetime import datetime, timezone

import pytest

TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
COOKIE_OCTETS = "".join(chr(b) for b in range(0x21, 0x7F) if chr(b) not in '",;\\')
SIMPLECOOKIE_RESERVED = {
    "expires", "path", "comment", "domain", "max-age", "secure", "httponly", "version", "samesite",
}
# Used with fullmatch: "$" would also match before a final newline.
TOKEN_RE = re.compile("[" + re.escape(TOKEN_CHARS) + "]+")
OCTETS_RE = re.compile("[" + re.escape(COOKIE_OCTETS) + "]*")
ROUNDS = 400


class Driver:
    def __init__(self, path):
        self.proc = subprocess.Popen(
            [path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
        )

    def __call__(self, command, arg):
        if not isinstance(arg, bytes):
            arg = arg.encode("utf-8")
        assert b"\n" not in arg
        self.proc.stdin.write(command.encode() + b" " + arg + b"\n")
        line = self.proc.stdout.readline()
        assert line, "the driver exited"
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0


@pytest.fixture(scope="module")
def cpp():
    path = os.environ.get("CAIRN_FORMS_DRIVER")
    assert path and os.path.exists(path), "CAIRN_FORMS_DRIVER must name net_forms_peer_driver"
    driver = Driver(path)
    yield driver
    driver.close()


def random_text(rng, n_max=12):
    """Text of ASCII (controls, separators), Latin-1, CJK and astral characters, no NUL."""
    pools = [
        [chr(c) for c in range(1, 0x80)],
        list(" +=&%;~*'()!\"#/?"),
        ["é", "ü", "ß", "\u00a0", "€", "日", "本", "\U0001f600", "\u200b"],
    ]
    return "".join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(0, n_max)))


def random_pairs(rng):
    return [(random_text(rng), random_text(rng)) for _ in range(rng.randint(0, 5))]


# ---- percent-encoding ------------------------------------------------------------------------


def test_percent_encoding_matches_quote(cpp):
    rng = random.Random(1)
    for _ in range(ROUNDS):
        text = random_text(rng)
        arg = json.dumps(text)
        assert cpp("percent-encode", arg)["ok"] == urllib.parse.quote(text, safe=""), text
        assert cpp("form-component", arg)["ok"] == urllib.parse.quote_plus(text, safe=""), text


def test_percent_decoding_matches_unquote_to_bytes(cpp):
    rng = random.Random(2)
    for _ in range(ROUNDS):
        raw = bytes(rng.randint(1, 255) for _ in range(rng.randint(0, 10)))
        encoded = ""
        for b in raw:
            if 0x21 <= b <= 0x7E and b != 0x25 and rng.random() < 0.5:
                encoded += chr(b)  # printable bytes may also come unescaped ('%' may not)
            else:
                encoded += f"%{b:02x}" if rng.random() < 0.3 else f"%{b:02X}"
        got = cpp("percent-decode", encoded)
        assert bytes.fromhex(got["ok"]) == urllib.parse.unquote_to_bytes(encoded), encoded


def test_percent_decoding_refuses_what_unquote_keeps(cpp):
    for text in ["%zz", "%4", "%", "a%0", "a%00b", "%g0"]:
        assert cpp("percent-decode", text) == {"error": None}, text


# ---- forms and query strings -----------------------------------------------------------------


def test_form_encoding_matches_urlencode(cpp):
    rng = random.Random(3)
    for _ in range(ROUNDS):
        pairs = random_pairs(rng)
        got = cpp("form-encode", json.dumps(pairs))["ok"]
        assert got == urllib.parse.urlencode(pairs), pairs


def test_urlencoded_pairs_decode_to_themselves(cpp):
    rng = random.Random(4)
    for _ in range(ROUNDS):
        pairs = random_pairs(rng)
        text = urllib.parse.urlencode(pairs)
        got = cpp("form-decode", text)
        assert [tuple(p) for p in got["ok"]] == [p for p in pairs], text


def random_form_text(rng):
    """Well-formed application/x-www-form-urlencoded text as browsers and hand-written clients
    produce it: raw and %-escaped characters (either hex case), '+', empty pairs, bare names,
    several '=' in a pair; every %-sequence complete, none %00, the result UTF-8."""
    parts = []
    for _ in range(rng.randint(0, 25)):
        kind = rng.random()
        if kind < 0.35:
            parts.append(rng.choice("abcXYZ019-._~!*'()$,;:@/?"))
        elif kind < 0.5:
            parts.append(rng.choice(["&", "=", "+", "&&", "=="]))
        elif kind < 0.65:
            parts.append(rng.choice(["é", "日", "\U0001f600", " "]))
        else:
            char = rng.choice(["&", "=", "+", "%", " ", "é", "日", "\U0001f600", "\x01", "\x7f"])
            hexes = [f"{b:02X}" for b in char.encode("utf-8")]
            parts.append("".join("%" + (h.lower() if rng.random() < 0.3 else h) for h in hexes))
    return "".join(parts)


def test_form_decoding_matches_parse_qsl(cpp):
    rng = random.Random(5)
    for _ in range(ROUNDS):
        text = random_form_text(rng)
        want = urllib.parse.parse_qsl(text, keep_blank_values=True)
        got = cpp("form-decode", text)
        assert "ok" in got, (text, got)
        assert [tuple(p) for p in got["ok"]] == want, text


def test_query_strings_keep_every_value_in_order(cpp):
    rng = random.Random(6)
    for _ in range(ROUNDS):
        text = random_form_text(rng)
        got = cpp("query", text)
        assert [tuple(p) for p in got["ok"]] == urllib.parse.parse_qsl(text, keep_blank_values=True)
        # Request::query_param answers the first value of each name, as parse_qs's lists start.
        by_name = urllib.parse.parse_qs(text, keep_blank_values=True)
        assert got["first"] == {name: values[0] for name, values in by_name.items()}, text
    got = cpp("query", "tag=a&tag=b&q=x+y&tag=c")
    assert got["ok"] == [["tag", "a"], ["tag", "b"], ["q", "x y"], ["tag", "c"]]
    assert got["first"] == {"tag": "a", "q": "x y"}


@pytest.mark.parametrize(
    "text",
    ["a=%zz", "a=%4", "a=%", "%=1", "a=1&b=%00", "a=%FF", "a=%C3", "a=%ED%A0%80", "a=%C0%AF"],
)
def test_form_decoding_refuses_what_parse_qsl_tolerates(cpp, text):
    urllib.parse.parse_qsl(text, keep_blank_values=True)  # the peer answers something
    got = cpp("form-decode", text)
    assert got["error"]["code"] == "INVALID_ARGUMENT"
    assert got["error"]["reason"] == "HTTP_FORM_INVALID"
    assert cpp("query", text)["error"]["reason"] == "HTTP_FORM_INVALID"


# ---- Cookie header ---------------------------------------------------------------------------


def rfc6265_model(header):
    """What a lenient RFC 6265 server reads from a Cookie header (section 4.1.1 grammar per pair,
    bad pairs skipped, whitespace around names and values dropped, one pair of quotes removed)."""
    out = []
    for part in header.split(";"):
        if "=" not in part:
            continue
        name, value = part.split("=", 1)
        name, value = name.strip(" \t"), value.strip(" \t")
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if TOKEN_RE.fullmatch(name) and OCTETS_RE.fullmatch(value):
            out.append([name, value])
    return out


def sane_name(rng):
    while True:
        name = "".join(rng.choice(TOKEN_CHARS) for _ in range(rng.randint(1, 8)))
        if name[0] != "$" and name.lower() not in SIMPLECOOKIE_RESERVED:
            return name


def sane_value(rng):
    value = "".join(rng.choice(COOKIE_OCTETS) for _ in range(rng.randint(0, 12)))
    return f'"{value}"' if rng.random() < 0.2 else value


def test_cookie_headers_read_as_simplecookie_reads_them(cpp):
    rng = random.Random(7)
    for _ in range(ROUNDS):
        names = [sane_name(rng) for _ in range(rng.randint(1, 6))]
        names += rng.sample(names, k=rng.randint(0, len(names)))  # duplicates
        pairs = [(n, sane_value(rng)) for n in names]
        header = rng.choice(["; ", ";", " ; "]).join(f"{n}={v}" for n, v in pairs)
        got = cpp("cookie-parse", header)["ok"]
        assert got == rfc6265_model(header), header
        jar = http.cookies.SimpleCookie()
        jar.load(header)
        # SimpleCookie is a dict: the last of duplicated names wins. cairn keeps them all.
        last = {}
        for name, value in got:
            last[name] = value
        assert {k: m.value for k, m in jar.items()} == last, header
        assert [n for n, _ in got] == names


def test_cookie_headers_skip_bad_pairs_as_rfc6265_says(cpp):
    rng = random.Random(8)
    junk = [" ", "\t", "=", ";", '"', ",", "\\", "é", "\x01", "a", "b", "1", "$", "(", "@"]
    for _ in range(ROUNDS):
        header = "".join(rng.choice(junk + [sane_name(rng), sane_value(rng)]) for _ in range(12))
        got = cpp("cookie-parse", header)["ok"]
        assert got == rfc6265_model(header), header


# ---- Set-Cookie ------------------------------------------------------------------------------

SAME_SITE = [None, "Strict", "Lax", "None"]


def random_set_cookie(rng):
    options = {"name": sane_name(rng), "value": sane_value(rng)}
    if rng.random() < 0.5:
        options["path"] = "/" + "".join(rng.choice("abc/-_.~%") for _ in range(rng.randint(0, 8)))
    if rng.random() < 0.4:
        options["domain"] = rng.choice(["example.org", "a.b-c.example", "localhost", "x1.io"])
    if rng.random() < 0.5:
        options["max_age"] = rng.randint(0, 10**9)
    if rng.random() < 0.5:
        lo = int(datetime(1601, 1, 1, tzinfo=timezone.utc).timestamp())
        hi = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp())
        options["expires"] = rng.randint(lo, hi)
    options["http_only"] = rng.random() < 0.5
    options["secure"] = rng.random() < 0.6
    same_site = rng.choice(SAME_SITE)
    if same_site == "None":
        options["secure"] = True
    if same_site:
        options["same_site"] = same_site
    if options["name"].lower().startswith(("__secure-", "__host-")):
        options["name"] = "x" + options["name"]
    return options


def morsel_for(options):
    """The same cookie as Python's http.cookies writes it."""
    morsel = http.cookies.Morsel()
    value = options["value"]
    morsel.set(options["name"], value, value)
    if "path" in options:
        morsel["path"] = options["path"]
    if "domain" in options:
        morsel["domain"] = options["domain"]
    if "max_age" in options:
        morsel["max-age"] = options["max_age"]
    if "expires" in options:
        when = datetime.fromtimestamp(options["expires"], timezone.utc)
        morsel["expires"] = email.utils.format_datetime(when, usegmt=True)
    morsel["httponly"] = options["http_only"]
    morsel["secure"] = options["secure"]
    if "same_site" in options:
        morsel["samesite"] = options["same_site"]
    return morsel


def attributes(set_cookie):
    """A Set-Cookie value as (name=value, {attribute name lower-cased: value}), since Python
    orders and spells attribute names its own way ("expires", "Max-Age")."""
    first, *rest = set_cookie.split("; ")
    attrs = {}
    for item in rest:
        key, _, val = item.partition("=")
        attrs[key.lower()] = val
    return first, attrs


def test_set_cookie_matches_morsel(cpp):
    rng = random.Random(9)
    for _ in range(ROUNDS):
        options = random_set_cookie(rng)
        got = cpp("set-cookie", json.dumps(options))
        assert "ok" in got, (options, got)
        assert attributes(got["ok"]) == attributes(morsel_for(options).OutputString()), options
        # ... and SimpleCookie reads it back (Set-Cookie syntax, one cookie).
        jar = http.cookies.SimpleCookie()
        jar.load(got["ok"])
        morsel = jar[options["name"]]
        assert morsel.value == options["value"].strip('"')
        assert morsel["path"] == options.get("path", "")
        if "expires" in options:
            parsed = email.utils.parsedate_to_datetime(morsel["expires"])
            assert int(parsed.timestamp()) == options["expires"]


def test_set_cookie_refuses_what_rfc6265_forbids(cpp):
    rng = random.Random(10)
    alphabet = [chr(c) for c in range(1, 0x80)] + ["é", "\u00a0"]
    for _ in range(ROUNDS):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
        got = cpp("set-cookie", json.dumps({"name": name, "value": value}))
        inner = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
        valid = bool(TOKEN_RE.fullmatch(name)) and bool(OCTETS_RE.fullmatch(inner))
        valid = valid and not name.lower().startswith(("__secure-", "__host-"))
        if valid:
            assert got == {"ok": f"{name}={value}"}, (name, value)
        else:
            assert got["error"] == {"code": "INVALID_ARGUMENT", "reason": "HTTP_COOKIE_INVALID"}


@pytest.mark.parametrize(
    "options",
    [
        {"name": "a", "value": "1", "same_site": "None"},
        {"name": "a", "value": "1", "max_age": -1},
        {"name": "a", "value": "1", "path": "app"},
        {"name": "a", "value": "1", "domain": "exa mple.org"},
        {"name": "a", "value": "1", "expires": -11644473601},
        {"name": "__Host-a", "value": "1", "secure": True, "path": "/", "domain": "example.org"},
        {"name": "a", "value": "x" * 4096},
    ],
)
def test_set_cookie_refuses_bad_attributes(cpp, options):
    got = cpp("set-cookie", json.dumps(options))
    assert got["error"] == {"code": "INVALID_ARGUMENT", "reason": "HTTP_COOKIE_INVALID"}
