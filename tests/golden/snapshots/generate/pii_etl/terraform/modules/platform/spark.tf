resource "aws_emrserverless_application" "spark" {
  name          = "${var.name_prefix}-spark"
  release_label = "emr-spark-8.0.0"
  type          = "spark"
  tags          = var.tags

  auto_start_configuration {
    enabled = true
  }

  auto_stop_configuration {
    enabled              = true
    idle_timeout_minutes = 15
  }

  maximum_capacity {
    cpu    = "${var.emr_max_vcpu} vCPU"
    memory = "${var.emr_max_memory_gb} GB"
  }
}
