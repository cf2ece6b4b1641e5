resource "google_service_account" "workload" {
  for_each     = var.workload_accounts
  account_id   = each.value
  display_name = "${var.name_prefix} ${each.key}"
}

locals {
  bucket_grants = {
    ingest-lake = {
      workload = "ingest"
      bucket   = google_storage_bucket.lake.name
      role     = "roles/storage.objectUser"
    }
    transform-lake = {
      workload = "transform"
      bucket   = google_storage_bucket.lake.name
      role     = "roles/storage.objectUser"
    }
    stream-lake = {
      workload = "stream"
      bucket   = google_storage_bucket.lake.name
      role     = "roles/storage.objectUser"
    }
    stream-checkpoints = {
      workload = "stream"
      bucket   = google_storage_bucket.checkpoints.name
      role     = "roles/storage.objectUser"
    }
    batch-ingest-lake = {
      workload = "batch"
      bucket   = google_storage_bucket.lake.name
      role     = "roles/storage.objectUser"
    }
  }
  secret_grants = {
    ingest-CLICKHOUSE_PASSWORD = {
      workload = "ingest"
      secret   = google_secret_manager_secret.spec["CLICKHOUSE_PASSWORD"].id
    }
    ingest-KAFKA_SASL_PASSWORD = {
      workload = "ingest"
      secret   = google_secret_manager_secret.spec["KAFKA_SASL_PASSWORD"].id
    }
    ingest-REGISTRY_DB_PASSWORD = {
      workload = "ingest"
      secret   = google_secret_manager_secret.spec["REGISTRY_DB_PASSWORD"].id
    }
    ingest-SCHEMA_REGISTRY_PASSWORD = {
      workload = "ingest"
      secret   = google_secret_manager_secret.spec["SCHEMA_REGISTRY_PASSWORD"].id
    }
    transform-CLICKHOUSE_PASSWORD = {
      workload = "transform"
      secret   = google_secret_manager_secret.spec["CLICKHOUSE_PASSWORD"].id
    }
    stream-CLICKHOUSE_PASSWORD = {
      workload = "stream"
      secret   = google_secret_manager_secret.spec["CLICKHOUSE_PASSWORD"].id
    }
    stream-KAFKA_SASL_PASSWORD = {
      workload = "stream"
      secret   = google_secret_manager_secret.spec["KAFKA_SASL_PASSWORD"].id
    }
    stream-REGISTRY_DB_PASSWORD = {
      workload = "stream"
      secret   = google_secret_manager_secret.spec["REGISTRY_DB_PASSWORD"].id
    }
    stream-SCHEMA_REGISTRY_PASSWORD = {
      workload = "stream"
      secret   = google_secret_manager_secret.spec["SCHEMA_REGISTRY_PASSWORD"].id
    }
    batch-ingest-CLICKHOUSE_PASSWORD = {
      workload = "batch"
      secret   = google_secret_manager_secret.spec["CLICKHOUSE_PASSWORD"].id
    }
    batch-ingest-KAFKA_SASL_PASSWORD = {
      workload = "batch"
      secret   = google_secret_manager_secret.spec["KAFKA_SASL_PASSWORD"].id
    }
    batch-ingest-REGISTRY_DB_PASSWORD = {
      workload = "batch"
      secret   = google_secret_manager_secret.spec["REGISTRY_DB_PASSWORD"].id
    }
    batch-ingest-SCHEMA_REGISTRY_PASSWORD = {
      workload = "batch"
      secret   = google_secret_manager_secret.spec["SCHEMA_REGISTRY_PASSWORD"].id
    }
  }
}

resource "google_storage_bucket_iam_member" "workload" {
  for_each = local.bucket_grants
  bucket   = each.value.bucket
  role     = each.value.role
  member   = "serviceAccount:${google_service_account.workload[each.value.workload].email}"
}

resource "google_secret_manager_secret_iam_member" "workload" {
  for_each  = local.secret_grants
  secret_id = each.value.secret
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.workload[each.value.workload].email}"
}

resource "google_kms_crypto_key_iam_member" "workload" {
  for_each      = var.workload_accounts
  crypto_key_id = google_kms_crypto_key.data.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${google_service_account.workload[each.key].email}"
}

locals {
  dataset_grants = merge([for d, where in var.bigquery_datasets : { for w in where.writers : "${w}-${d}" => { workload = w, dataset = d, project = coalesce(where.project, var.project) } }]...)
}

resource "google_bigquery_dataset_iam_member" "workload" {
  for_each   = local.dataset_grants
  dataset_id = google_bigquery_dataset.target[each.value.dataset].dataset_id
  project    = each.value.project
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.workload[each.value.workload].email}"
}

resource "google_project_iam_member" "bigquery_jobs" {
  for_each = { for g in values(local.dataset_grants) : "${g.workload}-${g.project}" => g... }
  project  = each.value[0].project
  role     = "roles/bigquery.jobUser"
  member   = "serviceAccount:${google_service_account.workload[each.value[0].workload].email}"
}

resource "google_project_iam_member" "kafka_client" {
  for_each = toset(["ingest", "stream", "batch"])
  project  = var.project
  role     = "roles/managedkafka.client"
  member   = "serviceAccount:${google_service_account.workload[each.value].email}"
}

resource "google_service_account_iam_member" "workload_identity" {
  for_each           = var.k8s_service_accounts
  service_account_id = google_service_account.workload[each.key].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project}.svc.id.goog[${var.k8s_namespace}/${each.value}]"
}
