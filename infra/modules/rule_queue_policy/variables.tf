variable "rule_arn" {
  type        = string
  description = "ARN of the EventBridge rule that alone may send to the queues."
}

variable "queues" {
  type = map(object({
    arn = string
    url = string
  }))
  description = "The queues the rule sends to, by a name known at plan time: ARN and URL of each."
}
