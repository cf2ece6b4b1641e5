output "lake_bucket" {
  description = "The lake's GCS bucket."
  value       = google_storage_bucket.lake.name
}

output "workload_service_accounts" {
  description = "Service account per workload (bind each with Workload Identity)."
  value       = { for k, a in google_service_account.workload : k => a.email }
}

output "k8s_identity_env" {
  description = "The Kubernetes overlay's identity.env of this environment (docs/kubernetes.md)."
  value       = join("", [for k in keys(var.k8s_service_accounts) : "${k}=${google_service_account.workload[k].email}\n"])
}

output "kafka_cluster" {
  description = "The Managed Kafka cluster."
  value       = google_managed_kafka_cluster.kafka.id
  sensitive   = true
}
