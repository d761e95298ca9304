"""The REST API's router: each document type registers its viewsets here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
