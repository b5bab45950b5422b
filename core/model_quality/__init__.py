"""Model-quality monitoring: predictions joined with late-arriving ground truth, scored the way
SageMaker's ModelQualityMonitor scores them (statistics, constraints, violations, metrics)."""
