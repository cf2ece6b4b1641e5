output "lake_bucket" {
  description = "The lake's GCS bucket."
  value       = module.platform.lake_bucket
}

output "workload_service_accounts" {
  description = "Service account per workload (bind each with Workload Identity)."
  value       = module.platform.workload_service_accounts
}

output "k8s_identity_env" {
  description = "The Kubernetes overlay's identity.env of this environment (docs/kubernetes.md)."
  value       = module.platform.k8s_identity_env
}

output "kafka_cluster" {
  description = "The Managed Kafka cluster."
  value       = module.platform.kafka_cluster
  sensitive   = true
}
