"""The binding's contract: error hierarchy, no panic reaching Python, the module's
own thread pool (sized by MEDSYNC_THREADS, rebuilt after fork), GIL released."""

import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest

import medsync_core as mc


def test_hierarchy():
    assert issubclass(mc.MedsyncError, Exception)
    assert issubclass(mc.InputError, mc.MedsyncError)
    assert issubclass(mc.InputError, ValueError)
    assert issubclass(mc.EngineError, mc.MedsyncError)
    assert issubclass(mc.EngineError, RuntimeError)
    assert not issubclass(mc.EngineError, ValueError)


@pytest.mark.parametrize(
    ("call", "code", "field", "row"),
    [
        (lambda: mc.round_many([1.0, float("nan")], 2), "invalid_input", "values", 1),
        (lambda: mc.round_many([1.0, 2.0, "12,5"], 2), "invalid_input", "values", 2),
        (lambda: mc.round_many([True], 2), "invalid_input", "values", 0),
        (lambda: mc.round_many([None], 2), "invalid_input", "values", 0),
        (lambda: mc.round_many("1.5", 2), "invalid_input", "values", None),
        (lambda: mc.round_many([1.0], 2, 0.01), "invalid_input", "precision", None),
        (lambda: mc.round_many([1.0]), "invalid_input", "precision", None),
        (lambda: mc.round_many([1.0], precision_rounding=0), "invalid_input", "precision_rounding", None),
        (lambda: mc.round_many([1.0], precision_rounding=-0.01), "invalid_input", "precision_rounding", None),
        (lambda: mc.round_many([1.0], 2, rounding_method="NEAREST"), "invalid_input", "rounding_method", None),
        (lambda: mc.float_round(float("inf"), 2), "invalid_input", "value", None),
        (lambda: mc.float_round(Decimal("NaN"), 2), "invalid_input", "value", None),
        (lambda: mc.float_round(10**40, 2), "invalid_input", "value", None),
        (lambda: mc.float_round("79228162514264337593543950335", precision_rounding="0.0001"),
         "numeric_overflow", "value", None),
        (lambda: mc.compare_many([1, 2], [1], 2), "invalid_input", "values2", None),
        (lambda: mc.convert_uom([1, 2], [1.0], 1.0), "invalid_input", "from_factor", None),
        (lambda: mc.convert_uom([1, 2], 1.0, [1.0, 0.0]), "invalid_input", "quantities", 1),
        (lambda: mc.convert_currency([1], -1.2), "invalid_input", "amounts", 0),
    ],
)
def test_bad_input_raises_input_error_with_location(call, code, field, row):
    with pytest.raises(mc.InputError) as info:
        call()
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.code, err.field, err.row) == (code, field, row), str(err)
    assert str(err)


def test_errors_carry_rule_and_message_apart_from_the_location():
    with pytest.raises(mc.InputError) as info:
        mc.convert_uom([1, 2], 1.0, [1.0, 0.0])
    err = info.value
    assert (err.field, err.row, err.rule) == ("quantities", 1, None)
    assert err.message and not err.message.startswith("quantities")
    assert str(err) == f"quantities[1]: {err.message}"
    with pytest.raises(mc.InputError) as info:
        mc.float_round("79228162514264337593543950335", precision_rounding="0.0001")
    assert (info.value.code, info.value.rule, info.value.message) == (
        "numeric_overflow", None, "value out of the decimal range")


def test_first_bad_row_is_reported_whatever_the_parallelism():
    values = [1.0] * 200_000
    values[150_001] = float("nan")
    values[50_003] = float("inf")
    with pytest.raises(mc.InputError) as info:
        mc.round_many(values, 2)
    assert info.value.row == 50_003


def test_thread_count_follows_env():
    code = "import medsync_core as m; print(m.thread_count())"
    for n in ("1", "3"):
        out = subprocess.run(
            [sys.executable, "-c", code], env={**os.environ, "MEDSYNC_THREADS": n},
            capture_output=True, text=True, check=True,
        )
        assert out.stdout.strip() == n


def test_results_do_not_depend_on_thread_count():
    code = (
        "import json, medsync_core as m\n"
        "v = [((i * 7919) % 100003) / 997 - 40 for i in range(120000)]\n"
        "print(json.dumps([m.round_many(v, precision_rounding=0.05, rounding_method='HALF-EVEN')[::101],"
        " m.compare_many(v, v[::-1], 1)[::101]]))"
    )
    outs = [
        subprocess.run([sys.executable, "-c", code], env={**os.environ, "MEDSYNC_THREADS": n},
                       capture_output=True, text=True, check=True).stdout
        for n in ("1", "2", "4")
    ]
    assert outs[0] == outs[1] == outs[2]
    assert len(json.loads(outs[0])[0]) > 1000


def _child(q):
    # parallel work in a forked child, after the parent's pool was started
    q.put(sum(mc.round_many([0.5] * 100_000, 0)))


def test_pool_survives_fork():
    mc.round_many([0.5] * 100_000, 0)  # the parent's pool is live
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(q,))
    p.start()
    p.join(timeout=60)
    alive = p.is_alive()
    if alive:
        p.kill()
    assert not alive, "forked child hung in the engine's pool"
    assert p.exitcode == 0
    assert q.get(timeout=5) == 100_000.0


def test_gil_is_released_during_batch_work():
    values = [i / 7 for i in range(1_500_000)]
    ticks = 0
    stop = threading.Event()

    def ticker():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.01)
    before = ticks
    started = time.perf_counter()
    mc.round_many(values, 2)  # extraction holds the GIL; the engine part does not
    elapsed = time.perf_counter() - started
    stop.set()
    t.join()
    # the other Python thread kept running while the call was in progress
    assert ticks - before >= 2, (ticks - before, elapsed)
