output "state_machine_arn" {
  description = "ARN of the state machine."
  value       = aws_sfn_state_machine.daily.arn
}

output "state_machine_name" {
  description = "Name of the state machine."
  value       = aws_sfn_state_machine.daily.name
}
