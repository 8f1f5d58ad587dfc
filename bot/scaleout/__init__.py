"""The scaled profile (``make run-scaled``): several Rasa replicas and action servers on PostgreSQL
and Redis behind HAProxy, on one machine, with Rasa's own tracker and lock stores."""
