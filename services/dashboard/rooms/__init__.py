"""The dashboard's rooms: one router per group of pages, assembled by create_app in the order they are listed."""
