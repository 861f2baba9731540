environment = "prod"
region      = "us-east-1"

# Add addresses to receive the status email; each confirms the subscription once.
notification_emails = []

log_retention_days      = 365
run_data_retention_days = 90
force_destroy_data      = false
deletion_protection     = true
