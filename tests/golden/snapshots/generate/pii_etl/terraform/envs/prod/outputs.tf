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

output "emr_application_id" {
  description = "The EMR Serverless application of the Spark job: EMR_APPLICATION_ID of spark/emr-serverless/*.json."
  value       = module.platform.emr_application_id
}

output "emr_execution_role_arn" {
  description = "The Spark job's EMR Serverless execution role: EMR_EXECUTION_ROLE_ARN of spark/emr-serverless/*.json."
  value       = module.platform.emr_execution_role_arn
}

output "spark_lake_root" {
  description = "The Spark job's lake root (PIPEGEN_LAKE_ROOT): the lake bucket its execution role writes."
  value       = module.platform.spark_lake_root
}

output "spark_job_root" {
  description = "Where the Spark job's files go (PIPEGEN_JOB_ROOT): the jobs bucket its execution role reads."
  value       = module.platform.spark_job_root
}

output "spark_landing_root" {
  description = "Where the raw batches land (PIPEGEN_LANDING_ROOT): the landing bucket extract-load writes and the Spark job's execution role reads."
  value       = module.platform.spark_landing_root
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
