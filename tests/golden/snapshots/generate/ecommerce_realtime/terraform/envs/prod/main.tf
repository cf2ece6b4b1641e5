provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

module "platform" {
  source               = "../../modules/platform"
  name_prefix          = var.name_prefix
  region               = var.region
  tags                 = var.tags
  lake_bucket          = var.lake_bucket
  retention_days       = var.retention_days
  workload_roles       = var.workload_roles
  secret_names         = var.secret_names
  eks_cluster_name     = var.eks_cluster_name
  k8s_namespace        = var.k8s_namespace
  k8s_service_accounts = var.k8s_service_accounts
  checkpoints_bucket   = var.checkpoints_bucket
  alert_emails         = var.alert_emails
  kafka_cluster_name   = var.kafka_cluster_name
  kafka_brokers        = var.kafka_brokers
  kafka_instance_type  = var.kafka_instance_type
  kafka_volume_gib     = var.kafka_volume_gib
  vpc_id               = var.vpc_id
  subnet_ids           = var.subnet_ids
}
