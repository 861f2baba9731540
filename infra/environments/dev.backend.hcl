# The S3 backend of the dev environment. The state bucket (output state_bucket of infra/bootstrap)
# is given at init time: `etl deploy ... --state-bucket NAME` or TF_STATE_BUCKET.
key          = "covid-etl/dev/terraform.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
