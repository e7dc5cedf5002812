"""Settings of the device service (systemd, storage safety, field status)."""

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ServiceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_free_mb: int = Field(
        500, ge=0, le=100_000_000, description="Refuse to start a walk with less free disk space than this (MB)."
    )
    warn_free_mb: int = Field(
        1000,
        ge=0,
        le=100_000_000,
        description="Warn in the status line below this much free space (MB); old crops are pruned below it.",
    )
    stop_free_mb: int = Field(
        200,
        ge=0,
        le=100_000_000,
        description="End a running walk cleanly below this much free space (MB), before the card fills.",
    )
    prune_crops: bool = Field(
        True, description="Below warn_free_mb, delete old walks' extra crops (never a confirmed camera's best crop)."
    )
    disk_check_s: float = Field(10.0, gt=0, le=600, description="Seconds between free-space checks during a walk.")
    status_file: str = Field(
        "status.json",
        min_length=1,
        pattern=r"^[^/\\]+$",
        description="Name of the field status file written next to the walk database.",
    )
    status_interval_s: float = Field(
        1.0, gt=0, le=60, description="Write the field status file at most this often (seconds)."
    )
    status_stale_s: float = Field(
        10.0, gt=0, le=3600, description="A status file older than this means the survey is not recording."
    )
    temperature_warn_c: float = Field(
        80.0, ge=40, le=110, description="Warn in the status line above this CPU temperature (°C)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> "ServiceSettings":
        if not self.stop_free_mb <= self.min_free_mb <= self.warn_free_mb:
            raise ValueError("free-space limits must satisfy stop_free_mb <= min_free_mb <= warn_free_mb")
        return self
