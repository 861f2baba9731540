environment = "dev"
region      = "us-east-1"

# Add addresses to receive the status email; each confirms the subscription once.
notification_emails = []

log_retention_days      = 30
run_data_retention_days = 14
force_destroy_data      = true
deletion_protection     = false

# The Rebuild job (AWS Batch on Fargate): this account's private subnets and security groups, and
# the tag of the image pushed to <prefix>-rebuild in ECR. Left empty, a plan stops and says so.
rebuild_subnet_ids         = []
rebuild_security_group_ids = []
rebuild_image_tag          = ""
