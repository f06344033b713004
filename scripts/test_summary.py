"""Prints how many tests each suite ran, from CTest's JUnit report.

CTest counts one test per GoogleTest case; the C programs, pytest, the node:test interop suites
and the check scripts each run as one CTest test and print their own counts ("N passed, N
failed", or node's "# pass N" / "# fail N"), which this reads back.
The last line is the grand total in the plain form "N passed, N failed".
"""

import re
import sys
import xml.etree.ElementTree as ET

SUITES = [("cpp", "C++"), ("c", "C"), ("python", "Python"), ("interop", "interop"), ("fuzz", "fuzz"), ("crash", "crash"),
          ("install", "install"), ("lint", "lint"), ("build", "build")]
COUNTS = re.compile(r"(?:^|\s)(\d+) passed(?:, (\d+) failed)?")
# node --test (the interop suites, named mcp.interop.* and interop.*) ends with TAP comments "# pass N", "# fail N".
NODE_PASS = re.compile(r"^# pass (\d+)$", re.M)
NODE_FAIL = re.compile(r"^# fail (\d+)$", re.M)
PYTEST_FAILED = re.compile(r"(\d+) failed")

root = ET.parse(sys.argv[1]).getroot()
totals = {key: [0, 0] for key, _ in SUITES}
for case in root.iter("testcase"):
    name = case.get("name", "")
    key = name.split(".", 1)[0]
    if key == "mcp":
        key = "interop"
    if key not in totals:
        key = "lint"
    failed_case = case.find("failure") is not None or case.get("status") == "fail"
    output = "".join(case.findtext(tag) or "" for tag in ("system-out", "system-err"))
    found = list(COUNTS.finditer(output)) if key not in ("cpp", "interop") else []
    node_pass = NODE_PASS.findall(output) if key == "interop" else []
    if node_pass:
        passed = int(node_pass[-1])
        node_fail = NODE_FAIL.findall(output)
        failed = int(node_fail[-1]) if node_fail else 0
        if failed_case and failed == 0:
            failed = 1
    elif found:
        passed = int(found[-1].group(1))
        failed = int(found[-1].group(2) or 0)
        if key == "python":
            tail = output[found[-1].start():].splitlines()[0]
            match = PYTEST_FAILED.search(tail)
            failed = int(match.group(1)) if match else 0
        if failed_case and failed == 0:
            failed = 1
    else:
        passed, failed = (0, 1) if failed_case else (1, 0)
    totals[key][0] += passed
    totals[key][1] += failed

grand = [0, 0]
for key, label in SUITES:
    passed, failed = totals[key]
    if passed or failed:
        print(f"{label + ':':9s} {passed} passed, {failed} failed")
    grand[0] += passed
    grand[1] += failed
print(f"{grand[0]} passed, {grand[1]} failed")
