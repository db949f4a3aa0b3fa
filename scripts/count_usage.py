#!/usr/bin/env python3
"""Independent count of Claude Code usage in a transcript tree, for checking ccfail.

Reads every *.jsonl under --tree completely (no cursors, no mtime skipping, no
pre-filter, a full JSON parse of every complete line), deduplicates responses on
message.id + requestId, attributes them with the timeline and sums them in the
windows the README defines ("Usage windows"). The usage benchmark runs it beside
ccfail and compares the two outputs; it shares no code with ccfail.

    scripts/count_usage.py --tree DIR --now 2026-11-21T10:00:00Z \\
        --timeline '[["a","2026-11-14T10:00:00Z"],["b","2026-11-18T10:00:00Z"]]' \\
        --accounts '[{"name":"a","weekly_reset":null},{"name":"b","weekly_reset":"Mon 09:00 Europe/Paris"}]'

Prints one JSON document: "retained" (every response in the retention period up to
now), "unattributed", and per account the current 5-hour block (or null) and the
weekly window, each {start_ms, messages, input, output, cache_creation, cache_read};
"tree" and "lines" describe the whole tree.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import sys
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

HOUR_MS = 3_600_000
FIVE_HOURS_MS = 5 * HOUR_MS
WEEK_MS = 7 * 24 * HOUR_MS
RETENTION_MS = 8 * 24 * HOUR_MS
TOKEN_FIELDS = [
    ("input", "input_tokens"),
    ("output", "output_tokens"),
    ("cache_creation", "cache_creation_input_tokens"),
    ("cache_read", "cache_read_input_tokens"),
]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_ms(text: str) -> int:
    """RFC 3339 -> milliseconds since the epoch, sub-millisecond digits dropped."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no zone")
    return (moment - EPOCH) // timedelta(milliseconds=1)


def read_responses(tree: str, retained_since_ms: int):
    """(key -> [ts_ms, input, output, cache_creation, cache_read]) for the retention
    period and for the whole tree, plus line counts."""
    retained: dict = {}
    everything: dict = {}
    lines = {"complete": 0, "unparsable": 0, "torn_tails": 0, "api_errors": 0, "files": 0}
    for folder, _dirs, files in os.walk(tree):
        for name in files:
            if not name.endswith(".jsonl"):
                continue
            path = os.path.join(folder, name)
            if os.path.islink(path):
                continue
            lines["files"] += 1
            with open(path, "rb") as handle:
                data = handle.read()
            pieces = data.split(b"\n")
            if pieces[-1]:
                lines["torn_tails"] += 1  # no newline yet: not a complete line
            for raw in pieces[:-1]:
                if not raw:
                    continue
                lines["complete"] += 1
                try:
                    obj = json.loads(raw)
                except ValueError:
                    lines["unparsable"] += 1
                    continue
                parsed = response_of(obj, raw)
                if parsed == "api_error":
                    lines["api_errors"] += 1
                    continue
                if parsed is None:
                    continue
                key, record = parsed
                merge(everything, key, record)
                if record[0] >= retained_since_ms:
                    merge(retained, key, record)
    return retained, everything, lines


def response_of(obj, raw: bytes):
    if not isinstance(obj, dict) or obj.get("type") != "assistant":
        return None
    message = obj.get("message")
    if not isinstance(message, dict):
        return None
    if obj.get("isApiErrorMessage") is True or message.get("model") == "<synthetic>":
        return "api_error"
    usage = message.get("usage")
    if not isinstance(usage, dict):
        return None
    try:
        ts = to_ms(obj["timestamp"])
    except (KeyError, TypeError, ValueError):
        return None
    msg_id, request_id = message.get("id"), obj.get("requestId")
    if isinstance(msg_id, str) and msg_id and isinstance(request_id, str) and request_id:
        key = ("id", msg_id, request_id)
    else:
        key = ("line", raw)
    record = [ts] + [int(usage.get(field) or 0) for _, field in TOKEN_FIELDS]
    return key, record


def merge(table: dict, key, record):
    """Copies of one response: earliest time, largest count of each token kind."""
    kept = table.get(key)
    if kept is None:
        table[key] = list(record)
    else:
        kept[0] = min(kept[0], record[0])
        for i in range(1, 5):
            kept[i] = max(kept[i], record[i])


def totals(records) -> dict:
    out = {"messages": 0, "input": 0, "output": 0, "cache_creation": 0, "cache_read": 0}
    for record in records:
        out["messages"] += 1
        for i, (name, _) in enumerate(TOKEN_FIELDS):
            out[name] += record[i + 1]
    return out


def current_block(records, now_ms: int):
    block = None
    for record in records:
        if record[0] > now_ms:
            break
        if block is None or record[0] >= block[1]:
            start = record[0] // HOUR_MS * HOUR_MS
            block = (start, start + FIVE_HOURS_MS)
    return block if block is not None and block[1] > now_ms else None


def resolve(zone: ZoneInfo, day: date, clock: time) -> int:
    """A local wall time as ms; a time skipped by DST moves forward past the gap."""
    for shift in (0, 30, 60, 90, 120):
        naive = datetime.combine(day, clock) + timedelta(minutes=shift)
        aware = naive.replace(tzinfo=zone, fold=0)
        if aware.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) == naive:
            return (aware - EPOCH) // timedelta(milliseconds=1)
    raise ValueError("no such local time")


def weekly_start(reset, now_ms: int) -> int:
    if reset is None:
        return now_ms - WEEK_MS
    words = reset.split()
    weekday = DAYS.index(words[0][:3].lower())
    hour, minute = (int(x) for x in words[1].split(":"))
    zone = ZoneInfo(words[2] if len(words) > 2 else "UTC")
    local = (EPOCH + timedelta(milliseconds=now_ms)).astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    start = resolve(zone, day, time(hour, minute))
    if start > now_ms:
        start = resolve(zone, day - timedelta(days=7), time(hour, minute))
    return start


def window(records, start_ms: int, now_ms: int) -> dict:
    out = totals(r for r in records if start_ms <= r[0] <= now_ms)
    return {"start_ms": start_ms, **out}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tree", required=True)
    ap.add_argument("--now", required=True)
    ap.add_argument("--timeline", default="[]", help='JSON [["account","RFC 3339 since"], ...]')
    ap.add_argument("--accounts", default="[]", help='JSON [{"name":..,"weekly_reset":..|null}, ...]')
    args = ap.parse_args(argv)

    now_ms = to_ms(args.now)
    retained_since_ms = now_ms - RETENTION_MS
    timeline = sorted((to_ms(since), account) for account, since in json.loads(args.timeline))
    accounts = json.loads(args.accounts)

    retained, everything, lines = read_responses(args.tree, retained_since_ms)
    kept = sorted(r for r in retained.values())
    by_account: dict = {}
    unattributed = []
    starts = [since for since, _ in timeline]
    for record in kept:
        i = bisect.bisect_right(starts, record[0])
        if i == 0:
            unattributed.append(record)
        else:
            by_account.setdefault(timeline[i - 1][1], []).append(record)

    report = {
        "retained": totals(r for r in kept if r[0] <= now_ms),
        "unattributed": totals(r for r in unattributed if r[0] <= now_ms),
        "accounts": {},
        "tree": totals(r for r in everything.values() if r[0] <= now_ms),
        "lines": lines,
    }
    for account in accounts:
        records = by_account.get(account["name"], [])
        block = current_block(records, now_ms)
        report["accounts"][account["name"]] = {
            "five_hour": window(records, block[0], now_ms) if block else None,
            "weekly": window(records, weekly_start(account.get("weekly_reset"), now_ms), now_ms),
        }
    json.dump(report, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
