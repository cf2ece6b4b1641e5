variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name: <pipeline>-<environment>."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,38}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix: 2-40 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "project" {
  type        = string
  description = "The GCP project id."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project))
    error_message = "project: a GCP project id."
  }
}

variable "region" {
  type        = string
  description = "GCP region."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region: a GCP region such as europe-west1."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags (labels) every resource carries: pipeline, environment, owner, spec tags."

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 63 && length(v) <= 63])
    error_message = "tags: keys of at most 63 characters, values of at most 63."
  }
}

variable "lake_bucket" {
  type        = string
  description = "GCS bucket of the lake."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$", var.lake_bucket))
    error_message = "lake_bucket: 3-63 lowercase letters, digits, _ . -."
  }
}

variable "retention_days" {
  type        = number
  description = "Days data is kept in the lake (volume.retention_days)."

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 36500 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days: a whole number from 1 to 36500."
  }
}

variable "workload_accounts" {
  type        = map(string)
  description = "Service account id per workload."

  validation {
    condition     = alltrue([for n in values(var.workload_accounts) : can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", n))])
    error_message = "workload_accounts: service account ids of 6-30 lowercase letters, digits and hyphens."
  }
}

variable "secret_names" {
  type        = map(string)
  description = "Secret Manager id per spec secret."

  validation {
    condition     = alltrue([for n in values(var.secret_names) : can(regex("^[a-zA-Z0-9_-]{1,255}$", n))])
    error_message = "secret_names: letters, digits, _ and -."
  }
}

variable "checkpoints_bucket" {
  type        = string
  description = "GCS bucket of the stream jobs' checkpoints."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$", var.checkpoints_bucket))
    error_message = "checkpoints_bucket: 3-63 lowercase letters, digits, _ . -."
  }
}

variable "bigquery_datasets" {
  type        = map(object({ project = string, location = string, writers = list(string) }))
  description = "BigQuery dataset id -> its project and location (\"\": the module's) and the workloads that write it, every dataset a BigQuery target holds."

  validation {
    condition     = alltrue([for k in keys(var.bigquery_datasets) : can(regex("^[A-Za-z0-9_]+$", k)) && length(k) <= 1024])
    error_message = "bigquery_datasets: ids of letters, digits and _ (at most 1024)."
  }

  validation {
    condition     = alltrue([for d in values(var.bigquery_datasets) : alltrue([for w in d.writers : contains(keys(var.workload_accounts), w)])])
    error_message = "bigquery_datasets: each writer is a workload of `workload_accounts`."
  }
}

variable "k8s_namespace" {
  type        = string
  description = "Kubernetes namespace of the workloads."

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.k8s_namespace))
    error_message = "k8s_namespace: a DNS label (lowercase letters, digits and hyphens)."
  }
}

variable "k8s_service_accounts" {
  type        = map(string)
  description = "Kubernetes ServiceAccount (in k8s_namespace) per workload identity."

  validation {
    condition     = alltrue([for n in values(var.k8s_service_accounts) : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", n))])
    error_message = "k8s_service_accounts: DNS labels (lowercase letters, digits and hyphens)."
  }
}

variable "kafka_cluster_id" {
  type        = string
  description = "Managed Kafka cluster id."

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.kafka_cluster_id))
    error_message = "kafka_cluster_id: a lowercase DNS label."
  }
}

variable "kafka_vcpus" {
  type        = number
  description = "Managed Kafka vCPUs (at least 3)."

  validation {
    condition     = var.kafka_vcpus >= 3 && var.kafka_vcpus <= 1000 && floor(var.kafka_vcpus) == var.kafka_vcpus
    error_message = "kafka_vcpus: a whole number from 3 to 1000."
  }
}

variable "kafka_memory_gib" {
  type        = number
  description = "Managed Kafka memory, GiB (1-8 per vCPU)."

  validation {
    condition     = var.kafka_memory_gib >= 3 && var.kafka_memory_gib <= 8000 && floor(var.kafka_memory_gib) == var.kafka_memory_gib
    error_message = "kafka_memory_gib: a whole number from 3 to 8000."
  }
}

variable "kafka_subnet" {
  type        = string
  description = "The subnet the cluster is reachable from (projects/P/regions/R/subnetworks/S)."

  validation {
    condition     = can(regex("^projects/[^/]+/regions/[^/]+/subnetworks/[^/]+$", var.kafka_subnet))
    error_message = "kafka_subnet: a subnetwork path."
  }
}

variable "kafka_topics" {
  type        = map(number)
  description = "Kafka topic -> partitions."

  validation {
    condition     = alltrue([for p in values(var.kafka_topics) : p >= 1])
    error_message = "kafka_topics: at least 1 partition."
  }
}
