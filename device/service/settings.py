"""Settings of the device service (systemd, storage safety, field status)."""

from pydantic import BaseModel, ConfigDict, Field


class ServiceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_free_mb: int = Field(500, ge=0, description="Refuse to start a walk with less free disk space than this (MB).")
