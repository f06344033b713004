"""Runs benchmark programs and prints each cairn figure as a ratio to the limit or peer it is
paired with (the pairs below), as recorded in docs/performance.md.

    /usr/bin/python3 benchmarks/ratios.py build/benchmarks/crypto_bench
    /usr/bin/python3 benchmarks/ratios.py --markdown docs/bench-report.md build/benchmarks/*_bench

Each program runs once with 5 repetitions (`make bench-report` runs them all). Ratios are cairn
time / peer time (below 1.00: cairn is faster) of the two medians, with the lowest and highest
ratio of the repetitions paired in order (repetition i of cairn against repetition i of its peer,
which ran in the same program a few seconds apart). Throughput pairs (batch) are speed-ups
instead. A goal in a label, "(goal <= X)" or "(goal >= X)", is checked against the median and
against the worst repetition; --markdown writes the table docs/performance.md quotes.
"""

import datetime
import json
import os
import re
import statistics
import subprocess
import sys

TIME_PAIRS = [
    ("BM_CryptoSha256/64", "BM_CryptoSha256OpenSslRaw/64", "SHA-256 64 B vs raw OpenSSL block API (goal <= 1.03)"),
    ("BM_CryptoSha256/1024", "BM_CryptoSha256OpenSslRaw/1024", "SHA-256 1 KiB vs raw"),
    ("BM_CryptoSha256/16384", "BM_CryptoSha256OpenSslRaw/16384", "SHA-256 16 KiB vs raw (goal <= 1.05)"),
    ("BM_CryptoSha256/1048576", "BM_CryptoSha256OpenSslRaw/1048576", "SHA-256 1 MiB vs raw (goal <= 1.05)"),
    ("BM_CryptoSha256/64", "BM_CryptoSha256OpenSslEvp/64", "SHA-256 64 B vs EVP with reused context"),
    ("BM_CryptoSha256/64", "BM_CryptoSha256OpenSslOneShot/64", "SHA-256 64 B vs OpenSSL 3 SHA256()"),
    ("BM_CryptoVerifyEs256", "BM_CryptoVerifyEs256OpenSsl", "ES256 verify vs OpenSSL EVP_DigestVerify"),
    ("BM_CryptoVerifyEs384", "BM_CryptoVerifyEs384OpenSsl", "ES384 verify vs OpenSSL EVP_DigestVerify"),
    ("BM_CryptoVerifyEd25519", "BM_CryptoVerifyEd25519OpenSsl", "Ed25519 verify vs OpenSSL EVP_DigestVerify"),
]
TIME_PAIRS += [
    ("BM_AuditAppend/real_time", "BM_AuditAppendSqlitePeer/real_time",
     "audit append (1 per transaction) vs plain SQLite insert of the same bytes (goal <= 2.00)"),
]
TIME_PAIRS += [
    ("BM_AuthSessionValidate", "BM_AuthSessionLookupSqlitePeer",
     "session validation on SQLite vs SHA-256 + plain SQLite point query (goal <= 2.00)"),
    ("BM_AuthSessionValidateCached", "BM_AuthSessionLookupSqlitePeer",
     "session validation through the in-process cache vs the same peer"),
    ("BM_AuthJwtVerifyEs256", "BM_AuthJwtVerifyEs256OpenSsl",
     "JWT ES256 verification vs raw OpenSSL verify of the signature (goal <= 1.11, i.e. >= 90%)"),
    ("BM_AuthPasswordHash", "BM_AuthPasswordHashArgon2Raw",
     "Argon2id PHC hash vs libargon2 raw hash, same parameters"),
]
TIME_PAIRS += [
    ("BM_SecretsAclCheck/1000", "BM_SecretsAclGlobPeer/1000",
     "ACL check, 1,000 rules, vs a naive scan glob-matching every rule"),
    ("BM_SecretsGet", "BM_SecretsGetSqlitePeer",
     "get on SQLite (ACL, reads, unwrap + decrypt, audit entry) vs plain read + 2 AES-GCM decrypts"),
]
TIME_PAIRS += [
    ("BM_ContentBlobId/64", "BM_ContentSha256Raw/64",
     "blob ID of 64 B vs raw SHA-256 of the same bytes (goal <= 1.11, i.e. >= 90%)"),
    ("BM_ContentBlobIdTo/64", "BM_ContentSha256Raw/64",
     "blob ID of 64 B into a reused string vs raw SHA-256 (goal <= 1.10)"),
    ("BM_ContentBlobId/1024", "BM_ContentSha256Raw/1024",
     "blob ID of 1 KiB vs raw SHA-256 (goal <= 1.11)"),
    ("BM_ContentBlobId/1048576", "BM_ContentSha256Raw/1048576",
     "blob ID of 1 MiB vs raw SHA-256 (goal <= 1.05, i.e. >= 95%)"),
    ("BM_ContentActionVerify", "BM_ContentEs384VerifyOpenSsl",
     "action token verification (ES384 + claims + type rules) vs raw OpenSSL P-384 verify"),
]
TIME_PAIRS += [
    ("BM_JobsDagChain/1/real_time", "BM_JobsDagChainLimit/real_time",
     "DAG executor, chain of 100,000 empty tasks, 1 worker, vs a plain loop over the functions"),
    ("BM_JobsDagChain/2/real_time", "BM_JobsDagChainLimit/real_time",
     "DAG executor, chain, 2 workers, vs the same loop"),
    ("BM_JobsDagFanOut/1/real_time", "BM_JobsDagFanOutLimit/real_time",
     "DAG executor, fan-out 1 -> 100,000 -> 1, 1 worker, vs the same loop"),
    ("BM_JobsDagFanOut/2/real_time", "BM_JobsDagFanOutLimit/real_time",
     "DAG executor, fan-out, 2 workers, vs the same loop"),
    ("BM_JobsDagRandom/1/real_time", "BM_JobsDagRandomLimit/real_time",
     "DAG executor, random DAG of 100,000 tasks (4 edges each), 1 worker, vs the same loop"),
    ("BM_JobsDagRandom/2/real_time", "BM_JobsDagRandomLimit/real_time",
     "DAG executor, random DAG, 2 workers, vs the same loop"),
]
TIME_PAIRS += [
    ("BM_JobsPersistentCycle/iterations:3000/real_time", "BM_JobsSqliteWriteTxn/iterations:3000/real_time",
     "persistent task enqueue -> run -> complete vs one plain SQLite write transaction, steady "
     "state after 3,000 untimed (the task takes three: 3.00 is the floor)"),
]
TIME_PAIRS += [
    ("BM_BoardVoteToggle/real_time", "BM_BoardVoteSqlitePeer/real_time",
     "board vote toggle on SQLite vs a plain SQLite write transaction doing the same row work"),
    ("BM_BoardListTrending/real_time", "BM_BoardTrendingSqlPeer/real_time",
     "top 50 trending of 100,000 posts / 1,000,000 votes vs one hand-written SQL query"),
]
TIME_PAIRS += [
    ("BM_RecordsPut/real_time", "BM_RecordsPutSqlitePeer/real_time",
     "records put (new id) vs a plain SQLite insert of the same row (goal <= 1.43, i.e. >= 70%)"),
    ("BM_RecordsGet/real_time", "BM_RecordsGetSqlitePeer/real_time",
     "records get vs a plain SQLite point read of the same row (goal <= 1.43, i.e. >= 70%)"),
    ("BM_RecordsList100/real_time", "BM_RecordsList100SqlitePeer/real_time",
     "records list of 100 by an indexed field vs plain SQLite on an index (goal <= 1.50)"),
    ("BM_RecordsList100/real_time", "BM_RecordsList100SqliteBarePeer/real_time",
     "records list of 100 vs plain SQLite reading only id and value (context)"),
]
SPEEDUP_PAIRS = [
    ("BM_AuditAppendBatch/1000/real_time", "BM_AuditAppendBatchSqlitePeer/real_time",
     "audit batch of 1000 (1000 actors) vs plain SQLite batch of the same bytes (goal >= 0.65)"),
    ("BM_AuditAppendBatch/50/real_time", "BM_AuditAppendBatchSqlitePeer/real_time",
     "audit batch of 1000 (50 actors) vs plain SQLite batch of the same bytes"),
    ("BM_CryptoSha256Batch/2/real_time", "BM_CryptoSha256BatchRawLoop/real_time",
     "batch of 4096 x 64 B on 2 threads vs a one-thread raw loop (goal >= 1.8)"),
    ("BM_CryptoSha256Batch/1/real_time", "BM_CryptoSha256BatchRawLoop/real_time",
     "batch of 4096 x 64 B on 1 thread vs a one-thread raw loop"),
    ("BM_ContentBlobIdBatch/2/real_time", "BM_ContentBlobIdBatch/1/real_time",
     "blob IDs of 4096 x 1 KiB on 2 threads vs 1 thread (goal >= 1.8)"),
]


ABSOLUTE = [
    ("BM_AuditAppendBatch/1000/real_time", "audit batched appends, 1000 actors (goal >= 150,000 entries/s)"),
    ("BM_AuditInclusionProof/1000000", "inclusion proof in a 1,000,000-entry SQLite log"),
    ("BM_AuditQueryByActor/0", "query: a page of 100 of one actor's entries, 100,000-entry log"),
    ("BM_AuditQueryByActor/1", "query: an actor with no entries, 100,000-entry log"),
    ("BM_AuditVerify/100000/real_time", "full verification of a 100,000-entry log"),
    ("BM_JobsPersistentCycle/iterations:3000/real_time", "persistent tasks enqueued, run and completed on SQLite"),
    ("BM_JobsSqliteWriteTxn/iterations:3000/real_time", "plain SQLite write transactions (synchronous=FULL)"),
    ("BM_BoardVoteToggle/real_time", "board vote toggles on SQLite"),
    ("BM_BoardListTrending/real_time", "board: top 50 trending, 100,000 posts, 1,000,000 votes"),
    ("BM_BoardListNewest/real_time", "board: top 50 newest, same data"),
    ("BM_BoardListMostVotes/real_time", "board: top 50 most votes, same data"),
]

# Benchmarks that report their own counters (latency percentiles in microseconds).
COUNTERS = [
    ("BM_JobsDispatchLatency/iterations:5/real_time",
     "persistent dispatch latency, enqueue -> handler start, 1 idle worker"),
]

# Per-item cost in ns (1e9 / items_per_second): the DAG executor's per-task overhead
# (Taskflow's published figure is about 100-120 ns/task; goal <= 150 ns/task).
PER_ITEM = [
    ("BM_JobsDagChain/1/real_time", "DAG chain, 1 worker"),
    ("BM_JobsDagChain/2/real_time", "DAG chain, 2 workers"),
    ("BM_JobsDagChainLimit/real_time", "chain limit (plain loop)"),
    ("BM_JobsDagFanOut/1/real_time", "DAG fan-out, 1 worker"),
    ("BM_JobsDagFanOut/2/real_time", "DAG fan-out, 2 workers (goal <= 150)"),
    ("BM_JobsDagFanOutLimit/real_time", "fan-out limit (plain loop)"),
    ("BM_JobsDagRandom/1/real_time", "DAG random, 1 worker"),
    ("BM_JobsDagRandom/2/real_time", "DAG random, 2 workers"),
    ("BM_JobsDagRandomLimit/real_time", "random limit (plain loop)"),
]


GOAL = re.compile(r"\(goal ([<>]=) ([0-9.,]+)")


def stats(values):
    return min(values), statistics.median(values), max(values)


def run(program):
    """Every repetition of every benchmark of `program`: {run name: [result, ...]}."""
    out = subprocess.run(
        [program, "--benchmark_format=json", "--benchmark_repetitions=5",
         "--benchmark_min_time=0.2", "--benchmark_enable_random_interleaving=true"],
        check=True, capture_output=True, text=True).stdout
    runs = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type") == "iteration":
            runs.setdefault(b["run_name"], []).append(b)
    return runs


def verdict(label, median, worst):
    match = GOAL.search(label)
    if not match:
        return ""
    limit = float(match.group(2).replace(",", ""))
    ok = (lambda v: v <= limit) if match.group(1) == "<=" else (lambda v: v >= limit)
    if ok(median) and ok(worst):
        return "met"
    return "met at the median, not in every repetition" if ok(median) else "missed"


def figures(runs):
    """(kind, label, value text, ratio (min, median, max) or None, verdict) for every pair."""
    rows = []

    def paired(cairn, peer, key):
        a = [b[key] for b in runs[cairn]]
        b = [b[key] for b in runs[peer]]
        per_rep = [x / y for x, y in zip(a, b)]
        med = statistics.median(a) / statistics.median(b)
        return a, b, (min(per_rep), med, max(per_rep))

    for cairn, peer, label in TIME_PAIRS:
        if cairn in runs and peer in runs:
            a, b, (lo, med, hi) = paired(cairn, peer, "real_time")
            unit = runs[cairn][0]["time_unit"]
            text = (f"{statistics.median(a):,.1f} [{min(a):,.1f}-{max(a):,.1f}] vs "
                    f"{statistics.median(b):,.1f} [{min(b):,.1f}-{max(b):,.1f}] {unit}")
            rows.append(("ratio", label, text, (lo, med, hi), verdict(label, med, hi)))
    for cairn, peer, label in SPEEDUP_PAIRS:
        if cairn in runs and peer in runs:
            a, b, (lo, med, hi) = paired(cairn, peer, "items_per_second")
            text = (f"{statistics.median(a):,.0f} [{min(a):,.0f}-{max(a):,.0f}] vs "
                    f"{statistics.median(b):,.0f} [{min(b):,.0f}-{max(b):,.0f}] per second")
            rows.append(("speed-up", label, text, (lo, med, hi), verdict(label, med, lo)))
    for name, label in PER_ITEM:
        if name in runs and runs[name][0].get("items_per_second"):
            lo, med, hi = stats([1e9 / b["items_per_second"] for b in runs[name]])
            rows.append(("per task", label, f"{med:,.1f} ns [{lo:,.1f}-{hi:,.1f}]", None,
                         verdict(label, med, hi)))
    for name, label in COUNTERS:
        if name in runs:
            parts = []
            for c in ("p50_us", "p99_us"):
                if c in runs[name][0]:
                    lo, med, hi = stats([b[c] for b in runs[name]])
                    parts.append(f"{c} {med:,.0f} [{lo:,.0f}-{hi:,.0f}]")
            rows.append(("latency", label, ", ".join(parts), None, ""))
    for name, label in ABSOLUTE:
        if name in runs:
            unit = runs[name][0]["time_unit"]
            lo, med, hi = stats([b["real_time"] for b in runs[name]])
            rates = [b.get("items_per_second", 0) for b in runs[name]]
            rlo, rmed, rhi = stats(rates)
            text = f"{med:,.1f} {unit} [{lo:,.1f}-{hi:,.1f}]"
            if rmed:
                text += f" ({rmed:,.0f} per second [{rlo:,.0f}-{rhi:,.0f}])"
            rows.append(("absolute", label, text, None, verdict(label, rmed, rlo)))
    return rows


def main():
    args = sys.argv[1:]
    markdown = None
    if len(args) >= 2 and args[0] == "--markdown":
        markdown, args = args[1], args[2:]
    if not args:
        sys.exit("usage: ratios.py [--markdown FILE] PROGRAM...")
    table = []
    for program in args:
        rows = figures(run(program))
        print(f"== {os.path.basename(program)}")
        for kind, label, text, ratio, goal in rows:
            head = f"{ratio[1]:5.2f}x" if ratio else "      "
            spread = f" [{ratio[0]:.2f}-{ratio[2]:.2f}]" if ratio else ""
            print(f"{head}{spread}  {kind}: {label}  ({text}){'  ' + goal if goal else ''}",
                  flush=True)
        table += [(os.path.basename(program),) + row for row in rows]
    if markdown:
        lines = [
            "<!-- Written by `make bench-report` (benchmarks/ratios.py); do not edit by hand. -->",
            "",
            f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
            f"{os.cpu_count()} CPUs, 5 repetitions per benchmark. Ratio: the medians' ratio [the lowest and highest of the repetitions].",
            "",
            "| program | figure | ratio | measured (median [min-max]) | goal |",
            "|---|---|---:|---|---|",
        ]
        for program, kind, label, text, ratio, goal in table:
            shown = f"{ratio[1]:.2f} [{ratio[0]:.2f}-{ratio[2]:.2f}]" if ratio else ""
            lines.append(f"| {program} | {kind}: {label} | {shown} | {text} | {goal} |")
        with open(markdown, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
