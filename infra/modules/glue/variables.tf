variable "job_name" {
  type        = string
  description = "Name of the Glue job, its role and its security configuration (<prefix>-load)."
}

variable "grants" {
  type        = list(list(string))
  description = "What the job's script calls: the contract's load_job grants (covid_etl/contract.json)."
}

variable "script_path" {
  type        = string
  description = "Local path of the job's script (glue/load_job.py)."
}

variable "script_key" {
  type        = string
  description = "Key of the script in the data bucket."
  default     = "artifacts/glue/load_job.py"
}

variable "library_path" {
  type        = string
  description = "Local path of the covid_etl wheel the script imports (build/glue/covid_etl-0-py3-none-any.whl, made by `make package`)."
}

variable "library_key" {
  type        = string
  description = "Key of the covid_etl wheel in the data bucket; the file name must stay a valid wheel name."
  default     = "artifacts/glue/covid_etl-0-py3-none-any.whl"
}

variable "bucket_name" {
  type        = string
  description = "Data bucket: the script, the delta (staged/) and the failures (failures/)."
}

variable "bucket_arn" {
  type        = string
  description = "ARN of the data bucket."
}

variable "daily_table" {
  type        = string
  description = "Name of the table the job writes."
}

variable "daily_table_arn" {
  type        = string
  description = "ARN of the table the job writes."
}

variable "counties_table" {
  type        = string
  description = "Name of the us-counties dataset's table the job writes (--dataset us-counties)."
}

variable "counties_table_arn" {
  type        = string
  description = "ARN of the us-counties dataset's table."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed key of the bucket, the table and the job's logs."
}

variable "timeout_minutes" {
  type        = number
  description = "Timeout of one job run, in minutes."
  default     = 30
}
