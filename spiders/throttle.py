"""AutoThrottle that keeps each site's own minimum delay.

Scrapy's AutoThrottle lowers a slot's delay down to the global ``DOWNLOAD_DELAY`` when a server
answers fast; a site whose registry entry asks for a longer delay keeps it here.
"""

from __future__ import annotations

from typing import Any

from scrapy.extensions.throttle import AutoThrottle


class SiteAwareAutoThrottle(AutoThrottle):
    def _response_downloaded(self, response: Any, request: Any, spider: Any) -> None:
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        if key is None or slot is None:
            return
        floor = self.crawler.settings.getdict("DOWNLOAD_SLOTS").get(key, {}).get("delay")
        if floor is not None and slot.delay < floor:
            slot.delay = float(floor)
