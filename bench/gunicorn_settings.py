"""gunicorn settings for the benchmark: none here, all on the command line (`bench.server`).

Named with `--config` so that gunicorn does not read the production `gunicorn.conf.py`,
which it finds in the current folder (`make bench` runs there): that file's access log
and worker recycling (`max_requests`) would change what the benchmark measures.
"""
