variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name: <pipeline>-<environment>."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,38}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix: 2-40 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  type        = string
  description = "AWS region."

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region: an AWS region such as eu-central-1."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags (labels) every resource carries: pipeline, environment, owner, spec tags."

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256])
    error_message = "tags: keys of at most 128 characters, values of at most 256."
  }
}

variable "lake_bucket" {
  type        = string
  description = "S3 bucket of the lake."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.lake_bucket))
    error_message = "lake_bucket: 3-63 lowercase letters, digits, . and -."
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

variable "workload_roles" {
  type        = map(string)
  description = "IAM role name per workload."

  validation {
    condition     = alltrue([for n in values(var.workload_roles) : can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", n))])
    error_message = "workload_roles: IAM role names of at most 64 characters."
  }
}

variable "secret_names" {
  type        = map(string)
  description = "Secrets Manager name per spec secret."

  validation {
    condition     = alltrue([for n in values(var.secret_names) : can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", n))])
    error_message = "secret_names: Secrets Manager names (letters, digits, /_+=.@-)."
  }
}

variable "jobs_bucket" {
  type        = string
  description = "S3 bucket of the Spark job's files (PIPEGEN_JOB_ROOT): never expired."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.jobs_bucket))
    error_message = "jobs_bucket: 3-63 lowercase letters, digits, . and -."
  }
}

variable "landing_bucket" {
  type        = string
  description = "S3 bucket the raw batches land in (PIPEGEN_LANDING_ROOT): extract-load writes it, the Spark job reads it."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.landing_bucket))
    error_message = "landing_bucket: 3-63 lowercase letters, digits, . and -."
  }
}

variable "spark_role" {
  type        = string
  description = "IAM role name of the Spark job's EMR Serverless runs."

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.spark_role))
    error_message = "spark_role: an IAM role name of at most 64 characters."
  }
}

variable "emr_max_vcpu" {
  type        = number
  description = "EMR Serverless application's maximum vCPU (all its runs together)."

  validation {
    condition     = var.emr_max_vcpu >= 1 && var.emr_max_vcpu <= 4000 && floor(var.emr_max_vcpu) == var.emr_max_vcpu
    error_message = "emr_max_vcpu: a whole number from 1 to 4000."
  }
}

variable "emr_max_memory_gb" {
  type        = number
  description = "EMR Serverless application's maximum memory, GB."

  validation {
    condition     = var.emr_max_memory_gb >= 2 && var.emr_max_memory_gb <= 24000 && floor(var.emr_max_memory_gb) == var.emr_max_memory_gb
    error_message = "emr_max_memory_gb: a whole number from 2 to 24000."
  }
}

variable "target_buckets" {
  type        = map(string)
  description = "Bucket of each spec target the workloads write or read (the spec's own; Terraform grants access to it, it does not create it)."

  validation {
    condition     = alltrue([for b in values(var.target_buckets) : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", b))])
    error_message = "target_buckets: 3-63 lowercase letters, digits, . and -."
  }
}

variable "query_results_bucket" {
  type        = string
  description = "S3 bucket of Athena's query results."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.query_results_bucket))
    error_message = "query_results_bucket: 3-63 lowercase letters, digits, . and -."
  }
}

variable "glue_database" {
  type        = string
  description = "Glue Data Catalog database of the lake's tables."

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.glue_database))
    error_message = "glue_database: at most 255 lowercase letters, digits and _."
  }
}
