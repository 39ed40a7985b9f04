"""`make load` (issue 18): a mixed locust workload (heartbeats, pages, API, verify) against two
gunicorn web processes and two Celery workers on loopback, on a throwaway PostgreSQL cluster of
its own (var/load/), with two faults injected mid-load: a worker SIGKILLed during a certificate
batch, and PostgreSQL restarted. Afterwards it checks that the ledger holds exactly the credited
heartbeat time, that the batch finished without a duplicate certificate, and that no 5xx came
outside the seconds PostgreSQL was down. `python -m load --help` lists the knobs."""
