"""Settings of the review web view."""

from pydantic import BaseModel, ConfigDict, Field


class ReviewSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field("127.0.0.1", description="Address to bind; 0.0.0.0 (hotspot) requires the PIN.")
    port: int = Field(8080, ge=1, le=65535, description="TCP port of the review web view.")
