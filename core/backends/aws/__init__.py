"""The AWS backend: SageMaker endpoints, S3 storage, CloudWatch metrics, managed Model Monitor.

boto3 and the sagemaker SDK are imported inside functions, so the app starts fast without them.
"""
