resource "google_secret_manager_secret" "spec" {
  for_each  = var.secret_names
  secret_id = each.value
  labels    = var.tags

  replication {
    auto {}
  }
}
