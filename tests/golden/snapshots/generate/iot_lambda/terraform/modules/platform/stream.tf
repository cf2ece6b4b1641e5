resource "google_managed_kafka_cluster" "kafka" {
  cluster_id = var.kafka_cluster_id
  location   = var.region
  labels     = var.tags

  capacity_config {
    vcpu_count   = tostring(var.kafka_vcpus)
    memory_bytes = tostring(var.kafka_memory_gib * 1073741824)
  }

  gcp_config {
    kms_key = google_kms_crypto_key.data.id

    access_config {
      network_configs {
        subnet = var.kafka_subnet
      }
    }
  }
}

resource "google_managed_kafka_topic" "topic" {
  for_each           = var.kafka_topics
  topic_id           = each.key
  cluster            = google_managed_kafka_cluster.kafka.cluster_id
  location           = var.region
  partition_count    = each.value
  replication_factor = 3
}
