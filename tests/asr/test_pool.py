import threading

from asr.pool import RecognizerPool


class _Rec:
    def __init__(self, key):
        self.key = key
        self.resets = 0
        self.state = []

    def reset(self):
        self.resets += 1
        self.state.clear()


def test_pool_reuses_and_resets():
    pool = RecognizerPool(_Rec, _Rec.reset, max_idle_per_key=2, max_keys=2)
    a = pool.acquire("g1")
    a.state.append("audio")
    pool.release("g1", a)
    b = pool.acquire("g1")
    assert b is a and b.resets == 1 and b.state == []
    c = pool.acquire("g1")
    assert c is not a  # the idle one is taken: a new one is built
    assert (pool.stats.created, pool.stats.reused) == (2, 1)
    for r in (b, c, _Rec("g1")):
        pool.release("g1", r)
    assert pool.stats.idle == 2 and pool.stats.discarded == 1  # at most 2 idle per key


def test_pool_drops_least_recently_used_keys():
    pool = RecognizerPool(_Rec, _Rec.reset, max_idle_per_key=4, max_keys=2)
    for key in ("a", "b", "c"):
        pool.release(key, pool.acquire(key))
    assert pool.stats.idle == 2
    assert pool.acquire("a").key == "a" and pool.stats.created == 4  # "a" was dropped


def test_pool_skips_recognisers_that_fail_to_reset():
    def bad_reset(_r):
        raise RuntimeError("broken")

    pool = RecognizerPool(_Rec, bad_reset)
    pool.release(None, pool.acquire(None))
    assert pool.stats.idle == 0 and pool.stats.discarded == 1


def test_pool_is_thread_safe():
    pool = RecognizerPool(_Rec, _Rec.reset, max_idle_per_key=8)
    seen = []

    def work():
        for _ in range(200):
            r = pool.acquire("k")
            seen.append(r)
            pool.release("k", r)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert pool.stats.created + pool.stats.reused == 800
    assert pool.stats.created <= 8 + 4
