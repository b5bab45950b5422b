"""Reading and writing the files SageMaker Model Monitor reads and writes."""
