"""Settings of the scoring service, from SCORING_* environment variables."""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schemas.common import UNIT_ID_PATTERN
from schemas.outputs import ADMIN_INBOX
from thidua.runtime.settings import ServiceSettings

RULES = Path(__file__).parent / "rules" / "rulebook.toml"


class Settings(ServiceSettings):
    """Scoring service settings (env prefix SCORING_; Kafka and database from the global names)."""

    model_config = SettingsConfigDict(env_prefix="SCORING_", extra="ignore", populate_by_name=True)

    http_port: int = 8082
    # Bigger batches than the other services: per-batch work (one transaction, one upsert per table) dominates.
    max_batch: int = Field(5000, ge=1, le=50000)
    # Members of the consumer group in this process (each a consumer of its own partitions): one batch is decoded
    # while another waits for PostgreSQL. 1 = strictly one batch at a time.
    consumers: int = Field(2, ge=1, le=8)
    group_id: str = "thidua-scoring"
    # Rule file seeded at first start; later versions are activated by `thidua scoring rebuild --rules`.
    rules_file: Path = RULES
    # The inbox that gets the alert calendar_missing from the rule file's working_days.official_due day while next
    # year's official calendar file is missing: ADMIN is the operators' inbox (admin tokens only, notify's
    # /v1/admin/notifications); a unit id (e.g. the province's Sở Nội vụ, which keeps the rule files) sends it to
    # that unit's inbox instead. The log warning and the metric come either way.
    calendar_alert_unit: str | None = Field(ADMIN_INBOX, pattern=UNIT_ID_PATTERN)
    # An imported official 766 index (PUT /v1/periods/{period}/official-index) raises official_index_gap to a unit whose
    # service index differs from the official total by more than this many points (either way).
    reconcile_alert_points: float = Field(10.0, ge=0, le=100)
    # How often the clock is checked for open dossiers and complaints turning overdue or outliving a period.
    tick_seconds: float = Field(2.0, gt=0)
    # What this process does: consume evidence into counters ("consume"), rescore queued subjects and run the clock
    # ("rescore"), the officers' Decree 335 tracking ("track"), or several: split them over processes on a machine
    # with cores to spare. (On two cores, tracking in a process of its own made freshness worse, not better: the
    # work is the same and competes for the same cores; bench/RESULTS.md.)
    roles: frozenset[Literal["consume", "rescore", "track"]] = frozenset({"consume", "rescore", "track"})
    # Longest wait of the rescorer between two looks at the queue (it also wakes after every batch).
    rescore_seconds: float = Field(0.2, gt=0)
    # How often every officer with tracked work is queued for the Decree 335 tracking pass (ratings.v1 and
    # task_score_low also move when a period closes or a due date passes with no new evidence); also at each start.
    tracking_sweep_seconds: float = Field(3600.0, gt=0)
    # The open month's provisional task_score_low (Decree 335/2025 tracking) is raised only while at least this many
    # working days remain in it: the work pending can still be finished ("while the month can still be saved").
    tracking_save_days: float = Field(5.0, ge=0, le=31)
    # The Decree 335 tracking pass's share of the time when officers keep moving: after a pass it pauses so that
    # passes take at most this share of the time, and at least tracking_pause_seconds. Its ratings and alerts are
    # about months and years; the public standings, computed on the same cores, must stay fresh (issue 29: at a
    # pause as long as the pass, tracking took a third of scoring at 1,000 ev/s and freshness p99 was 1.3 s).
    tracking_share: float = Field(0.1, gt=0, le=1)
    tracking_pause_seconds: float = Field(1.0, ge=0, le=600)
    # The pass judges officers' cases in a worker process of its own at this niceness (0–19: higher yields the CPU
    # to the consumer, the rescorers, PostgreSQL and Kafka), not in this process's event loop.
    tracking_nice: int = Field(10, ge=0, le=19)
