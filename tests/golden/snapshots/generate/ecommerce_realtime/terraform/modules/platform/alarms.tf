resource "aws_sns_topic" "alerts" {
  name              = "${var.name_prefix}-alerts"
  kms_master_key_id = aws_kms_key.data.arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.alert_emails)
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

locals {
  stale_alarms = {
    "raw_shop.orders:critical" = {
      table       = "raw_shop.orders"
      severity    = "critical"
      seconds     = 300
      description = "The newest row of raw_shop.orders (updated_at) is older than 5m. Runbook: docs/runbooks.md#pipelinetablestale"
    }
    "raw_shop.users:critical" = {
      table       = "raw_shop.users"
      severity    = "critical"
      seconds     = 300
      description = "The newest row of raw_shop.users (updated_at) is older than 5m. Runbook: docs/runbooks.md#pipelinetablestale"
    }
    "raw_shop.products:critical" = {
      table       = "raw_shop.products"
      severity    = "critical"
      seconds     = 300
      description = "The newest row of raw_shop.products (updated_at) is older than 5m. Runbook: docs/runbooks.md#pipelinetablestale"
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
        pipeline = "ecommerce_realtime"
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
  alarm_description   = "More than 0.05 of the day's step runs of ecommerce_realtime failed. Runbook: docs/runbooks.md#pipelinefailureratehigh"
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
        pipeline = "ecommerce_realtime"
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
        pipeline = "ecommerce_realtime"
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
  alarm_description   = "Rows of ecommerce_realtime went to a dead-letter table in the last hour. Runbook: docs/runbooks.md#pipelinedeadlettersgrowing"
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
        pipeline = "ecommerce_realtime"
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

resource "aws_cloudwatch_metric_alarm" "consumer_lag" {
  alarm_name          = "${var.name_prefix}-PipelineConsumerLagHigh-warning"
  alarm_description   = "A consumer group of the MSK cluster is more than 1m behind. Runbook: docs/runbooks.md#pipelineconsumerlaghigh"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 60
  evaluation_periods  = 2
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = merge(var.tags, { alert = "PipelineConsumerLagHigh", severity = "warning" })

  metric_query {
    id          = "lag"
    expression  = "SELECT MAX(EstimatedMaxTimeLag) FROM SCHEMA(\"AWS/Kafka\", \"Cluster Name\", \"Consumer Group\", Topic) WHERE \"Cluster Name\" = '${var.kafka_cluster_name}'"
    label       = "largest estimated time lag, seconds"
    period      = 300
    return_data = true
  }
}
