"""The business profile (YAML) and its loader."""

from ava_core.profile.loader import load_profile
from ava_core.profile.models import Profile, Question

__all__ = ["Profile", "Question", "load_profile"]
