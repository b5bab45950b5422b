"""The AWS backend: SageMaker endpoints, S3 storage, CloudWatch metrics, managed Model Monitor.

boto3 and the sagemaker SDK are imported inside functions, so the app starts fast without them.
Entry points (all take the ``core.config.AwsSettings`` the settings dialog edits):

- ``connection.check_connection``: identity, bucket, SageMaker and CloudWatch, as sentences.
- ``endpoints.deploy_endpoint`` / ``delete_endpoint`` / ``list_endpoints``;
  ``invoke.traffic_invoker`` gives the traffic runner its invoke callable (with client-side
  capture when needed).
- ``engine_runs.suggest_baseline_s3`` / ``monitor_s3`` / ``run_monitoring_s3``: the app's engine
  over S3 data, reports published whole, metrics sent to CloudWatch.
- ``managed_monitor``: SageMaker baselining jobs, schedules and executions.
- ``results.load_execution`` / ``open_execution``: an execution by processing job ARN or S3 URI,
  downloaded to a local folder and opened like a local one.
"""
