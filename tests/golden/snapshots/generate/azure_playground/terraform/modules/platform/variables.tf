variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name: <pipeline>-<environment>."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,38}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix: 2-40 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "location" {
  type        = string
  description = "Azure region."

  validation {
    condition     = can(regex("^[a-z0-9]+$", var.location))
    error_message = "location: an Azure region name such as westeurope."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags (labels) every resource carries: pipeline, environment, owner, spec tags."

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 512 && length(v) <= 256])
    error_message = "tags: keys of at most 512 characters, values of at most 256."
  }
}

variable "resource_group" {
  type        = string
  description = "Resource group name."

  validation {
    condition     = can(regex("^[-\\w._()]{1,90}$", var.resource_group))
    error_message = "resource_group: at most 90 characters."
  }
}

variable "storage_account" {
  type        = string
  description = "Storage account of the lake (globally unique)."

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account))
    error_message = "storage_account: 3-24 lowercase letters and digits."
  }
}

variable "storage_replication" {
  type        = string
  description = "Storage redundancy."

  validation {
    condition     = can(regex("^(LRS|ZRS|GRS|GZRS)$", var.storage_replication))
    error_message = "storage_replication: LRS, ZRS, GRS or GZRS."
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

variable "key_vault" {
  type        = string
  description = "Key Vault name (globally unique)."

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$", var.key_vault))
    error_message = "key_vault: 3-24 letters, digits and hyphens, starting with a letter."
  }
}

variable "workload_identities" {
  type        = map(string)
  description = "Managed identity name per workload."

  validation {
    condition     = alltrue([for n in values(var.workload_identities) : can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$", n))])
    error_message = "workload_identities: 3-128 letters, digits, _ and -."
  }
}

variable "secret_names" {
  type        = map(string)
  description = "Key Vault secret name per spec secret."

  validation {
    condition     = alltrue([for n in values(var.secret_names) : can(regex("^[a-zA-Z0-9-]{1,127}$", n))])
    error_message = "secret_names: 1-127 letters, digits and hyphens."
  }
}

variable "eventhub_namespace" {
  type        = string
  description = "Event Hubs namespace (globally unique)."

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{4,48}[a-zA-Z0-9]$", var.eventhub_namespace))
    error_message = "eventhub_namespace: 6-50 letters, digits and hyphens."
  }
}

variable "eventhub_throughput_units" {
  type        = number
  description = "Event Hubs throughput units (1 MB/s in each)."

  validation {
    condition     = var.eventhub_throughput_units >= 1 && var.eventhub_throughput_units <= 40 && floor(var.eventhub_throughput_units) == var.eventhub_throughput_units
    error_message = "eventhub_throughput_units: a whole number from 1 to 40."
  }
}

variable "eventhubs" {
  type        = map(number)
  description = "Event hub (Kafka topic) -> partitions."

  validation {
    condition     = alltrue([for p in values(var.eventhubs) : p >= 1 && p <= 32])
    error_message = "eventhubs: 1 to 32 partitions each (Standard tier)."
  }
}

variable "target_containers" {
  type        = map(object({ account = string, container = string }))
  description = "Storage account and container of each spec target the workloads write (the spec's own; Terraform grants access to it, it does not create it)."

  validation {
    condition     = alltrue([for c in values(var.target_containers) : can(regex("^[a-z0-9]{3,24}$", c.account)) && can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", c.container))])
    error_message = "target_containers: accounts of 3-24 lowercase letters and digits, containers of 3-63 lowercase letters, digits and hyphens."
  }
}

variable "databricks_sku" {
  type        = string
  description = "Databricks workspace tier."

  validation {
    condition     = can(regex("^(standard|premium|trial)$", var.databricks_sku))
    error_message = "databricks_sku: standard, premium or trial."
  }
}

variable "databricks_secret_scope" {
  type        = string
  description = "Databricks secret scope backed by the environment's Key Vault."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,128}$", var.databricks_secret_scope))
    error_message = "databricks_secret_scope: 1-128 letters, digits, _, . and -."
  }
}

variable "generator_image" {
  type        = string
  description = "Image of the stream generators (requirements-generator.txt, pipeline/)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._/:@-]{0,254}$", var.generator_image))
    error_message = "generator_image: a lowercase image reference, e.g. myregistry.azurecr.io/shop-generator:dev."
  }
}
