provider "google" {
  project        = var.project
  region         = var.region
  default_labels = var.tags
}

module "platform" {
  source               = "../../modules/platform"
  name_prefix          = var.name_prefix
  project              = var.project
  region               = var.region
  tags                 = var.tags
  lake_bucket          = var.lake_bucket
  retention_days       = var.retention_days
  workload_accounts    = var.workload_accounts
  secret_names         = var.secret_names
  checkpoints_bucket   = var.checkpoints_bucket
  bigquery_datasets    = var.bigquery_datasets
  k8s_namespace        = var.k8s_namespace
  k8s_service_accounts = var.k8s_service_accounts
  kafka_cluster_id     = var.kafka_cluster_id
  kafka_vcpus          = var.kafka_vcpus
  kafka_memory_gib     = var.kafka_memory_gib
  kafka_subnet         = var.kafka_subnet
  kafka_topics         = var.kafka_topics
}
