"""Frame sources behind one interface: Pi camera, video file, image folder, USB webcam."""

from .base import CaptureError, FrameSource
from .folder import ImageFolderSource
from .picamera import Picamera2Source
from .video import VideoFileSource
from .webcam import WebcamSource

__all__ = ["CaptureError", "FrameSource", "ImageFolderSource", "Picamera2Source", "VideoFileSource", "WebcamSource"]
