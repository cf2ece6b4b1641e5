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
  jobs_bucket          = var.jobs_bucket
  landing_bucket       = var.landing_bucket
  spark_role           = var.spark_role
  emr_max_vcpu         = var.emr_max_vcpu
  emr_max_memory_gb    = var.emr_max_memory_gb
  target_buckets       = var.target_buckets
  query_results_bucket = var.query_results_bucket
  glue_database        = var.glue_database
}
