"""Settings of the server bench_heartbeat starts: the test settings with the production
heartbeat interval (30 s), so a learner's beats, which come round once per pass over the 1,000
learners, continue one span as a real learner's would."""

from cms.settings.test import *  # noqa: F403

LEARNING_HEARTBEAT_SECONDS = 30
