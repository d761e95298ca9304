"""The REST API's router: each document type registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from lq_crm.doctype.card import api as card_api
from lq_crm.doctype.event import api as event_api
from lq_crm.doctype.member import api as member_api
from lq_crm.doctype.points import api as points_api
from lq_crm.doctype.product import api as product_api
from lq_crm.doctype.slip import api as slip_api
from lq_crm.doctype.store import api as store_api
from lq_crm.doctype.tier import api as tier_api
from lq_crm.notify import api as notify_api

router = DefaultRouter()
for module in (member_api, points_api, product_api, slip_api, store_api, tier_api):
    module.register(router)
notify_api.register(router)
card_api.register(router)
event_api.register(router)
