# The pipeline's own event bus: RecordChanged and RunCompleted (covid_etl/events.py), encrypted
# with the pipeline's key, and an archive of it (same key) from which EventBridge can replay.
resource "aws_cloudwatch_event_bus" "pipeline" {
  name               = var.bus_name
  description        = "covid-etl: RecordChanged per loaded record, RunCompleted per successful load"
  kms_key_identifier = var.kms_key_arn
}

resource "aws_cloudwatch_event_archive" "pipeline" {
  name               = var.bus_name
  description        = "Every event of ${var.bus_name}, for replays to a subscriber"
  event_source_arn   = aws_cloudwatch_event_bus.pipeline.arn
  retention_days     = var.archive_retention_days
  kms_key_identifier = var.kms_key_arn
}
