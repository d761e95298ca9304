from lq_crm.doctype.club.models import ClubSettings


def load_club_settings() -> int:
    """Create the settings row with its defaults if it is missing."""
    ClubSettings.load()
    return 1
