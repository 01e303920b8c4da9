"""Jitter buffer: order, duplicates, loss, late packets, sequence wraparound."""

from __future__ import annotations

import random

from sip_gateway.jitterbuffer import JitterBuffer


def feed(jb: JitterBuffer, seqs, t0: float = 0.0, step: float = 0.02):
    out = []
    for i, s in enumerate(seqs):
        out += jb.push(s, s, t0 + i * step)
    return out


def test_in_order_passes_straight_through():
    jb = JitterBuffer(depth=2)
    assert feed(jb, range(100, 110)) == list(range(100, 110))
    assert jb.counters.lost == jb.counters.late == jb.counters.duplicates == 0
    assert len(jb) == 0


def test_reordering_within_depth_is_repaired():
    jb = JitterBuffer(depth=2, adaptive=False)
    seqs = [1, 3, 2, 4, 6, 5, 7, 9, 8, 10]
    assert feed(jb, seqs) == sorted(seqs)
    assert jb.counters.lost == 0


def test_duplicates_dropped_and_counted():
    jb = JitterBuffer(depth=2)
    out = feed(jb, [1, 2, 2, 3, 1, 4, 4, 4])
    assert out == [1, 2, 3, 4]
    assert jb.counters.duplicates == 4


def test_loss_is_declared_after_depth_and_counted():
    jb = JitterBuffer(depth=2, adaptive=False)
    out = feed(jb, [1, 2, 4, 5])  # 3 missing, only two packets held beyond it
    assert out == [1, 2]
    assert jb.push(6, 6, 0.1) == [4, 5, 6]  # third packet beyond the gap: 3 given up
    assert jb.counters.lost == 1
    # 3 arrives late: dropped, counted late (not duplicate), the buffer deepens
    assert jb.push(3, 3, 0.12) == []
    assert jb.counters.late == 1 and jb.counters.duplicates == 0


def test_adaptive_depth_grows_on_late_and_shrinks_after_clean_run():
    jb = JitterBuffer(depth=0, adaptive=True, shrink_after=50)
    feed(jb, [1, 3])  # depth 0: 2 given up at once
    assert jb.counters.lost == 1
    jb.push(2, 2, 0.05)
    assert jb.depth == 1 and jb.counters.late == 1
    feed(jb, range(4, 60), t0=0.1)
    assert jb.depth == 0


def test_loss_released_by_time_on_poll():
    jb = JitterBuffer(depth=5, adaptive=False, max_wait=0.06)
    assert jb.push(1, 1, 0.0) == [1]
    assert jb.push(3, 3, 0.02) == []  # waiting for 2
    assert jb.poll(0.05) == []
    assert jb.poll(0.09) == [3]  # 2 given up after max_wait
    assert jb.counters.lost == 1


def test_wraparound_at_65535():
    jb = JitterBuffer(depth=3, adaptive=False)
    seqs = [65533, 65534, 0, 65535, 1, 2, 4, 3, 5]
    out = feed(jb, seqs)
    assert out == [65533, 65534, 65535, 0, 1, 2, 3, 4, 5]
    assert jb.counters.lost == 0
    # a late duplicate from before the wrap is recognised as old, not as far future
    assert jb.push(65534, 65534, 1.0) == []
    assert jb.counters.duplicates == 1


def test_loss_across_wraparound():
    jb = JitterBuffer(depth=1, adaptive=False)
    out = feed(jb, [65534, 65535, 1, 2, 3])  # 0 lost
    assert out == [65534, 65535, 1, 2, 3]
    assert jb.counters.lost == 1


def test_restarted_stream_resets_instead_of_counting_loss():
    jb = JitterBuffer(depth=2)
    feed(jb, [10, 11, 12])
    out = feed(jb, [40000, 40001], t0=1.0)
    assert out == [40000, 40001]
    assert jb.counters.resets == 1 and jb.counters.lost == 0


def test_shuffled_stream_with_drops_accounts_for_every_packet():
    rng = random.Random(3)
    jb = JitterBuffer(depth=4, adaptive=False, max_wait=10)
    seqs = [(60000 + i) % 65536 for i in range(3000)]
    dropped = set(rng.sample(range(3000), 60))
    sent = [s for i, s in enumerate(seqs) if i not in dropped]
    # local shuffles of distance <= 3
    for i in range(0, len(sent) - 4, 4):
        block = sent[i : i + 4]
        rng.shuffle(block)
        sent[i : i + 4] = block
    out = feed(jb, sent)
    out += jb.reset()
    assert out == [s for i, s in enumerate(seqs) if i not in dropped]
    assert jb.counters.lost == 60  # no trailing drops
    assert jb.counters.received == len(sent)
