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

variable "eks_cluster_name" {
  type        = string
  description = "The EKS cluster the workloads run in (Pod Identity Agent add-on on)."

  validation {
    condition     = can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", var.eks_cluster_name))
    error_message = "eks_cluster_name: 1-100 letters, digits, - and _, starting with a letter or digit."
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

variable "checkpoints_bucket" {
  type        = string
  description = "S3 bucket of the stream jobs' checkpoints."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.checkpoints_bucket))
    error_message = "checkpoints_bucket: 3-63 lowercase letters, digits, . and -."
  }
}

variable "alert_emails" {
  type        = list(string)
  description = "Addresses the alarms' SNS topic mails (on_failure emails)."

  validation {
    condition     = alltrue([for e in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+$", e))])
    error_message = "alert_emails: email addresses."
  }
}

variable "kafka_cluster_name" {
  type        = string
  description = "MSK cluster name."

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,63}$", var.kafka_cluster_name))
    error_message = "kafka_cluster_name: at most 64 letters, digits and hyphens, starting with a letter."
  }
}

variable "kafka_brokers" {
  type        = number
  description = "MSK broker count (a multiple of the subnets)."

  validation {
    condition     = var.kafka_brokers >= 2 && var.kafka_brokers <= 30 && floor(var.kafka_brokers) == var.kafka_brokers
    error_message = "kafka_brokers: a whole number from 2 to 30."
  }
}

variable "kafka_instance_type" {
  type        = string
  description = "MSK broker instance type."

  validation {
    condition     = can(regex("^kafka\\.[a-z0-9]+\\.[a-z0-9]+$", var.kafka_instance_type))
    error_message = "kafka_instance_type: an MSK instance type such as kafka.m7g.large."
  }
}

variable "kafka_volume_gib" {
  type        = number
  description = "EBS storage per broker, GiB."

  validation {
    condition     = var.kafka_volume_gib >= 1 && var.kafka_volume_gib <= 16384 && floor(var.kafka_volume_gib) == var.kafka_volume_gib
    error_message = "kafka_volume_gib: a whole number from 1 to 16384."
  }
}

variable "vpc_id" {
  type        = string
  description = "The VPC of the brokers."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id: a VPC id (vpc-...)."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the brokers, one per availability zone (2 or 3)."

  validation {
    condition     = length(var.subnet_ids) >= 2 && length(var.subnet_ids) <= 3
    error_message = "subnet_ids: 2 or 3 subnets."
  }
}
