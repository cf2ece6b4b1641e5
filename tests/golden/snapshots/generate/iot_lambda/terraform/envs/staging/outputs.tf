output "lake_bucket" {
  description = "The lake's GCS bucket."
  value       = module.platform.lake_bucket
}

output "workload_service_accounts" {
  description = "Service account per workload (bind each with Workload Identity)."
  value       = module.platform.workload_service_accounts
}

output "kafka_cluster" {
  description = "The Managed Kafka cluster."
  value       = module.platform.kafka_cluster
  sensitive   = true
}
