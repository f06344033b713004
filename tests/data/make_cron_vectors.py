"""Writes tests/data/cron_vectors.json: next run times computed by croniter (Debian
python3-croniter 1.3.5), an independent implementation, for cairn's cron tests.

    /usr/bin/python3 tests/data/make_cron_vectors.py > tests/data/cron_vectors.json
"""

import datetime
import json

from croniter import croniter

EXPRESSIONS = [
    "* * * * *", "*/15 * * * *", "0 * * * *", "30 9-17 * * 1-5", "0 0 * * *", "0 0 1 * *",
    "0 0 1 1 *", "0 0 * * 0", "0 0 * * 7", "5,10,40-45/2 */3 * * *", "0 12 13 * FRI",
    "0 0 29 2 *", "0 0 31 * *", "15 4 1-7 * MON", "0 22 * * SAT,SUN", "0 6 * JAN,JUL *",
    "59 23 28-31 * *", "@hourly", "@daily", "@weekly", "@monthly",
    "@yearly", "*/7 2-4 */10 */2 *", "0 0 1-10/3 * 2-4",
]
STARTS = [
    datetime.datetime(2026, 1, 1, 0, 0, 0),
    datetime.datetime(2026, 2, 28, 23, 59, 30),
    datetime.datetime(2027, 12, 31, 23, 59, 0),
    datetime.datetime(2028, 2, 28, 12, 0, 0),
]

vectors = []
for expr in EXPRESSIONS:
    for start in STARTS:
        start = start.replace(tzinfo=datetime.timezone.utc)
        it = croniter(expr, start)
        runs = [int(it.get_next(datetime.datetime).timestamp()) for _ in range(5)]
        vectors.append({"expr": expr, "after": int(start.timestamp()), "next": runs})
print(json.dumps({"source": "croniter 1.3.5 (python3-croniter), UTC", "vectors": vectors},
                 indent=1))
