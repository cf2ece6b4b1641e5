resource "google_monitoring_alert_policy" "pipelinetablestale_critical_raw_registry_devices" {
  display_name          = "${var.name_prefix}: PipelineTableStale critical raw_registry.devices"
  combiner              = "OR"
  severity              = "CRITICAL"
  enabled               = true
  notification_channels = []
  user_labels           = var.tags

  conditions {
    display_name = "PipelineTableStale: The newest row of raw_registry.devices (updated_at) is older than 2m"

    condition_prometheus_query_language {
      query               = "time() - max by (pipeline, table) (pipegen_table_newest_row_timestamp_seconds{pipeline=\"iot_lambda\",table=\"raw_registry.devices\"}) > 120"
      duration            = "0s"
      evaluation_interval = "60s"
      alert_rule          = "PipelineTableStale"
      labels = {
        severity = "critical"
        table    = "raw_registry.devices"
      }
    }
  }

  documentation {
    subject   = "PipelineTableStale (critical)"
    content   = "The newest row of raw_registry.devices (updated_at) is older than 2m. Runbook: docs/runbooks.md#pipelinetablestale"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "pipelinefailureratehigh_warning" {
  display_name          = "${var.name_prefix}: PipelineFailureRateHigh warning"
  combiner              = "OR"
  severity              = "WARNING"
  enabled               = true
  notification_channels = []
  user_labels           = var.tags

  conditions {
    display_name = "PipelineFailureRateHigh: More than 0.05 of a day's runs of a step failed"

    condition_prometheus_query_language {
      query               = "sum by (pipeline, step) (increase(pipegen_step_runs_total{pipeline=\"iot_lambda\",outcome=\"failure\"}[1d])) / sum by (pipeline, step) (increase(pipegen_step_runs_total{pipeline=\"iot_lambda\"}[1d])) > 0.05"
      duration            = "0s"
      evaluation_interval = "60s"
      alert_rule          = "PipelineFailureRateHigh"
      labels = {
        severity = "warning"
      }
    }
  }

  documentation {
    subject   = "PipelineFailureRateHigh (warning)"
    content   = "More than 0.05 of a day's runs of a step failed. Runbook: docs/runbooks.md#pipelinefailureratehigh"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "pipelinedeadlettersgrowing_warning" {
  display_name          = "${var.name_prefix}: PipelineDeadLettersGrowing warning"
  combiner              = "OR"
  severity              = "WARNING"
  enabled               = true
  notification_channels = []
  user_labels           = var.tags

  conditions {
    display_name = "PipelineDeadLettersGrowing: Rows went to a dead-letter table in the last hour"

    condition_prometheus_query_language {
      query               = "sum by (pipeline, table) (increase(pipegen_rows_rejected_total{pipeline=\"iot_lambda\"}[1h])) > 0"
      duration            = "0s"
      evaluation_interval = "60s"
      alert_rule          = "PipelineDeadLettersGrowing"
      labels = {
        severity = "warning"
      }
    }
  }

  documentation {
    subject   = "PipelineDeadLettersGrowing (warning)"
    content   = "Rows went to a dead-letter table in the last hour. Runbook: docs/runbooks.md#pipelinedeadlettersgrowing"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "pipelineconsumerlaghigh_warning" {
  display_name          = "${var.name_prefix}: PipelineConsumerLagHigh warning"
  combiner              = "OR"
  severity              = "WARNING"
  enabled               = true
  notification_channels = []
  user_labels           = var.tags

  conditions {
    display_name = "PipelineConsumerLagHigh: A consumer group is more than 1m behind its topic at the topic's rate"

    condition_prometheus_query_language {
      query               = "sum by (consumergroup, topic) (kafka_consumergroup_lag{topic=~\"iot_lambda\\\\..*\"}) / on (topic) group_left () clamp_min(sum by (topic) (rate(kafka_topic_partition_current_offset{topic=~\"iot_lambda\\\\..*\"}[5m])), 0.001) > 60"
      duration            = "300s"
      evaluation_interval = "60s"
      alert_rule          = "PipelineConsumerLagHigh"
      labels = {
        severity = "warning"
      }
    }
  }

  documentation {
    subject   = "PipelineConsumerLagHigh (warning)"
    content   = "A consumer group is more than 1m behind its topic at the topic's rate. Runbook: docs/runbooks.md#pipelineconsumerlaghigh"
    mime_type = "text/markdown"
  }
}
