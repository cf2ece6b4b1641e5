resource "aws_security_group" "kafka" {
  name        = "${var.name_prefix}-kafka"
  description = "MSK brokers: reachable by the workloads that carry this group"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "kafka_iam" {
  security_group_id            = aws_security_group.kafka.id
  description                  = "Kafka over TLS with IAM authentication, from members of this group"
  referenced_security_group_id = aws_security_group.kafka.id
  ip_protocol                  = "tcp"
  from_port                    = 9098
  to_port                      = 9098
}

resource "aws_cloudwatch_log_group" "kafka" {
  name              = "/aws/msk/${var.name_prefix}"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.data.arn
  tags              = var.tags
}

resource "aws_msk_cluster" "kafka" {
  cluster_name           = var.kafka_cluster_name
  kafka_version          = "3.9.x"
  number_of_broker_nodes = var.kafka_brokers
  tags                   = var.tags

  broker_node_group_info {
    instance_type   = var.kafka_instance_type
    client_subnets  = var.subnet_ids
    security_groups = [aws_security_group.kafka.id]

    storage_info {
      ebs_storage_info {
        volume_size = var.kafka_volume_gib
      }
    }
  }

  encryption_info {
    encryption_at_rest_kms_key_arn = aws_kms_key.data.arn

    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  client_authentication {
    unauthenticated = false

    sasl {
      iam = true
    }
  }

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.kafka.name
      }
    }
  }
}
