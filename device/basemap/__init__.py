"""The offline street map of the review pages: cut from an OpenStreetMap extract around the walks, read back."""

from .mapped import Basemap, BasemapError, MappedCamera

__all__ = ["Basemap", "BasemapError", "MappedCamera"]
