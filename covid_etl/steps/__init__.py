"""One module per Lambda function, named after it: its input SCHEMA and what its handler calls.

Each step reads its inputs from S3/DynamoDB/SQS by run id, calls the pure functions, writes its
outputs back, and returns a small dict of counts for the state machine. Data never travels in the
state payload.
"""
