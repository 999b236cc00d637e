"""Round timing shared by the PyTorch peers of the benchmarks, the same rule as `sprig bench`."""
import time


def timed_rounds(epoch, samples, rounds, min_seconds):
    """Samples/s per round: one epoch, then one timed to size the rounds (as many whole epochs as
    make at least min_seconds), a warm-up round, then the rounds, so short, fast epochs do not
    decide a ratio."""
    epoch()
    t0 = time.perf_counter()
    epoch()
    per_round = max(1, int(-(-min_seconds // max(time.perf_counter() - t0, 1e-6))))
    for _ in range(per_round):
        epoch()
    rates = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(per_round):
            epoch()
        rates.append(per_round * samples / (time.perf_counter() - t0))
    return rates
