"""One torch thread in the test process, as in every command and worker of the suite (core.pool.one_thread):
the values the tests compare are those a command computes."""

from core.pool import one_thread

one_thread()
