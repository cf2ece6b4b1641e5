output "lake_bucket" {
  description = "The lake's S3 bucket."
  value       = module.platform.lake_bucket
}

output "kms_key_arn" {
  description = "The key encrypting the lake, secrets, stream and logs."
  value       = module.platform.kms_key_arn
}

output "workload_role_arns" {
  description = "IAM role per workload (bind each with an EKS Pod Identity association)."
  value       = module.platform.workload_role_arns
}

output "secret_arns" {
  description = "Secrets Manager entry per spec secret."
  value       = module.platform.secret_arns
}

output "athena_workgroup" {
  description = "Athena workgroup querying the lake."
  value       = module.platform.athena_workgroup
}

output "glue_database" {
  description = "Glue database of the lake's tables."
  value       = module.platform.glue_database
}

output "alerts_topic_arn" {
  description = "SNS topic the CloudWatch alarms notify (subscribe the on-call address to it)."
  value       = module.platform.alerts_topic_arn
}

output "metrics_namespace" {
  description = "CloudWatch namespace the alarms read (the CloudWatch agent's metric_namespace)."
  value       = module.platform.metrics_namespace
}
