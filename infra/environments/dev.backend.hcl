# The S3 backend of the dev environment. The state bucket (output state_bucket of infra/bootstrap)
# is given at init time: `etl deploy ... --state-bucket NAME` or TF_STATE_BUCKET, and the key that
# encrypts the state (output state_key_arn) as --state-key-arn or TF_STATE_KEY_ARN: encrypt = true
# alone would make the backend ask S3 for AES256.
key          = "covid-etl/dev/terraform.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
