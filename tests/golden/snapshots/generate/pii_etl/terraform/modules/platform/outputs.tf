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

output "emr_application_id" {
  description = "The EMR Serverless application of the Spark job: EMR_APPLICATION_ID of spark/emr-serverless/*.json."
  value       = aws_emrserverless_application.spark.id
}

output "emr_execution_role_arn" {
  description = "The Spark job's EMR Serverless execution role: EMR_EXECUTION_ROLE_ARN of spark/emr-serverless/*.json."
  value       = aws_iam_role.spark.arn
}

output "spark_lake_root" {
  description = "The Spark job's lake root (PIPEGEN_LAKE_ROOT): the lake bucket its execution role writes."
  value       = "s3://${aws_s3_bucket.lake.bucket}"
}

output "spark_job_root" {
  description = "Where the Spark job's files go (PIPEGEN_JOB_ROOT): the jobs bucket its execution role reads."
  value       = "s3://${aws_s3_bucket.jobs.bucket}"
}

output "spark_landing_root" {
  description = "Where the raw batches land (PIPEGEN_LANDING_ROOT): the landing bucket extract-load writes and the Spark job's execution role reads."
  value       = "s3://${aws_s3_bucket.landing.bucket}"
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
