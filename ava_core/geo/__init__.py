"""Service-area checks behind the ``Geo`` seam."""

from ava_core.geo.base import AreaCheck, Geo
from ava_core.geo.profile_area import ProfileAreaGeo

__all__ = ["AreaCheck", "Geo", "ProfileAreaGeo"]
