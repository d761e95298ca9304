app_name = "member_portal"

urlpatterns: list = []
