"""Section detectors, one module per report section. Importing this package
registers every detector in ``base.REGISTRY``."""

from . import (  # noqa: F401
    api_design,
    api_design_errors,
    api_security,
    audit_logging,
    authentication,
    background_jobs,
    boundaries,
    caching,
    data_protection,
    database_performance,
    dependencies,
    domain,
    graphql_realtime,
    input_checks,
    input_files,
    input_validation,
    integration,
    migrations,
    performance,
    query_optimization,
    rate_limiting,
    schema_design,
    service_calls,
    task_usage,
    third_party,
    transactions,
)
from .base import REGISTRY, Context, Detector

__all__ = ["REGISTRY", "Context", "Detector"]
