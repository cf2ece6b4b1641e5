resource "aws_sns_topic" "alerts" {
  name              = "${var.name_prefix}-alerts"
  kms_master_key_id = aws_kms_key.data.arn
  tags              = var.tags
}

locals {
  stale_alarms = {
    "raw_fleet.devices:critical" = {
      table       = "raw_fleet.devices"
      severity    = "critical"
      seconds     = 7200
      description = "The newest row of raw_fleet.devices (updated_at) is older than 2h. Runbook: docs/runbooks.md#pipelinetablestale"
    }
    "raw_fleet.readings:critical" = {
      table       = "raw_fleet.readings"
      severity    = "critical"
      seconds     = 7200
      description = "The newest row of raw_fleet.readings (read_at) is older than 2h. Runbook: docs/runbooks.md#pipelinetablestale"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "table_stale" {
  for_each            = local.stale_alarms
  alarm_name          = "${var.name_prefix}-PipelineTableStale-${each.value.severity}-${each.value.table}"
  alarm_description   = each.value.description
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.seconds
  evaluation_periods  = 1
  treat_missing_data  = "breaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = merge(var.tags, { alert = "PipelineTableStale", severity = each.value.severity })

  metric_query {
    id          = "newest"
    return_data = false

    metric {
      namespace   = "pipegen/${var.name_prefix}"
      metric_name = "pipegen_table_newest_row_timestamp_seconds"
      period      = 300
      stat        = "Maximum"
      dimensions = {
        pipeline = "iceberg_lakehouse"
        table    = each.value.table
      }
    }
  }

  metric_query {
    id          = "age"
    expression  = "EPOCH(newest) - newest"
    label       = "age of the newest row, seconds"
    return_data = true
  }
}

resource "aws_cloudwatch_metric_alarm" "failure_rate" {
  alarm_name          = "${var.name_prefix}-PipelineFailureRateHigh-warning"
  alarm_description   = "More than 0.05 of the day's step runs of iceberg_lakehouse failed. Runbook: docs/runbooks.md#pipelinefailureratehigh"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0.05
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = merge(var.tags, { alert = "PipelineFailureRateHigh", severity = "warning" })

  metric_query {
    id          = "runs_failure"
    return_data = false

    metric {
      namespace   = "pipegen/${var.name_prefix}"
      metric_name = "pipegen_step_runs_total"
      period      = 86400
      stat        = "Sum"
      dimensions = {
        pipeline = "iceberg_lakehouse"
        outcome  = "failure"
      }
    }
  }

  metric_query {
    id          = "runs_success"
    return_data = false

    metric {
      namespace   = "pipegen/${var.name_prefix}"
      metric_name = "pipegen_step_runs_total"
      period      = 86400
      stat        = "Sum"
      dimensions = {
        pipeline = "iceberg_lakehouse"
        outcome  = "success"
      }
    }
  }

  metric_query {
    id          = "failure_ratio"
    expression  = "runs_failure / (runs_failure + FILL(runs_success, 0))"
    label       = "share of the day's step runs that failed"
    return_data = true
  }
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.name_prefix}-PipelineDeadLettersGrowing-warning"
  alarm_description   = "Rows of iceberg_lakehouse went to a dead-letter table in the last hour. Runbook: docs/runbooks.md#pipelinedeadlettersgrowing"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = merge(var.tags, { alert = "PipelineDeadLettersGrowing", severity = "warning" })

  metric_query {
    id          = "rejected"
    return_data = false

    metric {
      namespace   = "pipegen/${var.name_prefix}"
      metric_name = "pipegen_rows_rejected_total"
      period      = 3600
      stat        = "Sum"
      dimensions = {
        pipeline = "iceberg_lakehouse"
      }
    }
  }

  metric_query {
    id          = "rejected_rows"
    expression  = "FILL(rejected, 0)"
    label       = "rows rejected in the hour"
    return_data = true
  }
}
