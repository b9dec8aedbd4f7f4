"""PDF/XML signing and verification; keys come in as arguments, never from the app context."""
