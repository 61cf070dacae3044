from feedback.models_reviews import Destination, Platform, Review, ReviewApp, ReviewClick, ReviewSettings  # noqa: F401
