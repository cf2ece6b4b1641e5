resource "google_kms_key_ring" "data" {
  name     = "${var.name_prefix}-keys"
  location = var.region
}

resource "google_kms_crypto_key" "data" {
  name            = "${var.name_prefix}-data"
  key_ring        = google_kms_key_ring.data.id
  rotation_period = "7776000s"
  labels          = var.tags
}

data "google_storage_project_service_account" "gcs" {}

resource "google_kms_crypto_key_iam_member" "gcs" {
  crypto_key_id = google_kms_crypto_key.data.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}
