"""Cold-start import cost of each handler, against `import boto3`, in fresh interpreters.

Each module is imported in a new process (REPEATS times, interleaved so that machine noise
hits every candidate alike); we report min and median milliseconds and the ratio of the
medians to boto3's, and with --instructions, beside them, the instructions each import
executes (valgrind; the same count whatever else the machine does). Target: every
function at most 1.5x `import boto3`.

    make bench            # or: .venv/bin/python bench/cold_start.py [--repeats N] [--instructions]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the first valid submission does on top of the import, apart from its AWS calls:
# read the settings it uses and validate a form (email and phone checks import their
# libraries then; pydantic builds the deferred settings models then).
FIRST_REQUEST = (
    "functions.intake.app; from shared import settings; settings.table(); settings.intake(); "
    "settings.follow_ups(); from shared.parsing.inquiry import parse_inquiry; parse_inquiry({"
    "'name': 'Ana', 'email': 'ana@example.com', 'phone': '415-555-0142', 'city': 'San Francisco', "
    "'state': 'CA', 'zip': '94110', 'message': 'Hello', 'consent': True})"
)
CANDIDATES = {
    "boto3 (baseline)": "boto3",
    "IntakeFunction": "functions.intake.app",
    "Intake + 1st request": FIRST_REQUEST,
    "OrganizersFunction": "functions.organizers.app",
    "NearbyFunction": "functions.nearby.app",
    "OutboxFunction": "functions.outbox.app",
    "EmailSenderFunction": "functions.email_sender.app",
    "GroupsFunction": "functions.groups.app",
    "FounderFunction": "functions.founder.app",
    "ReportsFunction": "functions.reports.app",
    "FollowUpsFunction": "functions.follow_ups.app",
    "WeeklyDigestFunction": "functions.weekly_digest.app",
    "InquiryStoreFunction": "functions.inquiry_store.app",
    "SesEventsFunction": "functions.ses_events.app",
}
PROBE = "import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
# No PYTHONDONTWRITEBYTECODE (any value, "0" too, stops .pyc writes): imports read bytecode,
# as they do in Lambda from the .pyc files `sam build` ships (Makefile: build-SharedLayer).
ENV = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin", "TABLE_NAME": "bench"}


def measure(module: str) -> float:
    out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed probe
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=ROOT, env=ENV, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def instructions(code: str) -> int:
    """Instructions a fresh interpreter executes for `code`: the same count run after run,
    whatever else the machine is doing (valgrind's callgrind)."""
    out = subprocess.run(  # noqa: S603 - valgrind on our own interpreter
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code],  # noqa: S607
        cwd=ROOT, env=ENV, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(re.search(r"refs:\s+([\d,]+)", out.stderr).group(1).replace(",", ""))


def count_instructions() -> dict[str, int]:
    startup = instructions("pass")
    return {name: instructions(f"import {module}") - startup for name, module in CANDIDATES.items()}


def wall_clock(repeats: int) -> dict[str, list[float]]:
    for module in CANDIDATES.values():  # warm the OS file cache once, untimed
        measure(module)
    samples: dict[str, list[float]] = {name: [] for name in CANDIDATES}
    for _ in range(repeats):
        for name, module in CANDIDATES.items():
            samples[name].append(measure(module))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions with valgrind (repeatable)"
    )
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", "shared", "functions"], cwd=ROOT, check=True)  # noqa: S603
    counts = count_instructions() if args.instructions else {}
    samples = wall_clock(args.repeats)
    base = statistics.median(samples["boto3 (baseline)"])
    print(
        f"cold import, Python {sys.version.split()[0]}: wall clock over {args.repeats} fresh interpreters each", end=""
    )
    print(", and instructions (callgrind, interpreter start-up left out)" if counts else "")
    header = f"{'handler':<22}{'min ms':>9}{'median ms':>11}{'x boto3':>9}"
    print(header + (f"{'M instr':>10}{'x boto3':>9}" if counts else ""))
    for name, values in samples.items():
        median = statistics.median(values)
        line = f"{name:<22}{min(values):>9.1f}{median:>11.1f}{median / base:>9.2f}"
        if counts:
            line += f"{counts[name] / 1e6:>10.0f}{counts[name] / counts['boto3 (baseline)']:>9.2f}"
        print(line)


if __name__ == "__main__":
    main()
