"""Benchmarks run by ``python -m benchmarks`` (``make bench``).

Every module ``benchmarks/bench_*.py`` defines ``run(scale=1.0)`` returning a
list of result dicts with the keys ``benchmark``, ``figure``, ``value``,
``unit``, ``baseline``, ``baseline_value``, ``ratio`` and ``notes``. Every
figure is a median over repeats and comes with a baseline measured in the same
run, so BENCHMARKS.md reads as ratios that survive a change of machine.
"""
