environment = "dev"
region      = "us-east-1"

# Add addresses to receive the status email; each confirms the subscription once.
notification_emails = []

log_retention_days      = 30
run_data_retention_days = 14
force_destroy_data      = true
deletion_protection     = false
