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
