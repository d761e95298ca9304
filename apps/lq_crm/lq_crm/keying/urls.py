app_name = "keying"

urlpatterns: list = []
