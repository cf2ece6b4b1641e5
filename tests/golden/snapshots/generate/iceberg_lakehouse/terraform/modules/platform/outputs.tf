output "lake_bucket" {
  description = "The lake's S3 bucket."
  value       = aws_s3_bucket.lake.bucket
}

output "kms_key_arn" {
  description = "The key encrypting the lake, secrets, stream and logs."
  value       = aws_kms_key.data.arn
}

output "workload_role_arns" {
  description = "IAM role per workload (bind each with an EKS Pod Identity association)."
  value       = { for k, r in aws_iam_role.workload : k => r.arn }
}

output "secret_arns" {
  description = "Secrets Manager entry per spec secret."
  value       = { for k, s in aws_secretsmanager_secret.spec : k => s.arn }
}

output "athena_workgroup" {
  description = "Athena workgroup querying the lake."
  value       = aws_athena_workgroup.lake.name
}

output "glue_database" {
  description = "Glue database of the lake's tables."
  value       = aws_glue_catalog_database.lake.name
}

output "alerts_topic_arn" {
  description = "SNS topic the CloudWatch alarms notify (subscribe the on-call address to it)."
  value       = aws_sns_topic.alerts.arn
}

output "metrics_namespace" {
  description = "CloudWatch namespace the alarms read (the CloudWatch agent's metric_namespace)."
  value       = "pipegen/${var.name_prefix}"
}
