"""Periodic jobs, run by RQ's cron scheduler: ``manage.py rqcron lq_crm.notify.cron``.

The scheduler is a process of its own (rq 3.0 has no cron inside the
worker), and it only enqueues; the workers run the jobs. Run one scheduler
per site, because two would enqueue every job twice. For the sweep that only
wastes work: it skips rows whose job is waiting, and the send job claims
each row once.
"""

from rq import cron

from lq_crm.notify.sending import send_pending_notifications

cron.register(send_pending_notifications, "default", cron="* * * * *")
