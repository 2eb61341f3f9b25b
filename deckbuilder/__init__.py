"""atlas-anki deck builder: the Atlas curriculum as Anki decks."""
