"""Periodic jobs, run by RQ's cron scheduler: ``manage.py run_cron``.

The scheduler is a process of its own (rq 3.0 has no cron inside the
worker), and it only enqueues; the workers run the jobs. Run one scheduler
per site, because two would enqueue every job twice. For the notification
sweep that only wastes work: it skips rows whose job is waiting, and the
send job claims each row once. The code purge deletes what is already gone
when it runs twice, the import sweep skips records whose job waits, and the
tier pass moves only households whose tier no longer matches their spend.
"""

from datetime import timedelta

from rq import cron

from lq_crm.doctype.tier.services import reevaluate_all
from lq_crm.imports.jobs import resume_stalled_imports
from lq_crm.notify.sending import send_pending_notifications
from lq_crm.portal.member.codes import purge_codes

cron.register(send_pending_notifications, "default", cron="* * * * *")
# Sign-in codes hold phone numbers; none is useful after a day.
cron.register(purge_codes, "default", args=(timedelta(days=1),), cron="17 3 * * *")
cron.register(resume_stalled_imports, "default", cron="*/5 * * * *")
# A threshold change queues this pass at once; the nightly run catches a pass
# whose job was lost.
cron.register(reevaluate_all, "default", cron="47 3 * * *")
