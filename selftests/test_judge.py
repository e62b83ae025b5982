#!/usr/bin/env python3
"""Unit tests for judge.py: the verdict must fail on every kind of bad run.

Run: python3 -m unittest discover -s selftests -p 'test_*.py'
"""
import io
import os
import re
import tempfile
import unittest

import judge

HARNESS_OK = """TAP version 13
1..2
# Starting 2 tests from 1 test cases.
#  RUN           global.one ...
#            OK  global.one
ok 1 global.one
#  RUN           global.two ...
#            OK  global.two
ok 2 global.two
# PASSED: 2 / 2 tests passed.
"""

HARNESS_FAIL = HARNESS_OK.replace("ok 2 global.two", "not ok 2 global.two")
HARNESS_SKIP = HARNESS_OK.replace("ok 2 global.two", "ok 2 global.two # SKIP no foo")
HARNESS_CUT = "\n".join(HARNESS_OK.splitlines()[:6]) + "\n"

VERIFIER = """#0/u BPF_ATOMIC_AND without fetch OK
#0/p BPF_ATOMIC_AND without fetch OK
#1/p multiple runs (run 1/2) (run 2/2) 2 cases OK
#2/p needs sockmap SKIP (unsupported map type 15)
#3/p broken thing FAIL
Unexpected error message!
Summary: 3 PASSED, 1 SKIPPED, 1 FAILED
"""

TEST_PROGS = """#1/1     mmio_window/uapi:OK
#1/2     mmio_window/mmio: read of a read-only register:OK
#1/3     mmio_window/jit_required:SKIP
#1/4     mmio_window/mmio: atomic add:FAIL
#1       mmio_window:FAIL
Summary: 0/2 PASSED, 1 SKIPPED, 1 FAILED

All error logs:
#1/4     mmio_window/mmio: atomic add:FAIL
#1       mmio_window:FAIL
"""

CLEAN_DMESG = "[    0.000000] Linux version 6.12\n[    1.0] guest-run: done\n"
WRAPPED_DMESG = "[  100.000000] some later line\n[  101.0] guest-run: done\n"
SPLAT_DMESG = CLEAN_DMESG + ("[    2.0] WARNING: CPU: 1 PID: 42 at kernel/cgroup/cgroup.c:123 foo+0x1/0x2\n")
LOCKDEP_DMESG = CLEAN_DMESG + "[    3.0] WARNING: possible circular locking dependency detected\n"
KASAN_DMESG = CLEAN_DMESG + "[    3.0] BUG: KASAN: slab-use-after-free in css_free+0x12\n"
STALL_DMESG = CLEAN_DMESG + "[   30.0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n"
HUNG_DMESG = CLEAN_DMESG + "[  130.0] INFO: task kworker/0:1:12 blocked for more than 120 seconds.\n"


class JudgeTest(unittest.TestCase):
    def run_judge(self, tests, dmesg=CLEAN_DMESG, expectations="", allow="", done=True):
        """tests: {id: (log text, rc) or None for a test that never finished}."""
        with tempfile.TemporaryDirectory() as d:
            plan = os.path.join(d, "plan")
            with open(plan, "w") as f:
                for tid in tests:
                    f.write(f"{tid}\t45\t/tmp\t./x\n")
            for tid, r in tests.items():
                if r is None:
                    continue
                with open(os.path.join(d, tid + ".log"), "w") as f:
                    f.write(r[0])
                with open(os.path.join(d, tid + ".rc"), "w") as f:
                    f.write("" if r[1] is None else f"{r[1]} 1234\n")
            if dmesg is not None:
                with open(os.path.join(d, "dmesg.txt"), "w") as f:
                    f.write(dmesg)
            if done:
                open(os.path.join(d, "done"), "w").close()
            exp = os.path.join(d, "exp")
            with open(exp, "w") as f:
                f.write(expectations)
            al = os.path.join(d, "allow")
            with open(al, "w") as f:
                f.write(allow)
            out = io.StringIO()
            v = judge.judge(plan, d, judge.Expectations(exp), judge.load_allow(al), out)
            return v, out.getvalue()

    def test_all_pass(self):
        v, out = self.run_judge({"c:prog": (HARNESS_OK, 0), "c:script": ("", 0)})
        self.assertEqual((v.passed, v.failed, v.skipped), (4, 0, 0))  # 2 cases + script + dmesg
        self.assertTrue(out.rstrip().endswith("4 passed, 0 failed, 0 skipped"))

    def test_failing_case(self):
        v, out = self.run_judge({"c:prog": (HARNESS_FAIL, 1)})
        self.assertEqual(v.failed, 1)
        self.assertIn("FAIL c:prog:global.two", out)

    def test_nonzero_exit_without_cases_fails(self):
        v, _ = self.run_judge({"c:script": ("boom\n", 1)})
        self.assertEqual(v.failed, 1)

    def test_crash_after_some_cases(self):
        v, out = self.run_judge({"c:prog": (HARNESS_CUT, 139)})
        self.assertEqual(v.failed, 1)
        self.assertIn("1 of 2 planned", out)

    def test_timeout(self):
        v, out = self.run_judge({"c:script": ("", 124)})
        self.assertEqual(v.failed, 1)
        self.assertIn("timed out", out)

    def test_did_not_finish(self):
        v, out = self.run_judge({"c:prog": (HARNESS_OK, 0), "c:never": None})
        self.assertEqual(v.failed, 1)
        self.assertIn("did not finish", out)

    def test_guest_died(self):
        v, out = self.run_judge({"c:prog": (HARNESS_OK, 0)}, dmesg=None, done=False)
        self.assertEqual(v.failed, 1)

    def test_unlisted_skip_fails_listed_skip_passes(self):
        v, out = self.run_judge({"c:prog": (HARNESS_SKIP, 0)})
        self.assertEqual(v.failed, 1)
        self.assertIn("no expectation lists this skip", out)
        v, out = self.run_judge({"c:prog": (HARNESS_SKIP, 0)},
                                expectations="skip c:prog:global.two -- needs foo\n")
        self.assertEqual((v.failed, v.skipped), (0, 1))
        v, out = self.run_judge({"c:script": ("no foo\n", 4)})
        self.assertEqual(v.failed, 1)

    def test_xfail(self):
        exp = "xfail c:prog:global.two -- known broken on this base\n"
        v, _ = self.run_judge({"c:prog": (HARNESS_FAIL, 1)}, expectations=exp)
        self.assertEqual((v.failed, v.xfailed), (0, 1))
        v, out = self.run_judge({"c:prog": (HARNESS_OK, 0)}, expectations=exp)
        self.assertEqual(v.failed, 1)
        self.assertIn("listed as xfail but passed", out)

    def test_glob_expectation(self):
        v, _ = self.run_judge({"c:prog": (HARNESS_FAIL, 1)}, expectations="flaky c:prog:* -- timing\n")
        self.assertEqual(v.failed, 0)

    def test_bad_expectation_line(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("skip c:prog\n")
            f.flush()
            with self.assertRaises(SystemExit):
                judge.Expectations(f.name)

    def test_splats_fail(self):
        for dm in (SPLAT_DMESG, LOCKDEP_DMESG, KASAN_DMESG, STALL_DMESG, HUNG_DMESG):
            v, out = self.run_judge({"c:prog": (HARNESS_OK, 0)}, dmesg=dm)
            self.assertEqual(v.failed, 1, dm)
            self.assertIn("SPLAT", out)

    def test_wrapped_log_fails(self):
        v, out = self.run_judge({"c:prog": (HARNESS_OK, 0)}, dmesg=WRAPPED_DMESG)
        self.assertEqual(v.failed, 1)
        self.assertIn("log buffer overflowed", out)

    def test_empty_rc_is_not_a_crash_of_the_judge(self):
        v, out = self.run_judge({"c:prog": ("", None)})
        self.assertEqual(v.failed, 1)
        self.assertIn("did not finish", out)

    def test_duplicated_lines_do_not_hide_a_crash(self):
        cut = "1..3\nok 1 a\nok 1 a\nok 2 b\n"
        v, out = self.run_judge({"c:prog": (cut, 139)})
        self.assertEqual(v.failed, 1)
        self.assertIn("2 of 3 planned", out)

    def test_splat_allowlist(self):
        v, _ = self.run_judge({"c:prog": (HARNESS_OK, 0)}, dmesg=SPLAT_DMESG,
                              allow=re.escape("cgroup.c:123") + " -- known\n")
        self.assertEqual(v.failed, 0)

    def test_kselftest_h_skip_names(self):
        cases, plan = judge.parse_cases("1..3\nok 1 a\nok 2 # SKIP b\nnot ok 3 c # TODO later\n")
        self.assertEqual(plan, 3)
        self.assertEqual(cases, [("a", "pass"), ("b", "skip"), ("c", "xfail")])

    def test_verifier_output(self):
        cases, plan = judge.parse_cases(VERIFIER)
        self.assertIsNone(plan)
        self.assertEqual(cases, [
            ("BPF_ATOMIC_AND without fetch/u", "pass"),
            ("BPF_ATOMIC_AND without fetch/p", "pass"),
            ("multiple runs/p", "pass"),
            ("needs sockmap/p", "skip"),
            ("broken thing/p", "fail"),
        ])

    def test_test_progs_output(self):
        cases, plan = judge.parse_cases(TEST_PROGS)
        self.assertIsNone(plan)
        self.assertEqual(cases, [
            ("mmio_window/uapi", "pass"),
            ("mmio_window/mmio: read of a read-only register", "pass"),
            ("mmio_window/jit_required", "skip"),
            ("mmio_window/mmio: atomic add", "fail"),
            ("mmio_window", "fail"),
        ])


if __name__ == "__main__":
    unittest.main()
