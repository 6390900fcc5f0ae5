"""`make bench`: seeds PostgreSQL at two sizes, serves the project with gunicorn and loads it with wrk.

`run.py` drives everything; `seed.py`, `probe.py` and `sweep.py` run inside Django against one
benchmark database each; `views.py` holds the ceiling pages, routed only when BENCHMARK is on.
"""
