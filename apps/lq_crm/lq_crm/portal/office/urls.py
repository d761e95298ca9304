app_name = "office_portal"

urlpatterns: list = []
