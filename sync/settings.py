"""Settings of the device-side uploader (the token is a secret: environment or systemd credential only)."""

from pydantic import BaseModel, ConfigDict, Field


class SyncSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    server_url: str = Field("", description="Campaign server base URL, e.g. https://carte.example.org")
    timeout_s: float = Field(20.0, gt=0, le=300, description="Timeout of one HTTP request, seconds.")
    retries: int = Field(5, ge=0, le=20, description="Retries of one request before the run stops (resumed later).")
    backoff_initial_s: float = Field(1.0, ge=0, le=60, description="First wait between retries; doubles each time.")
    backoff_max_s: float = Field(60.0, ge=0, le=3600, description="Longest wait between retries, seconds.")
