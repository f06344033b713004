"""Every error reason the code can produce is documented in docs/errors.md, and every reason
documented there is produced somewhere.

A reason is a SCREAMING_SNAKE string literal with at least one underscore ("SECRET_NOT_FOUND")
in library, C ABI, binding or server code. Tests are not scanned: their reasons are made up.
"""

import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
SCANNED = ["include", "src", "capi", "bindings/python/src", "bindings/python/cairn", "servers"]
SUFFIXES = {".hpp", ".cpp", ".h", ".c", ".py", ".inc"}
LITERAL = re.compile(r'"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"')
ENV_CALL = re.compile(r"\w*env\w*\($")

used = {}
for top in SCANNED:
    for path in sorted((root / top).rglob("*")):
        if path.suffix not in SUFFIXES or path.name == "error_codes.inc":
            continue
        for lineno, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            stripped = line.lstrip()
            # Comments show examples of reasons from other domains; only code produces them.
            if stripped.startswith(("#define", "#include", "//", "/*", "* ", "*/")) or stripped == "*":
                continue
            for match in LITERAL.finditer(line):
                # Environment variable names read through getenv() or a helper named after it
                # (env_or_null, text_from_env, ...) are not reasons.
                if ENV_CALL.search(line[: match.start()]):
                    continue
                used.setdefault(match.group(1), f"{path.relative_to(root)}:{lineno}")

doc = (root / "docs" / "errors.md").read_text()
codes_part, _, reasons_part = doc.partition("## Reasons")
documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", reasons_part, re.M))
codes = set(re.findall(r"^\| `([A-Z_]+)` \|", codes_part, re.M))

missing = sorted(set(used) - documented - codes)
stale = sorted(documented - set(used))
for reason in missing:
    print(f"undocumented reason {reason} (first used at {used[reason]}): add it to docs/errors.md")
for reason in stale:
    print(f"docs/errors.md lists {reason} but no code produces it")
ok = not missing and not stale
print(f"error reasons: {len(used)} used, {len(documented)} documented")
print(f"{1 if ok else 0} passed, {0 if ok else 1} failed")
sys.exit(0 if ok else 1)
