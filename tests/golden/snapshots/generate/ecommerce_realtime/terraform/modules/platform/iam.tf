data "aws_iam_policy_document" "pod_identity" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "workload" {
  for_each           = var.workload_roles
  name               = each.value
  assume_role_policy = data.aws_iam_policy_document.pod_identity.json
  tags               = var.tags
}

data "aws_iam_policy_document" "ingest" {
  statement {
    sid       = "ListLake"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.lake.arn]
  }

  statement {
    sid       = "ObjectsLake"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.lake.arn}/*"]
  }

  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.data.arn]
  }

  statement {
    sid       = "ReadSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [for k in ["CLICKHOUSE_PASSWORD", "SERVING_MYSQL_PASSWORD", "SHOP_MYSQL_PASSWORD"] : aws_secretsmanager_secret.spec[k].arn]
  }
}

resource "aws_iam_policy" "ingest" {
  name   = "${var.workload_roles["ingest"]}-access"
  policy = data.aws_iam_policy_document.ingest.json
  tags   = var.tags
}

resource "aws_iam_role_policy_attachment" "ingest" {
  role       = aws_iam_role.workload["ingest"].name
  policy_arn = aws_iam_policy.ingest.arn
}

data "aws_iam_policy_document" "transform" {
  statement {
    sid       = "ListLake"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.lake.arn]
  }

  statement {
    sid       = "ObjectsLake"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.lake.arn}/*"]
  }

  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.data.arn]
  }

  statement {
    sid       = "ReadSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [for k in ["CLICKHOUSE_PASSWORD", "CLICKHOUSE_PROD_PASSWORD", "PAGERDUTY_KEY", "SERVING_MYSQL_PASSWORD", "SLACK_WEBHOOK"] : aws_secretsmanager_secret.spec[k].arn]
  }
}

resource "aws_iam_policy" "transform" {
  name   = "${var.workload_roles["transform"]}-access"
  policy = data.aws_iam_policy_document.transform.json
  tags   = var.tags
}

resource "aws_iam_role_policy_attachment" "transform" {
  role       = aws_iam_role.workload["transform"].name
  policy_arn = aws_iam_policy.transform.arn
}

data "aws_iam_policy_document" "stream" {
  statement {
    sid       = "ListLake"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.lake.arn]
  }

  statement {
    sid       = "ObjectsLake"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.lake.arn}/*"]
  }

  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.data.arn]
  }

  statement {
    sid       = "ListCheckpoints"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.checkpoints.arn]
  }

  statement {
    sid       = "ObjectsCheckpoints"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.checkpoints.arn}/*"]
  }

  statement {
    sid       = "ReadSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [for k in ["CLICKHOUSE_PASSWORD", "SERVING_MYSQL_PASSWORD", "SHOP_MYSQL_PASSWORD"] : aws_secretsmanager_secret.spec[k].arn]
  }

  statement {
    sid       = "KafkaCluster"
    actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
    resources = [aws_msk_cluster.kafka.arn]
  }

  statement {
    sid       = "KafkaTopics"
    actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData", "kafka-cluster:WriteData"]
    resources = ["${replace(aws_msk_cluster.kafka.arn, ":cluster/", ":topic/")}/*"]
  }

  statement {
    sid       = "KafkaGroups"
    actions   = ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"]
    resources = ["${replace(aws_msk_cluster.kafka.arn, ":cluster/", ":group/")}/*"]
  }
}

resource "aws_iam_policy" "stream" {
  name   = "${var.workload_roles["stream"]}-access"
  policy = data.aws_iam_policy_document.stream.json
  tags   = var.tags
}

resource "aws_iam_role_policy_attachment" "stream" {
  role       = aws_iam_role.workload["stream"].name
  policy_arn = aws_iam_policy.stream.arn
}

resource "aws_iam_role_policy_attachment" "batch_ingest" {
  role       = aws_iam_role.workload["batch"].name
  policy_arn = aws_iam_policy.ingest.arn
}

resource "aws_iam_role_policy_attachment" "batch_transform" {
  role       = aws_iam_role.workload["batch"].name
  policy_arn = aws_iam_policy.transform.arn
}

resource "aws_eks_pod_identity_association" "workload" {
  for_each        = var.k8s_service_accounts
  cluster_name    = var.eks_cluster_name
  namespace       = var.k8s_namespace
  service_account = each.value
  role_arn        = aws_iam_role.workload[each.key].arn
  tags            = var.tags
}
