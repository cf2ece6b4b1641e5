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
    sid       = "ListTarget0"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.target_buckets["lake_bucket"]}"]
  }

  statement {
    sid       = "ObjectsTarget0"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["arn:aws:s3:::${var.target_buckets["lake_bucket"]}/*"]
  }

  statement {
    sid       = "ReadSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [for k in ["CRM_DB_PASSWORD"] : aws_secretsmanager_secret.spec[k].arn]
  }

  statement {
    sid       = "ListLanding"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.landing.arn]
  }

  statement {
    sid       = "ObjectsLanding"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.landing.arn}/*"]
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
    sid       = "ListTarget0"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.target_buckets["lake_bucket"]}"]
  }

  statement {
    sid       = "ObjectsTarget0"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${var.target_buckets["lake_bucket"]}/*"]
  }

  statement {
    sid       = "ListQuery_Results"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.query_results.arn]
  }

  statement {
    sid       = "ObjectsQuery_Results"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.query_results.arn}/*"]
  }

  statement {
    sid       = "AthenaQueries"
    actions   = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup"]
    resources = [aws_athena_workgroup.lake.arn]
  }

  statement {
    sid       = "GlueTables"
    actions   = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable", "glue:BatchCreatePartition", "glue:BatchDeletePartition"]
    resources = ["arn:aws:glue:${var.region}:${data.aws_caller_identity.current.account_id}:catalog", aws_glue_catalog_database.lake.arn, "arn:aws:glue:${var.region}:${data.aws_caller_identity.current.account_id}:table/${aws_glue_catalog_database.lake.name}/*"]
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

data "aws_iam_policy_document" "emr_serverless" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["emr-serverless.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "spark" {
  name               = var.spark_role
  description        = "${var.name_prefix}: the Spark job's EMR Serverless execution role"
  assume_role_policy = data.aws_iam_policy_document.emr_serverless.json
  tags               = var.tags
}

data "aws_iam_policy_document" "spark" {
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
    sid       = "ListJobs"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.jobs.arn]
  }

  statement {
    sid       = "ObjectsJobs"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.jobs.arn}/*"]
  }

  statement {
    sid       = "ListLanding"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.landing.arn]
  }

  statement {
    sid       = "ObjectsLanding"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.landing.arn}/*"]
  }

  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.data.arn]
  }
}

resource "aws_iam_policy" "spark" {
  name   = "${var.spark_role}-access"
  policy = data.aws_iam_policy_document.spark.json
  tags   = var.tags
}

resource "aws_iam_role_policy_attachment" "spark" {
  role       = aws_iam_role.spark.name
  policy_arn = aws_iam_policy.spark.arn
}
