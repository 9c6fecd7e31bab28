"""The per-document CPU budget (issue 22): a document that stalls cleaning is quarantined as
`timeout` after `--max-seconds`, and the run's other records come out as without it."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import pytest
from conftest import read_jsonl

from zhclean.cli import main
from zhclean.core.budget import OverBudget, budget, paused

# A user's rule with a nested quantifier: exponential on a line of a's with no b.
RUNAWAY_RULES = """
[[notice]]
name = "runaway"
source = "a rule written badly"
patterns = ['(?:a+)+b']
"""
GOOD = ["市政府昨日召开新闻发布会，介绍了今年城市更新工作的进展情况。",
        "据介绍，全市已完成老旧小区改造一百二十个，惠及居民三万余户。",
        "下一步，有关部门将继续推进加装电梯、雨污分流和停车设施建设。"]


def test_a_runaway_regex_is_stopped() -> None:
    start = time.process_time()
    with pytest.raises(OverBudget), budget(0.5):
        re.match(r"(?:a+)+b", "a" * 60)
    assert time.process_time() - start < 5


def test_no_except_exception_swallows_it() -> None:
    def step_that_catches_everything() -> None:
        try:
            while True:
                pass
        except Exception:  # noqa: BLE001 - what a careless step might do
            pass

    with pytest.raises(OverBudget), budget(0.3):
        step_that_catches_everything()


def test_no_budget_outside_the_main_thread_and_when_zero() -> None:
    done = []

    def work() -> None:
        with budget(0.01):
            sum(range(3_000_000))
        done.append(True)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert done == [True]
    with budget(0):
        sum(range(3_000_000))


def _write(path: Path, texts: list[tuple[str, str]]) -> None:
    path.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in texts),
                    encoding="utf-8")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_stalling_document_is_quarantined_as_timeout(tmp_path: Path, workers: str) -> None:
    rules = tmp_path / "slow.toml"
    rules.write_text(RUNAWAY_RULES, encoding="utf-8")
    good = [(f"g{i}", t) for i, t in enumerate(GOOD * 40)]
    _write(tmp_path / "plain.jsonl", good)
    _write(tmp_path / "slow.jsonl", good[:50] + [("slow", "a" * 60)] + good[50:])
    for name in ("plain", "slow"):
        start = time.monotonic()
        assert main(["clean", str(tmp_path / f"{name}.jsonl"), "-o", str(tmp_path / f"{name}.out.jsonl"),
                     "--rules", str(rules), "--max-seconds", "1", "--workers", workers, "--quiet"]) == 0
        assert time.monotonic() - start < 60
    assert (tmp_path / "slow.out.jsonl").read_bytes() == (tmp_path / "plain.out.jsonl").read_bytes()
    quarantined = read_jsonl(tmp_path / "slow.out.quarantine.jsonl")
    assert [(q["reason"], json.loads(q["raw"])["id"]) for q in quarantined] == [("timeout", "slow")]
    summary = json.loads((tmp_path / "slow.out.summary.json").read_text(encoding="utf-8"))
    assert summary["quarantine_reasons"] == {"timeout": 1} and summary["balanced"]


def _burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_set_up_in_a_paused_block_is_not_charged_but_the_rest_of_the_budget_holds() -> None:
    """Loading a model for the first document that needs it (Lingua) is set-up: inside
    `paused()` the budget's clock stops, and after it the time that was left still runs out."""
    with budget(0.3):
        with paused():
            _burn(0.5)  # over the whole budget: not charged
        _burn(0.1)  # within what is left
    with pytest.raises(OverBudget), budget(0.3):
        with paused():
            _burn(0.2)
        _burn(1.0)
