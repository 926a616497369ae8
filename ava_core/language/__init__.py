"""The languages AVA speaks with leads: phrase tables per language, and telling them apart."""
