#!/usr/bin/env python3
"""Judge a test run made by guest-run.sh.

Reads the plan, each test's output and exit code, and the guest's kernel
log; applies selftests/expectations.txt; writes results.tap; prints one
line per program, every failure with its reason, and the closing line
"N passed, N failed, N skipped".  Exits 1 on any failure, including an
unlisted skip, a listed failure that passed, a test that did not finish,
and any kernel splat in the guest's log.

Test names are "collection:program" and, for the cases a program reports
(kselftest TAP, test_verifier, test_progs), "collection:program:case".
"""
import argparse
import fnmatch
import os
import re
import sys

STATUSES = ("norun", "skip", "xfail", "flaky")

# Kernel log lines that fail a run, whatever the tests said.
SPLAT_PATTERNS = [
    r"\bWARNING:",                      # WARN*(), lockdep reports
    r"\bBUG:",                          # BUG(), KASAN, soft lockup, sleeping in atomic
    r"kernel BUG at",
    r"\bKASAN\b",
    r"\bUBSAN:",
    r"possible circular locking",
    r"possible recursive locking",
    r"inconsistent lock state",
    r"suspicious RCU usage",
    r"DEBUG_LOCKS_WARN_ON",
    r"rcu: INFO: .*detected stall",
    r"self-detected stall",
    r"INFO: task .* blocked for more than",
    r"hard LOCKUP",
    r"Kernel panic",
    r"\bOops\b",
    r"general protection fault",
    r"unreferenced object 0x",          # kmemleak
]
SPLAT_RE = re.compile("|".join(SPLAT_PATTERNS))

TAP_RE = re.compile(r"^(not )?ok (\d+)(?: -)? ?(.*?)(?:\s*#\s*(SKIP|XFAIL|TODO)\b\s*(.*))?$",
                    re.IGNORECASE)
TAP_PLAN_RE = re.compile(r"^1\.\.(\d+)")
# test_progs: "#12      name:OK", "#12/3    name/subtest:FAIL"
TEST_PROGS_RE = re.compile(r"^#\d+(?:/\d+)?\s+(\S.*?):(OK|FAIL|SKIP)$")
VERIFIER_RE = re.compile(r"^#(\d+)/([up]) (.*?) (?:\(run \d+/\d+\) )*"
                         r"(?:Did not run the program \([^)]*\) )?(?:\d+ cases )?"
                         r"(OK|FAIL|SKIP)\b")


class Expectations:
    def __init__(self, path):
        self.rules = []
        top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.source = os.path.relpath(path, top) if path else "no expectations"
        if not path or not os.path.exists(path):
            return
        with open(path) as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                m = re.match(r"^(\w+)\s+(.+?)\s+--\s+(\S.*)$", line)
                if not m or m.group(1) not in STATUSES:
                    raise SystemExit(f"{path}:{n}: expected 'STATUS TEST -- REASON' "
                                     f"with STATUS one of {', '.join(STATUSES)}")
                self.rules.append((m.group(1), m.group(2), m.group(3), f"{path}:{n}"))

    def lookup(self, name):
        """The first rule whose pattern matches name, or None."""
        for status, pattern, reason, where in self.rules:
            if fnmatch.fnmatchcase(name, pattern):
                return status, reason, where
        return None


def parse_cases(text):
    """The cases a program reported: a list of (case, result) with result in
    pass/fail/skip, plus the TAP plan count (or None)."""
    cases, plan = [], None
    for line in text.splitlines():
        if line == "All error logs:":
            break  # test_progs repeats the failed tests' lines after this
        m = VERIFIER_RE.match(line)
        if m:
            res = {"OK": "pass", "FAIL": "fail", "SKIP": "skip"}[m.group(4)]
            cases.append((f"{m.group(3)}/{m.group(2)}", res))
            continue
        m = TEST_PROGS_RE.match(line)
        if m:
            res = {"OK": "pass", "FAIL": "fail", "SKIP": "skip"}[m.group(2)]
            cases.append((m.group(1), res))
            continue
        m = TAP_PLAN_RE.match(line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = TAP_RE.match(line)
        if m:
            directive = (m.group(4) or "").upper()
            if directive == "SKIP":
                res = "skip"
            elif m.group(1):
                res = "xfail" if directive in ("XFAIL", "TODO") else "fail"
            else:
                res = "pass"
            # kselftest.h prints "ok 4 # SKIP name" when a test skips
            name = m.group(3).strip() or (m.group(5) or "").strip() or f"#{m.group(2)}"
            cases.append((name, res))
    return cases, plan


def strip_time(line):
    return re.sub(r"^\[\s*\d+\.\d+\]\s*", "", line)


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def splats(dmesg, allow):
    found = []
    for line in dmesg.splitlines():
        if SPLAT_RE.search(line) and not any(a.search(line) for a in allow):
            found.append(line.strip())
    return found


def load_allow(path):
    allow = []
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    pattern = line.split(" -- ")[0].strip()
                    allow.append(re.compile(pattern))
    return allow


class Verdict:
    def __init__(self, exp):
        self.exp = exp
        self.passed = self.failed = self.skipped = self.xfailed = 0
        self.problems = []
        self.tap = []

    def record(self, name, result, detail=""):
        rule = self.exp.lookup(name)
        status = rule[0] if rule else None
        where = f" ({rule[2]}: {rule[1]})" if rule else ""
        if result == "pass":
            if status == "xfail":
                self.fail(name, "listed as xfail but passed: remove it from the expectations" + where)
            else:
                self.passed += 1
                self.tap.append(f"ok {len(self.tap) + 1} {name}")
        elif result == "skip":
            if status in ("skip", "flaky"):
                self.skipped += 1
                self.tap.append(f"ok {len(self.tap) + 1} {name} # SKIP{where}")
            else:
                self.fail(name, "skipped, and no expectation lists this skip: "
                          "fix the config or list it with a reason" + (f" [{detail}]" if detail else ""))
        elif result in ("fail", "xfail"):
            if status in ("xfail", "flaky") or (result == "xfail" and status is None):
                self.xfailed += 1
                self.tap.append(f"not ok {len(self.tap) + 1} {name} # XFAIL{where}")
            else:
                self.fail(name, detail or "failed")
        else:
            raise ValueError(result)

    def fail(self, name, why):
        self.failed += 1
        self.tap.append(f"not ok {len(self.tap) + 1} {name} # {why}")
        self.problems.append(f"FAIL {name}: {why}")


def judge(plan_path, res_dir, exp, allow, out=sys.stdout):
    v = Verdict(exp)
    plan = []
    for path in (plan_path + ".host", plan_path):  # host-side tests first
        if os.path.exists(path):
            with open(path) as f:
                plan += [line.split("\t")[0] for line in f if line.strip()]
    for tid in plan:
        rc_path = os.path.join(res_dir, tid + ".rc")
        log_path = os.path.join(res_dir, tid + ".log")
        before = (v.passed, v.failed, v.skipped, v.xfailed)
        if not os.path.exists(rc_path):
            v.fail(tid, "did not finish: the guest crashed, hung or ran out of time")
            continue
        fields = read(rc_path).split()
        if not fields:
            v.fail(tid, "did not finish: its exit code was never written (the guest died)")
            continue
        rc, ms = (fields + ["0"])[:2]
        rc = int(rc)
        text = read(log_path) if os.path.exists(log_path) else ""
        cases, tap_plan = parse_cases(text)
        if cases:
            for case, res in cases:
                v.record(f"{tid}:{case}", res)
            bad = [c for c, r in cases if r == "fail"]
            if rc in (124, 137):
                v.fail(tid, f"timed out after {int(ms) / 1000:.0f} s (see {log_path})")
            elif tap_plan is not None and len(set(cases)) < tap_plan:
                v.fail(tid, f"reported {len(set(cases))} of {tap_plan} planned cases, exit code {rc}: it crashed or was killed")
            elif rc not in (0, 4) and not bad:
                v.fail(tid, f"exit code {rc} although no case failed")
        else:
            if rc == 0:
                v.record(tid, "pass")
            elif rc == 4:
                v.record(tid, "skip", text.strip().splitlines()[-1] if text.strip() else "")
            elif rc in (124, 137):
                v.fail(tid, f"timed out after {int(ms) / 1000:.0f} s (see {log_path})")
            else:
                v.record(tid, "fail", f"exit code {rc} (see {log_path})")
        after = (v.passed, v.failed, v.skipped, v.xfailed)
        d = [a - b for a, b in zip(after, before)]
        print(f"# {tid}: {d[0]} passed, {d[1]} failed, {d[2]} skipped, {d[3]} xfail "
              f"({int(ms) / 1000:.1f} s)", file=out)

    if os.path.exists(plan_path + ".norun"):
        with open(plan_path + ".norun") as f:
            for line in f:
                if line.strip():
                    tid, reason = (line.rstrip("\n").split("\t", 1) + [""])[:2]
                    v.skipped += 1
                    v.tap.append(f"ok {len(v.tap) + 1} {tid} # SKIP not run: {reason}")

    dmesg_path = os.path.join(res_dir, "dmesg.txt")
    if not os.path.exists(os.path.join(res_dir, "done")) or not os.path.exists(dmesg_path):
        v.fail("guest", "the guest did not finish the run (no 'done' marker): it crashed or hung")
    else:
        dmesg = read(dmesg_path)
        found = splats(dmesg, allow)
        # The console has the kernel log too, including what dmesg's ring
        # buffer may have lost; the same line is reported once.
        console = os.path.join(res_dir, "console.log")
        if os.path.exists(console):
            seen = {strip_time(x) for x in found}
            found += [x for x in splats(read(console), allow) if strip_time(x) not in seen]
        if "Linux version" not in dmesg.split("\n", 1)[0]:
            v.fail("guest:dmesg", "dmesg.txt does not start at boot: the log buffer overflowed, splats may be lost")
        for line in found[:20]:
            v.problems.append(f"SPLAT {line}")
        if found:
            v.fail("guest:dmesg", f"{len(found)} kernel splat line(s) in {dmesg_path}")
        else:
            v.passed += 1
            v.tap.append(f"ok {len(v.tap) + 1} guest:dmesg")

    with open(os.path.join(res_dir, "results.tap"), "w") as f:
        f.write("TAP version 13\n1..%d\n%s\n" % (len(v.tap), "\n".join(v.tap)))
    for p in v.problems:
        print(p, file=out)
    if v.xfailed:
        print(f"# {v.xfailed} expected failures ({exp.source})", file=out)
    print(f"{v.passed} passed, {v.failed} failed, {v.skipped} skipped", file=out)
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("plan")
    ap.add_argument("results")
    ap.add_argument("--expectations", default=os.path.join(os.path.dirname(__file__), "expectations.txt"))
    ap.add_argument("--dmesg-allow", default=os.path.join(os.path.dirname(__file__), "dmesg-allow.txt"))
    a = ap.parse_args()
    v = judge(a.plan, a.results, Expectations(a.expectations), load_allow(a.dmesg_allow))
    sys.exit(1 if v.failed else 0)


if __name__ == "__main__":
    main()
