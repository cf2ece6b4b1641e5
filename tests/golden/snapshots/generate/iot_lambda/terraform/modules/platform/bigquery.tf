resource "google_bigquery_dataset" "target" {
  for_each                        = var.bigquery_datasets
  dataset_id                      = each.key
  project                         = coalesce(each.value.project, var.project)
  location                        = coalesce(each.value.location, var.region)
  description                     = "${var.name_prefix}: written by the pipeline"
  default_partition_expiration_ms = var.retention_days * 86400000
  delete_contents_on_destroy      = false
  labels                          = var.tags
}
